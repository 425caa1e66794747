"""Every benchmark and evaluation script under ``eval/`` starts: its options parse.

These scripts run for minutes with the real models, so they are not run here;
but a script that cannot even build its command line (two options with the
same name crashed ``eval/calibrate.py`` before any work) is caught in seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.evaluation.splits import half_of

EVAL = Path(__file__).resolve().parents[1] / "eval"
# Scripts, not the modules they import (eval/soak_users.py is a part of eval/soak.py).
SCRIPTS = sorted(p.name for p in EVAL.glob("*.py") if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help_runs(script: str) -> None:
    done = subprocess.run([sys.executable, str(EVAL / script), "--help"], capture_output=True,
                          text=True, timeout=120, cwd=EVAL.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


def _run_folder(folder: Path, ids: list[str]) -> Path:
    """A recorded run of the 1.5B generator whose rows all pass the answer checks:
    answerable ones with strong signals, unanswerable ones with weak signals."""
    folder.mkdir()
    rows = []
    for n, rid in enumerate(ids):
        answerable = n % 2 == 0
        strength = 0.9 if answerable else 0.2
        rows.append({
            "id": rid, "question": "南A中心哪年开工？", "answerable": answerable,
            "gold_answers": ["2024年"] if answerable else [], "raw_answer": "2024年[1]",
            "evidence_text": "[1] 南A中心于2024年开工建设。", "refused": False,
            "passages": [{"text": "南A中心于2024年开工建设。", "source": "d.txt", "score": 1.0}],
            "signals": {"p_refuse": 1 - strength, "coverage": strength, "missing": 0.0,
                        "top_dense": strength, "english": 0.0, "form": 1.0, "terms": 0.3},
        })
    (folder / "results.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps({"config": {"generator": "qwen2.5-coder-1.5b"}}), encoding="utf-8")
    return folder


def test_calibrate_fits_every_row_of_a_whole_tuning_run(tmp_path: Path) -> None:
    """``--whole`` runs (sets written for tuning) are fitted on every row; other runs only
    on the tune half of their ids (``splits.half_of``)."""
    split_ids = [f"q{i:03d}" for i in range(20)]
    whole_ids = [f"w{i:03d}" for i in range(12)]
    split = _run_folder(tmp_path / "split", split_ids)
    whole = _run_folder(tmp_path / "whole", whole_ids)
    out = tmp_path / "calibration.json"
    done = subprocess.run([sys.executable, str(EVAL / "calibrate.py"), str(split), "--whole", str(whole),
                           "--out", str(out)], capture_output=True, text=True, timeout=120, cwd=EVAL.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    entry = json.loads(out.read_text(encoding="utf-8"))["qwen2.5-coder-1.5b"]
    tune_of_split = sum(half_of(i) == "tune" for i in split_ids)
    assert 0 < tune_of_split < len(split_ids)
    assert f"fitted on {tune_of_split + len(whole_ids)} tune rows" in entry["source"]
    assert "--whole" in entry["source"]
    assert entry["weights"]["coverage"] > 0  # answerable rows had the stronger evidence
