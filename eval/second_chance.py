"""Would a second chance help? Measures two levers the answering step does not ship.

For every row of a threshold-0 run whose answer cleared the calibrated threshold
but was rejected by the answer checks (``assistant.answer.pipeline.check_answer``):

- ``retry``: generate once more over the same prompt and evidence, the rejected
  answer's first token banned beside the refusal's and ``[`` (real model), and
  check the new answer;
- ``trim``: drop the facts the evidence lacks (``ground.unsupported_facts``) from
  the rejected answer and check what is left (no model).

Prints one line per row (answerable or not, passes the checks, right) and the
totals. A lever is only worth shipping if it turns rejected answerable rows into
right answers without letting rejected unanswerable rows through; on the tune
halves both let through more unanswerable rows than they gain (eval/RESULTS.md).

    .venv/bin/python eval/second_chance.py retry eval/runs/tune-hop2-t0 [--half tune]
    .venv/bin/python eval/second_chance.py trim eval/runs/cmrc-tune-hop2-t0
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from assistant.answer.answerability import Calibration
from assistant.answer.checks.ground import drop_meta, is_grounded, unsupported_facts
from assistant.answer.cite import MARKER_OPEN
from assistant.answer.forms import compare_form
from assistant.answer.generate import load_generator
from assistant.answer.pipeline import check_answer, present
from assistant.answer.prompting import ANSWER_LANGUAGES, Prompts, answer_language, is_refusal
from assistant.evaluation.metrics import answer_correct
from assistant.evaluation.replay import Row, checked_answer, confidence, load_prompts, load_run
from assistant.evaluation.splits import HALVES, half_of
from assistant.settings import Settings


def rejected_rows(rows: Sequence[Row], cal: Calibration, prompts: list[Prompts], half: str | None) -> list[Row]:
    """Rows answered above the threshold whose answer the checks turned into a refusal
    (not the model's own refusals)."""
    out: list[Row] = []
    for r in rows:
        if (half and half_of(str(r["id"])) != half) or not r.get("signals"):
            continue
        if confidence(r, cal) < cal.threshold or checked_answer(r, prompts) is not None:
            continue
        if not is_refusal(drop_meta(str(r.get("raw_answer", ""))), prompts):
            out.append(r)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lever", choices=("retry", "trim"))
    ap.add_argument("run", type=Path, help="a run folder made with --set answer_threshold=0")
    ap.add_argument("--half", choices=HALVES, help="only this half of the questions")
    args = ap.parse_args()
    settings = Settings()
    rows, config = load_run(args.run)
    cal = Calibration.load(str(config["generator"]), settings.calibration_path)
    prompts = load_prompts(settings)
    own = {lang: Prompts.load(settings.prompts_dir, lang, str(config["generator"])) for lang in ANSWER_LANGUAGES}
    generator = load_generator(settings) if args.lever == "retry" else None
    totals: Counter[str] = Counter()
    for r in rejected_rows(rows, cal, prompts, args.half):
        question, evidence = str(r["question"]), str(r.get("evidence_text", ""))
        raw = drop_meta(str(r.get("raw_answer", "")))
        if generator is not None:
            p = own[answer_language(question)]
            bans = (p.refusal, MARKER_OPEN, raw) if raw.strip() else (p.refusal, MARKER_OPEN)
            new = "".join(generator.stream_chat(p.messages(question, evidence), settings.max_answer_tokens,
                                                ban_first=bans)).strip()
            checked = check_answer(new, question, evidence, prompts)
        else:
            new = compare_form(raw)
            for fact in unsupported_facts(raw, question, evidence):
                new = new.replace(fact, "")
            checked = new if is_grounded(new, question, evidence) else None
        right = (checked is not None and bool(r["answerable"])
                 and answer_correct(present(checked, question, evidence), list(r["gold_answers"])))
        kind = "answerable" if r["answerable"] else "unanswerable"
        totals[f"{kind} rejected"] += 1
        totals[f"{kind} now {'right' if right else 'passes (wrong)' if checked is not None else 'still refused'}"] += 1
        print(f"{r['id']}\t{kind}\t{'passes' if checked is not None else 'refused'}\t{'right' if right else ''}\t"
              f"{raw[:40]!r} -> {new[:60]!r}")
    for key in sorted(totals):
        print(f"{key}: {totals[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
