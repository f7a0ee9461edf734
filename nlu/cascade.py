"""The cascade's first stage: a TF-IDF-only classifier that answers the messages it is sure of.

A sentence encoder costs 5-20 ms per message on a CPU; TF-IDF features and a linear model cost well under a
millisecond. Most messages are plain enough for the TF-IDF model alone, so the model asks the encoder only
about the rest. The threshold is chosen on held-out data so that the cascade gives up at most a set share of
the full model's accuracy there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.calibration import OOS_INTENTS
from nlu.classifier import LinearIntentClassifier
from nlu.result import FALLBACK_INTENT

FILE_NAME = "cascade"
# Below this the first stage never answers: with few held-out examples a lower threshold is guesswork.
MIN_THRESHOLD = 0.5


def correct_answers(predicted: list[str], gold: list[str]) -> np.ndarray:
    """Per message: the intent is right, or both gold and prediction are out of scope (`oos`, fallback)."""
    out_of_scope = OOS_INTENTS | {FALLBACK_INTENT}
    return np.array(
        [p == g or (g in OOS_INTENTS and p in out_of_scope) for p, g in zip(predicted, gold, strict=True)],
        dtype=bool,
    )


def choose_cascade_threshold(
    confidence: np.ndarray, first_correct: np.ndarray, full_correct: np.ndarray, max_cost: float
) -> float | None:
    """Pick the confidence from which the first stage answers alone.

    Going down from the most confident held-out message, the first stage takes over messages as long as
    the cascade's held-out accuracy stays within `max_cost` of the full model's; the threshold stops at the
    first message where it would fall further, so that no lucky lower threshold is picked.

    Args:
        confidence: the first stage's top calibrated probability per held-out message.
        first_correct: whether the first stage's answer is right, per message.
        full_correct: whether the full model's answer (after its fallback) is right, per message.
        max_cost: the share of held-out accuracy the cascade may lose, e.g. 0.003.

    Returns:
        The threshold, or None when the first stage should answer nothing.
    """
    n = len(confidence)
    if n == 0:
        return None
    order = np.argsort(-confidence, kind="stable")
    # Extra errors of the cascade (first stage wrong where the full model was right, minus the reverse).
    extra = np.cumsum(full_correct[order].astype(int) - first_correct[order].astype(int))
    allowed = max_cost * n + 1e-9
    threshold: float | None = None
    for k, i in enumerate(order):
        if confidence[i] < MIN_THRESHOLD or extra[k] > allowed:
            break
        # Ties answer together: only move the threshold where the next confidence is strictly lower.
        if k + 1 == n or confidence[order[k + 1]] < confidence[i]:
            threshold = float(confidence[i])
    return threshold


def has_evidence(tfidf: Any) -> np.ndarray:
    """Per TF-IDF row: the message shares at least one word or character n-gram with the training data."""
    return np.asarray(tfidf.getnnz(axis=1) > 0)


@dataclass(slots=True)
class Cascade:
    """The first stage: a linear classifier on the model's TF-IDF features and the confidence it needs."""

    classifier: LinearIntentClassifier
    threshold: float
    coverage: float

    def sure(
        self, cheap: np.ndarray, tfidf: Any, known: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The first stage's probabilities and a mask of the messages it answers alone.

        Args:
            cheap: the cheap encoders' embeddings, shape (n, d) (d may be 0).
            tfidf: the TF-IDF rows of the same messages.
            known: per row, whether the message has any n-gram the model knows (`has_evidence`); a message
                without one is never answered here, however sure the biases make the first stage look.
        """
        probs = self.classifier.proba_split(cheap, tfidf)
        mask = probs.max(axis=1) >= self.threshold
        if known is not None:
            mask &= known
        return probs, mask

    def save(self, folder: Path) -> dict[str, Any]:
        """Write the weights to `cascade.npz`; return the JSON-ready metadata."""
        meta = self.classifier.save(folder, FILE_NAME)
        return {**meta, "threshold": self.threshold, "coverage": self.coverage}

    @classmethod
    def load(cls, folder: Path, meta: dict[str, Any]) -> Cascade:
        """Read a first stage written by `save`."""
        classifier = LinearIntentClassifier.load(folder, meta, FILE_NAME)
        return cls(classifier, float(meta["threshold"]), float(meta.get("coverage", 0.0)))
