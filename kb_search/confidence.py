"""Answer confidence: the probability that the top hit answers the query, from several search signals.

The features come from what a search already has (the fused candidates, the query's terms, the top
article's title), so computing them costs microseconds. A logistic model fitted on public data of several
shapes (`benchmarks/kb_confidence.py` refits it) turns them into a probability. Scores sit at different
levels on different knowledge bases, so the level-dependent features are read relative to the KB's own reference:
the features of pseudo-queries made from the KB's articles (`kb_search.pseudo`). The coefficients live
in `confidence.json` beside this module, one model per embedder.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kb_search import calibration
from kb_search.fusion import Scored

MODEL_FILE = Path(__file__).resolve().parent / "confidence.json"

FEATURES: tuple[str, ...] = (
    "score",
    "margin",
    "lexical",
    "semantic",
    "lexical_margin",
    "semantic_margin",
    "leads_lexical",
    "leads_semantic",
    "query_terms",
    "title_share",
    "score_z",
    "phrasing",
    "phrasing_margin",
)
"""The feature vector, in order. Without an embedder the semantic ones are 0 (and `leads_semantic` is 1);
without a confirmed phrasing of the top hit (`Scored.q2q` None) the phrasing ones are 0; when its closest
phrasing did not help, they are below 0."""

RELATIVE: tuple[str, ...] = ("score", "margin", "lexical", "semantic", "score_z")
"""Features the model reads relative to the KB's reference (minus their mean over the KB's pseudo-queries):
their level depends on the KB (how long its articles are, how alike), so only the distance from where
that KB's own questions land carries from one KB to another (measured: `benchmarks/kb_confidence.py`)."""

_Z_WINDOW = 10


def features(
    ranked: Sequence[Scored], query_terms: Sequence[str], title_terms: set[str], cos_floor: float
) -> np.ndarray:
    """The feature vector (in `FEATURES` order) of a ranked candidate list; zeros when it is empty.

    Args:
        ranked: the fused candidates, best first (only those the reader may see).
        query_terms: the query's stemmed content words.
        title_terms: the stemmed content words of the top article's title.
        cos_floor: the fusion's cosine floor; semantic scores are given above it.
    """
    out = np.zeros(len(FEATURES), dtype=np.float64)
    if not ranked:
        return out
    top, rest = ranked[0], ranked[1:]
    second = rest[0].score if rest else 0.0
    out[0] = top.score
    out[1] = top.score - second
    out[2] = top.lexical
    best_other_lex = max((s.lexical for s in rest), default=0.0)
    out[4] = top.lexical - best_other_lex
    out[6] = float(top.lexical >= best_other_lex)
    if top.semantic is not None:
        others = [s.semantic for s in rest if s.semantic is not None]
        best_other_cos = max(others, default=cos_floor)
        out[3] = top.semantic - cos_floor
        out[5] = top.semantic - best_other_cos
        out[7] = float(top.semantic >= best_other_cos)
    else:
        out[7] = 1.0
    unique_terms = set(query_terms)
    out[8] = math.log1p(len(unique_terms))
    out[9] = len(unique_terms & title_terms) / len(unique_terms) if unique_terms else 0.0
    if top.q2q is not None:
        # How close the query is to a question already confirmed for the top hit, and to those of others.
        out[11] = top.q2q
        out[12] = top.q2q - max((s.q2q for s in rest if s.q2q is not None), default=0.0)
    window = [s.score for s in rest[:_Z_WINDOW]]
    if len(window) >= 2:
        out[10] = (top.score - float(np.mean(window))) / (float(np.std(window)) + 0.02)
    elif window:
        out[10] = (top.score - window[0]) / 0.02
    return out


@dataclass(frozen=True, slots=True)
class Reference:
    """Where a KB's scores sit: the mean of each `RELATIVE` feature over its pseudo-queries."""

    means: tuple[float, ...]
    n: int

    @classmethod
    def of(cls, rows: np.ndarray) -> Reference:
        """The reference of a (pseudo-queries x FEATURES) matrix."""
        idx = [FEATURES.index(f) for f in RELATIVE]
        if len(rows) == 0:
            raise ValueError("a reference needs at least one pseudo-query")
        return cls(tuple(float(v) for v in rows[:, idx].mean(axis=0)), len(rows))


def design(rows: np.ndarray, reference: Reference) -> np.ndarray:
    """The model's inputs: the features, with the `RELATIVE` ones minus the KB's reference."""
    out = np.array(np.atleast_2d(rows), dtype=np.float64)
    idx = [FEATURES.index(f) for f in RELATIVE]
    out[:, idx] -= np.asarray(reference.means)[None, :]
    return out


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """A logistic model over `design(...)` inputs, standardised, with its default auto-answer threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    default_reference: Reference
    target_precision: float = 0.95
    source: str = ""

    def probabilities(self, rows: np.ndarray, reference: Reference | None = None) -> np.ndarray:
        """P(top hit is right) for each row of raw features, placed against `reference`."""
        x = design(rows, reference or self.default_reference)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.coef) + self.intercept
        probability: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
        return probability

    def probability(self, row: np.ndarray, reference: Reference | None = None) -> float:
        """P(top hit is right) for one feature vector."""
        return float(self.probabilities(row[None, :], reference)[0])

    def to_json(self) -> dict[str, object]:
        """The JSON-ready form stored in `confidence.json`."""
        data = asdict(self)
        data["features"] = list(FEATURES)
        data["relative"] = list(RELATIVE)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ConfidenceModel:
        """Read a stored model; raise ValueError when it was fitted on another feature set."""
        if data.get("features") != list(FEATURES) or data.get("relative") != list(RELATIVE):
            raise ValueError("the stored confidence model was fitted on other features: refit it")
        ref = data["default_reference"]
        if not isinstance(ref, dict):
            raise ValueError("default_reference must be an object")
        n_inputs = len(FEATURES)
        values = {k: data[k] for k in ("mean", "scale", "coef")}
        for key, value in values.items():
            if not isinstance(value, list) or len(value) != n_inputs:
                raise ValueError(f"{key} must be a list of {n_inputs} numbers")
        return cls(
            mean=tuple(float(v) for v in values["mean"]),  # type: ignore[attr-defined]
            scale=tuple(float(v) for v in values["scale"]),  # type: ignore[attr-defined]
            coef=tuple(float(v) for v in values["coef"]),  # type: ignore[attr-defined]
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            default_reference=Reference(tuple(float(v) for v in ref["means"]), int(ref["n"])),
            target_precision=float(data.get("target_precision", 0.95)),  # type: ignore[arg-type]
            source=str(data.get("source", "")),
        )


def load(embedder: str, path: Path = MODEL_FILE) -> ConfidenceModel | None:
    """The stored model for `embedder`, or None when there is none (or it does not fit the features)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ConfidenceModel.from_json(data[embedder])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(embedder: str, model: ConfidenceModel, path: Path = MODEL_FILE) -> None:
    """Store `model` for `embedder`, keeping the other embedders' models."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[embedder] = model.to_json()
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def default_threshold(embedder_name: str, model: ConfidenceModel | None) -> float:
    """The auto-answer threshold when none is given: the one `helpdesk kb calibrate` stored for the embedder
    on the scale in use, else the confidence model's own, else the fallback on raw scores."""
    scale = "probability" if model is not None else "score"
    stored = calibration.load(embedder_name)
    if stored is not None and stored.scale == scale:
        return stored.threshold
    if model is not None:
        return model.threshold
    return calibration.FALLBACK_THRESHOLD
