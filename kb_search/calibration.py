"""The auto-answer threshold per embedder: chosen on labelled queries, stored as JSON beside this module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
FALLBACK_THRESHOLD = 0.9
"""Used before any calibration ran: high, so an uncalibrated engine rather offers choices than guesses."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """A threshold and the figures it gave on the data it was chosen on."""

    threshold: float
    target_precision: float
    precision: float
    coverage: float
    n: int
    source: str = ""
    scale: str = "score"
    """What the threshold applies to: "probability" (the confidence model) or "score" (the legacy
    fused score + lead, used by embedders without a confidence model)."""


def choose_threshold(
    samples: Sequence[tuple[float, bool]], target_precision: float, min_answers: int = 5
) -> tuple[float, float, float]:
    """Pick the lowest confidence threshold whose auto-answers reach `target_precision`.

    `samples` are (confidence, top hit is right) per query, unanswerable queries included as wrong.
    Lower thresholds answer more, so the lowest one that still meets the target maximises coverage.
    At least `min_answers` answers are required, so a single lucky top sample cannot set the threshold.
    Returns (threshold, precision, coverage); when no threshold qualifies, one above every sample.
    """
    if not samples:
        return FALLBACK_THRESHOLD, 0.0, 0.0
    ordered = sorted(samples, key=lambda s: -s[0])
    n = len(ordered)
    best: tuple[float, float, float] | None = None
    right = 0
    for i, (conf, is_right) in enumerate(ordered):
        right += int(is_right)
        answered = i + 1
        # Ties must be cut together: a threshold cannot split equal confidences.
        if i + 1 < n and ordered[i + 1][0] == conf:
            continue
        precision = right / answered
        if answered >= min_answers and precision >= target_precision:
            best = (conf, precision, right / n)
    if best is None:
        return ordered[0][0] + 1e-6, 1.0, 0.0
    return best


def load(embedder: str, path: Path = CALIBRATION_FILE) -> Calibration | None:
    """The stored calibration for `embedder`, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration(**data[embedder])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def threshold_for(embedder: str, path: Path = CALIBRATION_FILE) -> float:
    """The auto-answer threshold for `embedder` (the fallback when never calibrated)."""
    found = load(embedder, path)
    return found.threshold if found is not None else FALLBACK_THRESHOLD


def save(embedder: str, calibration: Calibration, path: Path = CALIBRATION_FILE) -> None:
    """Store `calibration` for `embedder`, keeping the other embedders' entries."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[embedder] = asdict(calibration)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
