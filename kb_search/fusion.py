"""Hybrid ranking: fuse BM25 and embedding similarity into one score per article, and judge confidence.

Both signals are mapped to an absolute 0..1 scale before they are mixed, so the fused score means the
same thing for every query and can be thresholded for auto-answers:
- lexical: BM25 divided by the query's best possible BM25 (the share of the query's weight matched);
- semantic: cosine rescaled from [cos_floor, 1] to [0, 1] (e5 cosines of unrelated texts sit near 0.7).
The weights were tuned on XQuAD question -> paragraph retrieval (see docs/kb.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FusionParams:
    """Weights of the hybrid score."""

    semantic_weight: float = 0.6
    cos_floor: float = 0.7
    candidates: int = 50
    margin_weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate article with both signals and the fused score."""

    article_id: str
    score: float
    lexical: float
    semantic: float | None
    q2q: float | None = None
    """Similarity of the query to the article's confirmed phrasings: a soft maximum of their cosines, so
    several close wordings count (`kb_search.phrasing_index`); None when it has none usable; below zero
    (minus the cosine) when the closest is a pairing that did not help. Its lead over
    the runner-up's separates right from wrong top hits well: on CLINC150 with half its questions as
    history, the best threshold on that lead alone answers 0.70 of the queries at 0.95 precision (0.51 on
    the lead of the plain best cosine), a feature for the confidence model."""


def fuse(
    lexical: list[tuple[str, float]],
    ceiling: float,
    semantic: list[tuple[str, float]] | None,
    params: FusionParams,
    q2q: Mapping[str, tuple[float, float]] | None = None,
) -> list[Scored]:
    """Fuse lexical (article, BM25) and semantic (article, cosine) candidates, best first.

    `semantic` None means there is no embedder: the lexical share alone ranks. A candidate missing from
    one list gets that list's last (lowest) value there, a bound that treats both backends alike.
    `q2q` maps an article to (signal, similarity) of its confirmed phrasings (`kb_search.phrasing_index`):
    a positive signal lifts the score towards 1, a negative one lowers it; an article matched only by a
    phrasing becomes a candidate too.
    """
    q2q = q2q or {}
    lex = {a: (s / ceiling if ceiling > 0 else 0.0) for a, s in lexical}
    extra = [a for a, (signal, _) in q2q.items() if signal > 0]
    if semantic is None:
        ranked = [
            _lifted(Scored(a, min(v, 1.0), min(v, 1.0), None), q2q)
            for a, v in {**dict.fromkeys(extra, 0.0), **lex}.items()
        ]
        ranked.sort(key=lambda s: (-s.score, s.article_id))
        return ranked
    sem = dict(semantic)
    sem_floor = semantic[-1][1] if semantic else params.cos_floor
    span = max(1.0 - params.cos_floor, 1e-6)
    w = params.semantic_weight
    out = []
    for article_id in lex.keys() | sem.keys() | set(extra):
        cos = sem.get(article_id, sem_floor)
        s = min(max((cos - params.cos_floor) / span, 0.0), 1.0)
        lx = min(lex.get(article_id, 0.0), 1.0)
        out.append(_lifted(Scored(article_id, w * s + (1.0 - w) * lx, lx, cos), q2q))
    out.sort(key=lambda s: (-s.score, s.article_id))
    return out


def _lifted(scored: Scored, q2q: Mapping[str, tuple[float, float]]) -> Scored:
    """The candidate with its confirmed-phrasing signal applied (see `fuse`)."""
    found = q2q.get(scored.article_id)
    if found is None:
        return scored
    signal, cos = found
    base = scored.score
    score = base + (1.0 - base) * signal if signal >= 0 else base * (1.0 + signal)
    return Scored(scored.article_id, score, scored.lexical, scored.semantic, cos)


def confidence(ranked: list[Scored], params: FusionParams) -> float:
    """How sure the top hit answers the query: its fused score plus its lead over the runner-up."""
    if not ranked:
        return 0.0
    top = ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return top + params.margin_weight * (top - second)


def refused(ranked: list[Scored]) -> bool:
    """Whether the top hit must not answer on its own: the question is close to one on which this article,
    answered automatically, did not help (a *Did not help* this reader may count, `kb_search.phrasing_index`).
    The reader gets the choices instead, whatever the confidence says."""
    return bool(ranked) and ranked[0].q2q is not None and ranked[0].q2q < 0
