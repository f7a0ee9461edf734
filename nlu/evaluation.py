"""Evaluate a backend on Rasa-format test data: accuracy, macro F1, in-scope accuracy, OOS recall, latency."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlu.backend import NluBackend
from nlu.calibration import OOS_INTENTS
from nlu.model import is_out_of_scope
from nlu.training_data import TrainingData


def is_correct(gold: str, predicted: str) -> bool:
    """Right when equal; a gold out-of-scope intent is also right when the parse falls back."""
    if gold in OOS_INTENTS:
        return is_out_of_scope(predicted)
    return gold == predicted


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over gold intents (out-of-scope and fallback count as one class)."""
    norm_gold = ["<oos>" if g in OOS_INTENTS else g for g in gold]
    norm_pred = ["<oos>" if is_out_of_scope(p) else p for p in predicted]
    scores = []
    for label in sorted(set(norm_gold)):
        tp = sum(1 for g, p in zip(norm_gold, norm_pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(norm_gold, norm_pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(norm_gold, norm_pred, strict=True) if g == label and p != label)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


@dataclass(slots=True)
class EvalReport:
    """The figures `helpdesk nlu eval --json` prints."""

    n: int
    accuracy: float
    macro_f1: float
    in_scope_accuracy: float | None
    oos_recall: float | None
    p50_ms: float
    train_s: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with rounded figures."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "n": self.n,
            "accuracy": r(self.accuracy),
            "macro_f1": r(self.macro_f1),
            "in_scope_accuracy": r(self.in_scope_accuracy),
            "oos_recall": r(self.oos_recall),
            "p50_ms": round(self.p50_ms, 2),
            "train_s": r(self.train_s),
        }


def score(
    gold: list[str], predicted: list[str], latencies_ms: list[float], train_s: float | None
) -> EvalReport:
    """Compute the report from gold and predicted intents."""
    correct = [is_correct(g, p) for g, p in zip(gold, predicted, strict=True)]
    in_scope = [c for g, c in zip(gold, correct, strict=True) if g not in OOS_INTENTS]
    oos = [c for g, c in zip(gold, correct, strict=True) if g in OOS_INTENTS]
    return EvalReport(
        n=len(gold),
        accuracy=float(np.mean(correct)) if correct else 0.0,
        macro_f1=macro_f1(gold, predicted),
        in_scope_accuracy=float(np.mean(in_scope)) if in_scope else None,
        oos_recall=float(np.mean(oos)) if oos else None,
        p50_ms=float(np.median(latencies_ms)) if latencies_ms else 0.0,
        train_s=train_s,
    )


async def evaluate(backend: NluBackend, data: TrainingData, train_s: float | None = None) -> EvalReport:
    """Parse every example one at a time (as the bot does) and score the intents."""
    gold, predicted, latencies = [], [], []
    for ex in data.examples:
        started = time.perf_counter()
        result = await backend.parse(ex.text)
        latencies.append((time.perf_counter() - started) * 1000)
        gold.append(ex.intent)
        predicted.append(result.intent.name)
    return score(gold, predicted, latencies, train_s)
