"""Every benchmark and evaluation script under ``eval/`` starts: its options parse.

These scripts run for minutes with the real models, so they are not run here;
but a script that cannot even build its command line (two options with the
same name crashed ``eval/calibrate.py`` before any work) is caught in seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[1] / "eval"
# Scripts, not the modules they import (eval/soak_users.py is a part of eval/soak.py).
SCRIPTS = sorted(p.name for p in EVAL.glob("*.py") if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help_runs(script: str) -> None:
    done = subprocess.run([sys.executable, str(EVAL / script), "--help"], capture_output=True,
                          text=True, timeout=120, cwd=EVAL.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
