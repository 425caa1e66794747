"""The real-component plugin: skips of real tests fail under CI, and are named otherwise."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

@pytest.mark.models
def test_needs_model():
    pytest.skip("qwen is not installed")

def test_plain():
    pytest.skip("not a real-component test")
"""


@pytest.fixture()
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest("pytest_plugins = ['real_components']")
    pytester.makeini("[pytest]\nmarkers =\n    models: real models\n    browser: real browser\n")
    pytester.makepyfile(test_x=SKIPPING)
    return pytester


def test_skip_of_real_test_fails_under_ci(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest()
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*real models test skipped under CI*make setup*"])


def test_skip_is_named_with_its_fix_outside_ci(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest()
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*real components that did not run*", "*test_needs_model*make setup*"])
    assert suite.runpytest("--require-real").ret == 1
