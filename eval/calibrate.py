"""Fit the answerability calibration on the *tune* half of evaluation runs.

Input: run folders made with every question answered (``assistant eval …
--set answer_threshold=0``), whose rows carry the answerability ``signals``. A logistic
model over ``assistant.answer.answerability.SIGNALS`` is fitted to predict
whether a question is answerable, on the tune-half rows
(``assistant.evaluation.splits.half_of``) that the grounding checks let
through (the calibration decides the rest). The threshold is the one that
maximises the share of tune questions with the right outcome (a correct answer,
or a refusal of an unanswerable one), with every check applied. The result is written to
``assistant/answer/calibration.json`` with the runs it came from; the report
half's numbers are printed for the record, never used for fitting.

    .venv/bin/python eval/calibrate.py eval/runs/corpus-t0 eval/runs/cmrc-t0 [--dry-run] \
        [--whole eval/runs/cmrc-extra-t0 …] [--signals p_refuse,coverage,missing,top_dense,english]

``--whole`` runs are of sets written for tuning (cmrc-extra*, corpus-extra): all
their rows are fitted on, not only the tune half of their ids.

It also prints what each run scores with the fitted threshold, per half,
replayed under today's answer checks (``assistant.evaluation.replay``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from assistant.answer.answerability import CALIBRATION_PATH, SIGNALS, Calibration
from assistant.errors import InputError
from assistant.evaluation.replay import (
    checked_answer,
    confidence,
    load_prompts,
    load_run,
    outcome,
    rates,
    row_signals,
)
from assistant.evaluation.splits import half_of

L2 = 0.1  # ridge penalty: a few hundred rows, four signals
NEWTON_STEPS = 50
THRESHOLDS = [round(t * 0.01, 2) for t in range(0, 100)]


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Ridge logistic regression by Newton's method; returns (weights, bias)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * L2
    reg[-1, -1] = 0.0
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + reg
        w -= np.linalg.solve(hess, grad)
    return w[:-1], float(w[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the calibration")
    ap.add_argument("--out", type=Path, default=CALIBRATION_PATH)
    ap.add_argument("--whole", nargs="+", type=Path, default=[], metavar="RUN",
                    help="runs of sets written for tuning (cmrc-extra*, corpus-extra): every row is tune")
    ap.add_argument("--signals", default=",".join(SIGNALS),
                    help=f"comma-separated signals to fit on (default all: {','.join(SIGNALS)})")
    args = ap.parse_args(argv)
    prompts = load_prompts()
    rows, generators = [], set()
    whole = {run.name for run in args.whole}

    def half(row: dict) -> str:
        """The row's half: a set written for tuning is tune throughout."""
        return "tune" if row["run"] in whole else half_of(row["id"])

    for run in [*args.runs, *args.whole]:
        run_rows, config = load_run(run)
        generators.add(str(config["generator"]))
        rows += [{**r, "run": run.name} for r in run_rows]
    if len(generators) != 1:
        print(f"the runs use several generators {sorted(generators)}: calibrate one at a time",
              file=sys.stderr)
        return 2
    generator = generators.pop()
    answers = {id(r): checked_answer(r, prompts) for r in rows}
    # Fit on what the answer checks let through: the calibration decides the rest.
    through = [r for r in rows if answers[id(r)] is not None and half(r) == "tune"]
    if not through:
        print("no answered rows with signals: run `assistant eval … --set answer_threshold=0` first",
              file=sys.stderr)
        return 2
    names = [k.strip() for k in args.signals.split(",") if k.strip()]
    unknown = sorted(set(names) - set(SIGNALS))
    if unknown:
        print(f"unknown signals {unknown}; known: {', '.join(SIGNALS)}", file=sys.stderr)
        return 2
    x = np.array([[float(getattr(row_signals(r), k)) for k in names] for r in through])
    y = np.array([float(bool(r["answerable"])) for r in through])
    w, b = fit(x, y)
    weights = dict(zip(names, map(float, w), strict=True))

    def simulate(threshold: float, keep: str | None = None) -> dict[str, dict[str, float]]:
        cal = Calibration(weights=weights, bias=b, threshold=threshold)
        groups: dict[str, list] = {}
        for r in rows:
            o = outcome(r, answers[id(r)], confidence(r, cal) < threshold)
            for key in (f"{r['run']}/{half(r)}", f"{r['run']}/all", f"all/{half(r)}"):
                groups.setdefault(key, []).append((r, o))
        return {k: rates(v) for k, v in sorted(groups.items()) if keep is None or k == keep}

    tune_rows = [r for r in rows if half(r) == "tune"]
    n_answerable = sum(1 for r in tune_rows if r["answerable"])
    n_unanswerable = len(tune_rows) - n_answerable

    def score(t: float) -> tuple[float, float]:
        """Share of tune questions with the right outcome (a correct answer, or a
        refusal of an unanswerable one), then fewer false refusals."""
        m = simulate(t, "all/tune")["all/tune"]
        right = m["accuracy"] * n_answerable + m["refusal"] * n_unanswerable
        return round(right / max(1, len(tune_rows)), 6), -m["false_refusal"]

    best = max(THRESHOLDS, key=score)
    final = simulate(best)
    metrics = {f"{k}/{m}": round(v, 4) for k, d in final.items() if k.startswith("all/")
               for m, v in d.items()}
    named = " ".join(str(r) for r in args.runs) + (f" --whole {' '.join(str(r) for r in args.whole)}" if whole else "")
    source = (f"eval/calibrate.py {named} "
              f"(fitted on {len(through)} tune rows; threshold maximises right outcomes on tune)")
    try:  # the evidence context credit is measured live, not fitted here: keep it
        context = Calibration.load(generator, args.out).evidence_context
    except InputError:
        context = 0.0
    cal = Calibration(weights=weights, bias=b, threshold=best, source=source, metrics=metrics,
                      evidence_context=context)
    print(f"generator {generator}; weights {weights}; bias {b:.3f}; threshold {best}")
    print("threshold   tune: refusal / false refusal / accuracy    report: refusal / false refusal / accuracy")
    for t in THRESHOLDS[::5] + [best]:
        sim = simulate(t)
        a, c = sim["all/tune"], sim.get("all/report")
        # runs of tune halves and whole tuning sets have no report rows to show
        report = (f"{c['refusal']:6.1%} / {c['false_refusal']:6.1%} / {c['accuracy']:6.1%}" if c
                  else "no report rows")
        print(f"{t:9.2f}   {a['refusal']:6.1%} / {a['false_refusal']:6.1%} / {a['accuracy']:6.1%}      {report}")
    print("\nat the chosen threshold (n, accuracy, refusal, false refusal):")
    for key, m in final.items():
        print(f"{key:28} {m['n']:4.0f}  {m['accuracy']:6.1%}  {m['refusal']:6.1%}  {m['false_refusal']:6.1%}")
    if not args.dry_run:
        cal.save(generator, args.out)
        print(f"wrote {generator}'s entry in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
