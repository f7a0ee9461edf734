"""Where one parse's time goes: TF-IDF, each encoder's forward pass, the classifiers, the entity extractor.

`helpdesk bench nlu` prints this next to its speed figures (`stage_ms`), so a change to the cascade or an
encoder runtime can be judged by the part it is meant to shrink. Each stage is timed one message at a time
on the test messages, as a lone client's parse runs; an encoder of the cascade's second stage is timed only
on the messages that reach it, and `per_parse_ms` weighs it by that share.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from nlu.cascade import has_evidence
from nlu.encoders import get_encoder
from nlu.model import EmbeddedModel

T = TypeVar("T")


def _median_ms(items: Sequence[T], step: Callable[[T], Any]) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        step(item)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3) if times else 0.0


def stage_times(model: EmbeddedModel, texts: list[str]) -> dict[str, Any]:
    """Median milliseconds per message of each stage, and the share of messages the costly stage sees."""
    featurizer = model.featurizer
    cheap, costly = featurizer.cheap_encoders, featurizer.costly_encoders
    out: dict[str, float] = {"tfidf": _median_ms(texts, lambda t: featurizer.tfidf([t]))}
    for name in cheap:
        encoder = get_encoder(name)
        out[name] = _median_ms(texts, lambda t, e=encoder: e.encode([t]))  # type: ignore[misc]
    tfidf, first = featurizer.tfidf(texts), featurizer.embed(texts, cheap)
    passed = list(texts)
    if model.cascade is not None:
        cascade = model.cascade
        rows = [(first[i : i + 1], tfidf[i : i + 1]) for i in range(len(texts))]
        out["first_stage_classifier"] = _median_ms(
            rows, lambda r: cascade.sure(r[0], r[1], has_evidence(r[1]))
        )
        _, sure = cascade.sure(first, tfidf, has_evidence(tfidf))
        passed = [t for t, s in zip(texts, sure, strict=True) if not s]
    for name in costly:
        encoder = get_encoder(name)
        out[name] = _median_ms(passed, lambda t, e=encoder: e.encode([t]))  # type: ignore[misc]
    if costly:
        # The scoring costs the same whatever the vector holds: zeros of the full model's embedding width.
        dense = np.zeros((1, model.classifier.weights.shape[0] - tfidf.shape[1]), dtype=np.float32)
        out["full_classifier"] = _median_ms(
            range(len(texts)), lambda i: model.classifier.proba_split(dense, tfidf[i : i + 1])
        )
    out["entities"] = _median_ms(texts, model.extractor.extract)
    share = len(passed) / len(texts) if texts else 0.0
    second = (*costly, "full_classifier")
    per_parse = sum(v for k, v in out.items() if k not in second) + share * sum(
        out.get(k, 0.0) for k in second
    )
    return {"stage_ms": out, "second_stage_share": round(share, 4), "per_parse_ms": round(per_parse, 3)}
