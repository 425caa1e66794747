"""The CLI is a thin shell: friendly errors, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import cli
from assistant.types import Answer


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


class _DraftThenRefusal:
    """A bot whose streamed draft the answer checks turn into a refusal."""

    def stream(self, question: str) -> Iterator[str | Answer]:
        yield "2019"
        yield "年"
        note = "未采用以下资料，因其中含有对AI的指令：x.txt"
        yield Answer(question=question, text=f"资料中没有找到该问题的答案。\n{note}", citations=(), hits=(),
                     refused=True, timings={"retrieve": 0.1, "first_token": 0.2, "total": 0.3},
                     raw_text="2019年", notes=(note,))


def test_ask_shows_the_checked_answer_when_the_draft_is_refused(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The streamed text is only the model's draft: when the checks refuse it, the user
    is told so, not left with the draft as if it were the answer."""
    monkeypatch.setattr(cli, "_open", lambda args: _DraftThenRefusal())
    assert cli.main(["ask", "柳州哪一年成立？"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2019年\n")
    assert "Checked answer: 资料中没有找到该问题的答案。\nNote: 未采用以下资料" in out
