"""The rule that sets the confidence model's auto-answer threshold from its training sets
(`benchmarks/kb_confidence.py`): one small odd set must not dictate it, and no set may pay for the others."""

from __future__ import annotations

import numpy as np

from benchmarks.kb_confidence import SET_FLOOR, TARGET, Run, _every_set, _pooled
from kb_search import confidence as cm

F = cm.FEATURES


def _model() -> cm.ConfidenceModel:
    """P(right) grows with the `score` feature: 0.5 at 0.5, 0.88 at 0.7, 0.98 at 0.9."""
    n = len(F)
    coef = [0.0] * n
    coef[F.index("score")] = 10.0
    return cm.ConfidenceModel(
        mean=(0.0,) * n,
        scale=(1.0,) * n,
        coef=tuple(coef),
        intercept=-5.0,
        threshold=0.5,
        default_reference=cm.Reference((0.0,) * len(cm.RELATIVE), 0),
    )


def _run(name: str, scores: list[float], right: list[bool]) -> Run:
    x = np.zeros((len(scores), len(F)))
    x[:, F.index("score")] = scores
    return Run(
        name,
        name,
        "en",
        x,
        np.array(right),
        np.ones(len(scores), bool),
        np.ones(len(scores), bool),
        np.zeros(len(scores)),
        np.zeros((1, len(F))),  # the reference is all zeros: scores are read as they are
        np.ones(1, bool),
    )


def _big(name: str) -> Run:
    """200 queries: confident ones (score 0.6-0.9) right, unsure ones (0.3-0.5) mostly wrong."""
    scores = list(np.linspace(0.6, 0.9, 150)) + list(np.linspace(0.3, 0.5, 50))
    return _run(name, scores, [True] * 150 + [i % 3 == 0 for i in range(50)])


def test_one_small_odd_set_sets_the_old_threshold_but_not_the_pooled_one() -> None:
    # 25 queries, 23 right; its two confident mistakes sit among the others' right answers.
    scores = [*np.linspace(0.6, 0.95, 23).tolist(), 0.7, 0.8]
    odd = _run("odd", scores, [True] * 23 + [False, False])
    runs = [_big("a"), _big("b"), odd]
    model = _model()
    every, pooled = _every_set(model, runs), _pooled(model, runs)
    assert pooled < every
    p = model.probabilities(odd.x)
    kept = p >= pooled
    assert odd.right[kept].mean() >= SET_FLOOR  # the odd set still answers at 0.92 (23 of 25)
    for run in runs[:2]:
        answered = model.probabilities(run.x) >= pooled
        assert run.right[answered].mean() >= TARGET and answered.mean() >= 0.7


def test_the_floor_keeps_any_one_set_from_paying_for_the_others() -> None:
    # Its answers are half wrong all the way up: however small it is, the pooled rule may not answer it.
    bad = _run("bad", list(np.linspace(0.55, 0.85, 40)), [i % 2 == 0 for i in range(40)])
    runs = [_big("a"), _big("b"), _big("c"), bad]
    model = _model()
    threshold = _pooled(model, runs)
    assert _pooled(model, runs[:3]) < threshold < 0.99
    answered = model.probabilities(bad.x) >= threshold
    assert answered.sum() < 5 or bad.right[answered].mean() >= SET_FLOOR
