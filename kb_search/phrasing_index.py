"""Question-to-question matching against confirmed phrasings: the best phrasing per article, as a signal.

Phrasings are embedded like queries (the same embedder as the articles; e5's "query:" side on both ends,
so two wordings of one question land close together). Without an embedder, hashed word stems stand in.
Each search masks the phrasings the reader may not use before ranking: other audiences, and phrasings
not yet open to everyone (`Phrasing.open`) unless the reader's own organisation confirmed them.

`match` returns, per article, `(signal, similarity)`: the similarity `s` below, and a signal
`clip((s - floor) / (1 - floor))` where `s` pools the article's phrasings near the query (a soft maximum,
`T * log(sum(weight * exp(cos / T)))`: several close wordings say more than one). When the closest phrasing
is a pairing that did not help and lies above the floor, both are negative instead: the signal takes part
of the score away, and the similarity is minus that phrasing's cosine, so the confidence features read it
as evidence against (and search does not answer that pairing on its own: `fusion.refused`); below the floor
such a phrasing says nothing. `kb_search.fusion.fuse` uses the signal to raise (or lower) the article's
score.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kb_search.embedder import Embedder
from kb_search.model import Reader, ReaderKind
from kb_search.phrasings import Phrasing
from kb_search.text import tokens

LEXICAL_DIM = 1024


@dataclass(frozen=True, slots=True)
class PhrasingParams:
    """How a phrasing's similarity becomes a signal."""

    floor: float = 0.88
    """Cosine of two questions (embedded) at or below which a phrasing says nothing, until the KB has
    enough phrasings to place its own (`self_floor`)."""
    floor_range: tuple[float, float] = (0.82, 0.95)
    """Where a KB's own floor may fall."""
    floor_sample: int = 30
    """Phrasings (of at least two articles) needed before the KB places its own floor."""
    lexical_floor: float = 0.3
    """The same for hashed stems (no embedder; measured on the demo set and Banking77)."""
    penalty: float = 0.5
    temperature: float = 0.02
    """Of the soft maximum that pools an article's phrasings (0.02: measured on Banking77 and CLINC150)."""
    """How much of an article's score a fully matching *Did not help* pairing takes away."""
    candidates: int = 200
    """Most similar phrasings looked at per query (then grouped by article)."""


def stem_vectors(texts: Sequence[str]) -> np.ndarray:
    """Hashed bags of stems, L2-normalised: the question vectors when there is no embedder."""
    out = np.zeros((len(texts), LEXICAL_DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        for term in tokens(text):
            slot = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big")
            out[row, slot % LEXICAL_DIM] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: np.ndarray = out / np.maximum(norms, 1e-9)
    return unit


def self_floor(matrix: np.ndarray, articles: np.ndarray, params: PhrasingParams) -> float:
    """The floor this KB's phrasings call for, from their own labels (no query needed).

    A question of another article typically comes as close as the median cosine of each phrasing to its
    nearest phrasing of a *different* article: below that a match says nothing. When the phrasings of
    one article are not even closer to each other than that (diverse wordings of broad articles), the
    floor rises by the difference. Measured on a sample (at most 400 x 4000 rows), clipped to
    `floor_range`.
    """
    n = len(articles)
    if n < params.floor_sample or len(set(articles.tolist())) < 2:
        return params.floor
    rows = np.unique(np.linspace(0, n - 1, min(n, 400)).astype(np.int64))
    pool = np.unique(np.linspace(0, n - 1, min(n, 4000)).astype(np.int64))
    cos = matrix[rows] @ matrix[pool].T
    cos[rows[:, None] == pool[None, :]] = -np.inf
    same = articles[rows][:, None] == articles[pool][None, :]
    cross_nn = np.where(same, -np.inf, cos).max(axis=1)
    same_nn = np.where(same, cos, -np.inf).max(axis=1)
    cross = float(np.median(cross_nn[np.isfinite(cross_nn)]))
    own = same_nn[np.isfinite(same_nn)]
    gap = max(0.0, cross - float(np.median(own))) if len(own) >= params.floor_sample // 3 else 0.0
    low, high = params.floor_range
    return min(max(cross + gap, low), high)


def question_vectors(texts: Sequence[str], embedder: Embedder | None) -> np.ndarray:
    """Vectors of questions (phrasings or a query): the embedder's query side, or hashed stems."""
    if embedder is None:
        return stem_vectors(texts)
    return np.asarray(embedder.embed_queries(list(texts)), dtype=np.float32)


class PhrasingIndex:
    """Active phrasings with their vectors; thread-safe; rebuilt lazily after changes."""

    def __init__(self, params: PhrasingParams | None = None, *, lexical: bool = False) -> None:
        self.params = params or PhrasingParams()
        self.lexical = lexical
        self._rows: dict[int, tuple[Phrasing, np.ndarray]] = {}
        self._lock = threading.Lock()
        self._compiled: _Compiled | None = None
        self._last: _Compiled | None = None  # the arrays before the latest change, while they rebuild
        self._confirming: frozenset[str] = frozenset()
        self.generation = 0

    def __len__(self) -> int:
        return len(self._rows)

    def put(self, phrasings: Sequence[Phrasing], vectors: np.ndarray) -> None:
        """Add or replace phrasings (inactive ones are dropped) with their question vectors."""
        with self._lock:
            for phrasing, vector in zip(phrasings, vectors, strict=True):
                if phrasing.active and phrasing.weight != 0:
                    self._rows[phrasing.id] = (phrasing, np.asarray(vector, dtype=np.float32))
                else:
                    self._rows.pop(phrasing.id, None)
            self._changed()

    def remove(self, phrasing_ids: Iterable[int]) -> None:
        """Drop phrasings by id."""
        with self._lock:
            for phrasing_id in phrasing_ids:
                self._rows.pop(phrasing_id, None)
            self._changed()

    def phrasings(self) -> list[Phrasing]:
        """Every phrasing indexed now (a copy)."""
        with self._lock:
            return [p for p, _ in self._rows.values()]

    def same(self, phrasing: Phrasing) -> bool:
        """Whether this exact state of the phrasing is indexed already (a refresh may skip it)."""
        row = self._rows.get(phrasing.id)
        return row is not None and row[0] == phrasing

    def _changed(self) -> None:
        self._compiled = None
        self.generation += 1
        self._confirming = frozenset(c for p, _ in self._rows.values() if not p.open for c in p.client_ids)

    def scope(self, reader: Reader) -> str | None:
        """The part of a reader that changes what they match: their organisation when it confirmed alone."""
        client = reader.client_id if reader.kind is ReaderKind.CLIENT else None
        return client if client is not None and client in self._confirming else None

    def compile(self) -> float:
        """Build the arrays (and place the floor) now; call it in a worker thread after changes.

        Returns the floor in use.
        """
        index = self._compile()
        return index.floor

    def _compile(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                self._compiled = _Compiled.build(list(self._rows.values()), self.params, self.lexical)
                self._last = self._compiled
            return self._compiled

    def match(
        self, qvec: np.ndarray, audiences: frozenset[str] | None, reader: Reader
    ) -> dict[str, tuple[float, float]]:
        """Per article, `(signal, similarity)` of the phrasings the reader may use (see the module doc)."""
        if not self._rows:
            return {}
        index = self._compiled
        if index is None:
            # A search does not wait for a rebuild in a worker thread: it uses the arrays from before.
            busy = self._last is not None and self._lock.locked()
            index = self._last if busy and self._last is not None else self._compile()
        usable = index.usable(audiences, self.scope(reader))
        if not usable.any():
            return {}
        cos = index.matrix @ np.asarray(qvec, dtype=np.float32)
        cos = np.where(usable, cos, -np.inf)
        n = min(self.params.candidates, len(cos))
        top = np.argpartition(-cos, n - 1)[:n] if n < len(cos) else np.arange(len(cos))
        top = top[np.argsort(-cos[top], kind="stable")]
        floor = index.floor
        span = max(1.0 - floor, 1e-6)
        temp = self.params.temperature
        best: dict[str, tuple[float, float]] = {}  # article -> (cosine, weight) of its closest phrasing
        pooled: dict[str, float] = {}  # article -> sum of weight * exp((cos - 1) / T) over helpful ones
        for row in top:
            c = float(cos[row])
            if c == -np.inf:
                break
            article_id = index.articles[row]
            weight = float(index.weights[row])
            best.setdefault(article_id, (c, weight))
            if weight > 0:
                pooled[article_id] = pooled.get(article_id, 0.0) + weight * float(np.exp((c - 1.0) / temp))
        out: dict[str, tuple[float, float]] = {}
        for article_id, (c, weight) in best.items():
            if weight < 0:
                strength = min(max((c - floor) / span, 0.0), 1.0)
                if strength > 0:
                    # Minus the cosine: evidence against the pairing, for the confidence as for the rank.
                    out[article_id] = (weight * strength * self.params.penalty, -c)
                continue
            soft = 1.0 + temp * float(np.log(pooled[article_id]))
            out[article_id] = (min(max((soft - floor) / span, 0.0), 1.0), soft)
        return out


@dataclass(frozen=True, slots=True)
class _Compiled:
    """The phrasings as arrays: one matrix product and two masks per search."""

    matrix: np.ndarray
    articles: list[str]
    weights: np.ndarray
    audience_codes: np.ndarray
    codes: dict[str, int]
    open: np.ndarray
    by_client: dict[str, np.ndarray]
    floor: float

    @classmethod
    def build(
        cls, rows: list[tuple[Phrasing, np.ndarray]], params: PhrasingParams, lexical: bool
    ) -> _Compiled:
        codes: dict[str, int] = {}
        by_client: dict[str, list[int]] = {}
        for i, (p, _) in enumerate(rows):
            codes.setdefault(p.audience, len(codes))
            if not p.open:
                for client in p.client_ids:
                    by_client.setdefault(client, []).append(i)
        dim = rows[0][1].shape[0] if rows else 1
        matrix = np.vstack([v for _, v in rows]) if rows else np.zeros((0, dim), np.float32)
        articles = [p.article_id for p, _ in rows]
        return cls(
            matrix=matrix,
            articles=articles,
            weights=np.array([p.weight for p, _ in rows], dtype=np.float32),
            audience_codes=np.array([codes[p.audience] for p, _ in rows], dtype=np.int32),
            codes=codes,
            open=np.array([p.open for p, _ in rows], dtype=bool),
            by_client={c: np.array(ix, dtype=np.int64) for c, ix in by_client.items()},
            floor=params.lexical_floor if lexical else self_floor(matrix, np.array(articles), params),
        )

    def usable(self, audiences: frozenset[str] | None, client: str | None) -> np.ndarray:
        """Rows a reader may use: in their audiences, and open or confirmed by their own organisation."""
        mine = self.open.copy()
        if client is not None and client in self.by_client:
            mine[self.by_client[client]] = True
        if audiences is None:
            return mine
        allowed = [self.codes[a] for a in audiences if a in self.codes]
        return mine & np.isin(self.audience_codes, allowed)
