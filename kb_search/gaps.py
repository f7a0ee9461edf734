"""Group unanswered questions into topics so admins see which article to write next; drop the ones a
confirmed phrasing answers since."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kb_search.embedder import Embedder
from kb_search.model import CLIENT_PREFIX, INTERNAL, Reader
from kb_search.phrasing_index import question_vectors
from kb_search.phrasings import Phrasing, text_key
from kb_search.ports import Gap
from kb_search.text import normalize, tokens

MAX_GAPS = 5000
"""Cluster at most this many recent gaps: average-linkage clustering is quadratic in memory."""


@dataclass(frozen=True, slots=True)
class GapCluster:
    """One topic of unanswered questions."""

    size: int
    examples: list[str]
    terms: list[str]
    last_at: str


def _lexical_vectors(texts: Sequence[str]) -> np.ndarray:
    docs = [tokens(t) for t in texts]
    vocab = {term: i for i, term in enumerate(sorted({t for d in docs for t in d}))}
    matrix = np.zeros((len(docs), max(len(vocab), 1)), dtype=np.float32)
    df = Counter(t for d in docs for t in set(d))
    for row, doc in enumerate(docs):
        for term, tf in Counter(doc).items():
            matrix[row, vocab[term]] = tf * np.log(1 + len(docs) / df[term])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = matrix / np.maximum(norms, 1e-9)
    return unit


def cluster_gaps(
    gaps: Sequence[Gap], embedder: Embedder | None = None, distance: float | None = None, examples: int = 3
) -> list[GapCluster]:
    """Cluster gap questions by meaning (embeddings) or, without an embedder, by shared stems.

    Identical questions (after normalising case and spaces) count once per asking but are shown once.
    Returns clusters biggest first.
    """
    recent = list(gaps)[-MAX_GAPS:]
    if not recent:
        return []
    texts = [g.query for g in recent]
    if embedder is not None:
        vectors = embedder.embed_queries(texts)
        threshold = 0.12 if distance is None else distance
    else:
        vectors = _lexical_vectors(texts)
        threshold = 0.8 if distance is None else distance
    if len(recent) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        labels = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
        ).fit_predict(vectors)
    clusters = []
    for label in set(labels.tolist()):
        members = [recent[i] for i in np.flatnonzero(labels == label)]
        seen: dict[str, str] = {}
        for gap in reversed(members):
            seen.setdefault(" ".join(normalize(gap.query).split()), gap.query)
        terms = Counter(t for g in members for t in set(tokens(g.query))).most_common(4)
        clusters.append(
            GapCluster(
                size=len(members),
                examples=list(seen.values())[:examples],
                terms=[t for t, _ in terms],
                last_at=max(g.at for g in members).isoformat(),
            )
        )
    clusters.sort(key=lambda c: (-c.size, c.examples[0]))
    return clusters


COVERED_COSINE = 0.92
"""A gap whose question is at least this close (embedded) to a confirmed phrasing is answered now."""
COVERED_STEMS = 0.8
"""The same with hashed stems, when gaps are clustered without the embedder."""


def uncovered(
    gaps: Sequence[Gap], phrasings: Sequence[Phrasing], embedder: Embedder | None = None
) -> list[Gap]:
    """The gaps no confirmed phrasing answers yet, in order.

    A gap is covered when a phrasing its asker may use (same audience rules as search, helpful on
    balance) has the same wording or, by meaning, a question at least `COVERED_COSINE` close.
    """
    usable = [p for p in phrasings if p.active and p.weight > 0]
    if not gaps or not usable:
        return list(gaps)
    keys = {text_key(p.text) for p in usable}
    vectors = question_vectors([p.text for p in usable], embedder)
    asked = question_vectors([g.query for g in gaps], embedder)
    floor = COVERED_COSINE if embedder is not None else COVERED_STEMS
    similar = asked @ vectors.T
    kept = []
    for row, gap in enumerate(gaps):
        reader = _asker(gap.audience)
        client = reader.client_id
        mine = np.array(
            [reader.may_see_audience(p.audience) and (p.open or client in p.client_ids) for p in usable]
        )
        close = bool((mine & (similar[row] >= floor)).any())
        same = text_key(gap.query) in keys and any(
            m and text_key(p.text) == text_key(gap.query) for m, p in zip(mine, usable, strict=True)
        )
        if not (close or same):
            kept.append(gap)
    return kept


def _asker(audience: str) -> Reader:
    """Who asked a gap's question, from the audience label it was logged with."""
    if audience.startswith(CLIENT_PREFIX):
        return Reader.client(audience[len(CLIENT_PREFIX) :])
    return Reader.staff() if audience == INTERNAL else Reader.public()
