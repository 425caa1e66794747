"""pytest plugin: a real-model or browser test that skips is reported, and fails under CI.

Tests that need a real component (marked ``models`` or ``browser``) skip when it
is missing. A green run must mean they ran: under CI (``CI=true``) or with
``--require-real`` such a skip fails the test; otherwise the summary names each
one with the command that enables it.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

REAL_MARKERS: dict[str, str] = {
    "models": "make setup   (installs the default models)",
    "browser": "make setup   (as root: installs Debian's chromium and a CJK font)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--require-real", action="store_true",
                     help="fail, not skip, a real-model or browser test that cannot run")


def _require_real(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-real")) or os.environ.get("CI", "").lower() == "true"


def _real_marker(item: pytest.Item) -> str | None:
    return next((m for m in REAL_MARKERS if item.get_closest_marker(m)), None)


SKIPPED_REAL = pytest.StashKey[list[tuple[str, str, str]]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    marker = _real_marker(item)
    if marker and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        item.config.stash[SKIPPED_REAL].append((item.nodeid, marker, reason))
        if _require_real(item.config):
            report.outcome = "failed"
            report.longrepr = (f"real {marker} test skipped under CI/--require-real: {reason}; "
                               f"fix with: {REAL_MARKERS[marker]}")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SKIPPED_REAL] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    skipped = config.stash[SKIPPED_REAL]
    if skipped:
        terminalreporter.section("real components that did not run")
        for nodeid, marker, reason in skipped:
            terminalreporter.write_line(f"{nodeid}: {reason} -> {REAL_MARKERS[marker]}")
