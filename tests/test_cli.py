"""The CLI is a thin shell: friendly errors, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import cli


def test_ask_without_docs_is_a_friendly_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ask", "问题"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "--docs" in err


def test_models_list_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-1.5b" in out and "(default)" in out


@pytest.mark.models
def test_search_json_on_real_corpus(tmp_path: Path, corpus_dir: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["search", "南A中心首批入驻企业", "--docs", str(corpus_dir), "--json",
                     "--index-root", str(tmp_path), "--no-progress", "-k", "3"])
    assert code == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert any(h["chunk"]["source"].endswith("000_cdb5508d85be492d.txt") for h in hits)
    assert {"score", "dense_rank", "bm25_rank"} <= set(hits[0])


def test_empty_question_rejected_before_models_load(tmp_path: Path, corpus_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["ask", "  ", "--docs", str(corpus_dir), "--index-root", str(tmp_path),
                     "--no-progress"])
    assert code == 1
    assert "empty" in capsys.readouterr().err


def test_chat_with_missing_docs_is_a_friendly_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["chat", "--docs", str(tmp_path / "nowhere"), "--upload-dir", str(tmp_path / "up"),
                     "--index-root", str(tmp_path / "index")])
    assert code == 1
    assert capsys.readouterr().err.startswith("Error: path does not exist")
