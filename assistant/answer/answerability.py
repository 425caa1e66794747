"""Calibrated answerability: should the assistant answer, or say the documents lack it?

The decision is not left to whatever the model writes first. Before any text
is generated, a few signals are read:

- ``p_refuse``: the probability the model gives to starting its reply with the
  refusal sentence (log-probabilities of one short scoring step over the
  prompt the answer will use; the prompt's KV state is reused by the answer);
- ``coverage``: the weighted share of the question's key terms found in the
  chosen evidence (a near-miss question names an entity the documents have
  but a measure or year they do not: its key term is missing);
- ``missing``: the weight of the heaviest key term missing from the evidence;
- ``top_dense``: the dense similarity of the best retrieved passage;
- ``english``: 1 when the answer is in English (the English prompt refuses
  with other probabilities, and its key terms come from a translation);
- ``form``: 1 when the evidence holds the form of the asked answer (a number
  for a 多少 question, a date for a 哪年 question; always 1 for other questions);
- ``terms``: how many key terms the question has, over ``TERMS_SCALE`` (a long
  two-document question covers fewer of its terms in a few sentences).

A logistic model turns them into ``confidence`` in [0, 1]; the assistant
answers when it reaches the threshold. Weights and threshold are fitted by
``eval/calibrate.py`` on the *tune* half of the gold sets and stored per
generator, with the command and data that produced them, in
``calibration.json`` beside this file (each model refuses with its own
probabilities, so each has its own weights).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InputError
from ..settings import CALIBRATION_PATH

SIGNALS = ("p_refuse", "coverage", "missing", "top_dense", "english", "form", "terms")
# Defaults of signals added after runs were recorded (replays of older rows).
SIGNAL_DEFAULTS: dict[str, float] = {"english": 0.0, "form": 1.0, "terms": 0.5}
TERMS_SCALE = 10.0  # key terms of a typical one-fact question (5–10), so ``terms`` is ~0.5–1


@dataclass(frozen=True)
class Signals:
    """What the answerability decision is made from (all roughly in [0, 1])."""

    p_refuse: float
    coverage: float
    missing: float
    top_dense: float
    english: float = 0.0
    form: float = 1.0
    terms: float = 0.5

    def as_dict(self) -> dict[str, float]:
        """The signals by name (as stored in evaluation rows)."""
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over ``SIGNALS`` and the answer threshold, with the evidence
    context credit the model was measured best with (``evidence_context``: what
    ``Settings.evidence_context`` means when it is None; 0 when never measured)."""

    weights: dict[str, float]
    bias: float
    threshold: float
    source: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    evidence_context: float = 0.0

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(SIGNALS)
        if unknown:
            raise InputError(f"calibration names unknown signals {sorted(unknown)}; known: {SIGNALS}")
        if not 0.0 <= self.threshold <= 1.0:
            raise InputError(f"calibration threshold {self.threshold} is outside [0, 1]")
        if not 0.0 <= self.evidence_context <= 1.0:
            raise InputError(f"calibration evidence_context {self.evidence_context} is outside [0, 1]")

    def confidence(self, signals: Signals) -> float:
        """Probability-like confidence that the documents answer the question."""
        values = asdict(signals)
        z = self.bias + sum(w * float(values[name]) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def load(cls, generator: str, path: Path = CALIBRATION_PATH) -> Calibration:
        """Read the calibration of ``generator`` (a model id) written by ``eval/calibrate.py``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))[generator]
            return cls(weights={k: float(v) for k, v in data["weights"].items()},
                       bias=float(data["bias"]), threshold=float(data["threshold"]),
                       source=str(data.get("source", "")), metrics=dict(data.get("metrics", {})),
                       evidence_context=float(data.get("evidence_context", 0.0)))
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise InputError(f"no answerability calibration for {generator!r} in {path} ({exc!r}); "
                             f"fit one with eval/calibrate.py on runs of that model") from exc

    def save(self, generator: str, path: Path = CALIBRATION_PATH) -> None:
        """Store this calibration as ``generator``'s entry (other models' entries are kept)."""
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data[generator] = asdict(self)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
