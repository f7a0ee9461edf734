"""`KnowledgeBase`: the search service the dialogue engine and admin tools call.

It keeps published articles in a lexical index and (when an embedder is configured) a vector index,
fuses both, filters by the reader's audiences before ranking, and says whether the top hit is good
enough to answer on its own. A background task re-reads `changed_since` every second so edits made in
another process are searchable within a second; questions without a confident answer are logged as gaps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from kb_search import confidence as confidence_model
from kb_search import configured
from kb_search.article_vectors import ArticleVectors, passages
from kb_search.backlog import STATUS_FILE, EmbeddingBacklog, IndexProgress
from kb_search.embedder import Embedder, engine_kind, load_embedder
from kb_search.follow import SourceFactory, StorageFollower
from kb_search.fusion import FusionParams, Scored, confidence, fuse, refused
from kb_search.lexical import LexicalIndex
from kb_search.model import Article, Hit, Reader, ReaderKind, SearchResult, utcnow
from kb_search.model_pool import model_thread, vector_kept
from kb_search.phrasing_index import PhrasingIndex, question_vectors
from kb_search.phrasings import Phrasing
from kb_search.ports import VectorIndex
from kb_search.pseudo import pseudo_queries
from kb_search.text import query_text, snippet, tokens, words
from kb_search.vectors import MemoryVectorIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_QUERY_CHARS = 1000
RESULTS_KEPT = 5000
"""Search results kept per process: clients ask the same questions again and again."""


class KnowledgeBase:
    """Hybrid lexical + semantic search over the KB, audience-filtered, with answer confidence."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        embedder_spec: str | None = None,
        vector_index: VectorIndex | None = None,
        params: FusionParams | None = None,
        threshold: float | None = None,
        progress: bool = True,
        cache_dir: str | None = None,
    ) -> None:
        """Create an empty KB.

        Args:
            embedder: a loaded embedder, or None for lexical-only search (fast tests).
            embedder_spec: load this embedder lazily on first use instead (see `load_embedder`).
            vector_index: where vectors live; in-process when None.
            params: fusion weights.
            threshold: auto-answer threshold on the confidence; when None, the one `helpdesk kb
                calibrate` stored for the embedder, else the confidence model's own.
            progress: show a progress bar when indexing many articles.
            cache_dir: keep passage embeddings in this folder so a restart does not re-embed.
        """
        self._embedder = embedder
        self._spec = embedder_spec if embedder is None else None
        self.vectors: VectorIndex = vector_index or MemoryVectorIndex()
        self.params = params or FusionParams()
        name = embedder.name if embedder is not None else (embedder_spec or "none")
        self.confidence_model = confidence_model.load(name)
        self.reference: confidence_model.Reference | None = None
        self.threshold = (
            threshold
            if threshold is not None
            else confidence_model.default_threshold(name, self.confidence_model)
        )
        # None given, none stored by `kb calibrate`: the KB's history may place its own (history_threshold).
        model_threshold = self.confidence_model.threshold if self.confidence_model else None
        self.threshold_is_default = threshold is None and self.threshold == model_threshold
        self.passage_vectors = ArticleVectors(self.vectors, cache_dir, progress)
        self.backlog = EmbeddingBacklog(
            self._embed_later,
            idle=self.passage_vectors.save_cache,
            status_path=Path(cache_dir) / STATUS_FILE if cache_dir else None,
        )
        self.backlog.reporter = self.index_progress
        self.lexical = LexicalIndex()
        self._articles: dict[str, Article] = {}
        self.follower = StorageFollower(self)
        self._write_lock = asyncio.Lock()
        self._embed_lock = asyncio.Lock()
        # Recent results by (query, reader's scope, k, ...); emptied whenever the index changes (`_changing`).
        self._results: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()
        self._generation = 0
        self._audiences: tuple[int, frozenset[str]] | None = None  # (generation, audiences of articles)
        self.phrasings = PhrasingIndex()

    @classmethod
    def from_settings(cls, settings: Any, vector_index: VectorIndex | None = None) -> KnowledgeBase:
        """Build from `helpdesk.settings.Settings` (`kb_search.configured.options`: checked at start)."""
        return cls(**configured.options(settings, vector_index))

    @property
    def embedder_name(self) -> str:
        """The configured embedder's name ("none" for lexical only)."""
        if self._embedder is not None:
            return self._embedder.name
        return self._spec or "none"

    async def embedder(self) -> Embedder | None:
        """The embedder, loading it in a thread on first use (once per process)."""
        if self._embedder is None and self._spec not in (None, "none"):
            async with self._embed_lock:
                if self._embedder is None and self._spec is not None:
                    self._embedder = await asyncio.to_thread(load_embedder, self._spec)
        return self._embedder

    def __len__(self) -> int:
        return len(self._articles)

    def article(self, article_id: str) -> Article | None:
        """The indexed (published) article with this id, whatever its audience; None when not indexed."""
        return self._articles.get(article_id)

    async def drop_vectors(self, article_id: str) -> None:
        """Remove an article's vectors (it was unpublished)."""
        with self._changing():
            await self.vectors.remove(article_id)

    # ---- keeping the index current -------------------------------------------------------------

    async def index_articles(self, articles: Iterable[Article]) -> int:
        """Add or replace many articles (drafts are dropped from search); return how many are searchable."""
        batch = list(articles)
        async with self._write_lock:
            with self._changing():
                await asyncio.to_thread(self._put_lexical, batch)
                published = [a for a in batch if a.published]
                for article in batch:
                    if not article.published:
                        self.backlog.discard(article.id)
                if self.follower.running and self.embedder_name != "none":
                    self.backlog.add(published)
                elif (embedder := await self.embedder()) is not None:
                    await self.passage_vectors.store(embedder, published, self._articles.__contains__)
        return len(published)

    async def _embed_later(self, part: list[Article]) -> None:
        """Embed a backlog batch: the articles still current (not replaced or removed meanwhile)."""
        embedder = await self.embedder()
        current = [a for a in part if self._articles.get(a.id) is a]
        if embedder is not None and current:
            with self._changing():
                await self.passage_vectors.store(embedder, current, self._articles.__contains__, save=False)

    def index_progress(self) -> IndexProgress:
        """Articles searchable, how many have their vectors, how many wait, and the embedding rate."""
        return self.backlog.progress(len(self._articles), self.embedder_name, engine_kind(self._embedder))

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """Around any change of the index: results cached before, during or after it are not reused."""
        self._generation += 1
        self._results.clear()
        try:
            yield
        finally:
            self._generation += 1
            self._results.clear()

    def _put_lexical(self, batch: list[Article]) -> None:
        for article in batch:
            if article.published:
                self.lexical.put(article.id, article.audience, passages(article), " ".join(article.tags))
                self._articles[article.id] = article
            else:
                self.lexical.remove(article.id)
                self._articles.pop(article.id, None)

    async def upsert(self, article: Article) -> None:
        """Make the index reflect `article` (a draft is removed from search)."""
        await self.index_articles([article])
        if not article.published:
            await self.drop_vectors(article.id)

    async def remove(self, article_id: str) -> None:
        """Remove an article from search."""
        async with self._write_lock:
            with self._changing():
                await asyncio.to_thread(self.lexical.remove, article_id)
                self.backlog.discard(article_id)
                self._articles.pop(article_id, None)
                await self.vectors.remove(article_id)

    async def learn(self, phrasings: Iterable[Phrasing]) -> int:
        """Add, replace or drop confirmed phrasings (embedded in a thread); return how many were new states."""
        batch = [p for p in phrasings if not self.phrasings.same(p)]
        if not batch:
            return 0
        embedder = await self.embedder()
        live = [p for p in batch if p.active and p.weight != 0]
        kept = {p.id for p in live}
        gone = [p.id for p in batch if p.id not in kept]
        texts = [query_text(p.text) for p in live]
        vectors = await asyncio.to_thread(question_vectors, texts, embedder) if live else None
        with self._changing():
            self.phrasings.lexical = embedder is None
            await asyncio.to_thread(self._swap_phrasings, gone, live, vectors)
        return len(batch)

    def _swap_phrasings(self, gone: list[int], live: list[Phrasing], vectors: np.ndarray | None) -> None:
        """Apply a batch to the phrasing index and rebuild its arrays (in a worker thread: it may take a while)."""
        self.phrasings.remove(gone)
        if vectors is not None:
            self.phrasings.put(live, vectors)
        self.phrasings.compile()

    def set_threshold(self, value: float) -> None:
        """Answer alone from this confidence on (results cached before are not reused)."""
        with self._changing():
            self.threshold = float(value)

    async def forget(self, phrasing_ids: Iterable[int]) -> None:
        """Stop using phrasings (removed by an admin)."""
        with self._changing():
            self.phrasings.remove(phrasing_ids)

    # ---- reading ----------------------------------------------------------------------------------

    async def get(self, article_id: str, reader: Reader) -> Article | None:
        """The published article, or None when it does not exist or `reader` may not read it."""
        article = self._articles.get(article_id) if isinstance(article_id, str) else None
        if article is None or not reader.may_read(article):
            return None
        return article

    def readable(self, reader: Reader) -> list[Article]:
        """Every published article `reader` may read, by title (the client portal's KB index)."""
        return sorted(
            (a for a in self._articles.values() if reader.may_read(a)), key=lambda a: a.title.lower()
        )

    async def search(self, query: str, reader: Reader, k: int = 5) -> SearchResult:
        """Find the `k` best articles `reader` may read; say whether the top one can answer alone."""
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        k = max(1, min(int(k), 50))
        if not text or not self._articles:
            return SearchResult([], False, 0.0)
        embedder = await self.embedder()
        scope = (self._scope(reader), self.phrasings.scope(reader))
        key = (text, scope, k, self.threshold, self.params, self._generation)
        memory = isinstance(self.vectors, MemoryVectorIndex)
        cached = self._results.get(key) if memory else None
        if cached is not None:
            self._results.move_to_end(key)
            result = SearchResult(list(cached.hits), cached.confident, cached.confidence)
        else:
            result, _ = await self._search(text, reader, k, embedder)
            if memory and key[-1] == self._generation:  # the index did not change meanwhile
                self._results[key] = SearchResult(list(result.hits), result.confident, result.confidence)
                while len(self._results) > RESULTS_KEPT:
                    self._results.popitem(last=False)
        if not result.confident and reader.kind is not ReaderKind.STAFF:
            # Staff searches are admins trying things out, not clients left without an answer.
            self.follower.note_gap((text, reader, result.confidence, utcnow()))
        return result

    def _scope(self, reader: Reader) -> frozenset[str] | None:
        """The audiences of indexed articles that `reader` may see: readers with the same scope get the
        same results (most clients have no articles of their own and share the public scope)."""
        audiences = reader.audiences()
        if audiences is None:
            return None
        known = self._audiences
        if known is None or known[0] != self._generation:
            known = self._audiences = (
                self._generation,
                frozenset(a.audience for a in self._articles.values()),
            )
        return audiences & known[1]

    async def _search(
        self,
        text: str,
        reader: Reader,
        k: int,
        embedder: Embedder | None,
        phrasings: PhrasingIndex | None = None,
    ) -> tuple[SearchResult, np.ndarray]:
        # Greetings and thanks around the question are no topic: search reads the question alone.
        text = query_text(text)
        audiences = reader.audiences()
        n = max(self.params.candidates, k)
        if isinstance(self.vectors, MemoryVectorIndex) or embedder is None:
            if embedder is None or vector_kept(embedder, text):
                # No embedding to compute: the search takes less than a hop to a thread and back.
                lexical, ceiling, semantic, terms = self._search_sync(text, audiences, n, embedder)
            else:
                lexical, ceiling, semantic, terms = await model_thread(
                    self._search_sync, text, audiences, n, embedder
                )
        else:
            lexical, ceiling, qvec, terms = await model_thread(
                self._lexical_and_embed, text, audiences, n, embedder
            )
            semantic = await self.vectors.search(qvec, audiences, n)
        index = self.phrasings if phrasings is None else phrasings  # an empty index is falsy
        q2q = await self._phrasing_match(text, reader, embedder, index)
        ranked = fuse(lexical, ceiling, semantic, self.params, q2q)
        return self._result(ranked, reader, k, set(terms))

    async def evidence(
        self, query: str, reader: Reader, k: int = 10, *, phrasings: PhrasingIndex | None = None
    ) -> tuple[SearchResult, np.ndarray]:
        """Search without the result cache or gap log; also return the confidence features of the result.

        For offline measurement and the KB's self-calibration, not for clients' questions. `phrasings`
        replaces the KB's confirmed phrasings for this search (a calibration leaves a question's own out).
        """
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        if not text or not self._articles:
            return SearchResult([], False, 0.0), np.zeros(len(confidence_model.FEATURES))
        return await self._search(text, reader, k, await self.embedder(), phrasings)

    async def self_calibrate(self, limit: int = 400) -> confidence_model.Reference | None:
        """Place this KB's scores: run pseudo-queries made from its articles and keep their features' mean.

        Needs no labelled question; the confidence of later searches is read against this reference.
        """
        queries = pseudo_queries(self._articles.values(), limit=limit)
        if not queries or self.confidence_model is None:
            return None
        embedder = await self.embedder()
        if embedder is not None:
            # One batch is far cheaper than one call per question; the query cache keeps the vectors.
            await asyncio.to_thread(embedder.embed_queries, [q.text for q in queries])
        rows = []
        for query in queries:
            rows.append((await self.evidence(query.text, Reader.staff()))[1])
            # A search whose vector is kept runs inline; let clients' questions in between these.
            await asyncio.sleep(0)
        with self._changing():
            self.reference = confidence_model.Reference.of(np.vstack(rows))
            self.follower.calibrated()
        return self.reference

    async def _phrasing_match(
        self, text: str, reader: Reader, embedder: Embedder | None, phrasings: PhrasingIndex
    ) -> dict[str, tuple[float, float]]:
        """(signal, cosine) of each article's best confirmed phrasing for this reader (`PhrasingIndex.match`)."""
        if not len(phrasings):
            return {}
        if embedder is not None and not vector_kept(embedder, text):
            qvec = (await asyncio.to_thread(question_vectors, [text], embedder))[0]
        else:
            qvec = question_vectors([text], embedder)[0]  # kept by the query cache: no model call
        return phrasings.match(qvec, reader.audiences(), reader)

    def _lexical_and_embed(
        self, text: str, audiences: frozenset[str] | None, n: int, embedder: Embedder
    ) -> tuple[list[tuple[str, float]], float, np.ndarray, list[str]]:
        terms = self.lexical.read(words(text))
        lexical, ceiling = self.lexical.search(terms, audiences, n)
        return lexical, ceiling, embedder.embed_queries([text])[0], terms

    def _search_sync(
        self, text: str, audiences: frozenset[str] | None, n: int, embedder: Embedder | None
    ) -> tuple[list[tuple[str, float]], float, list[tuple[str, float]] | None, list[str]]:
        terms = self.lexical.read(words(text))
        lexical, ceiling = self.lexical.search(terms, audiences, n)
        if embedder is None:
            return lexical, ceiling, None, terms
        qvec = embedder.embed_queries([text])[0]
        assert isinstance(self.vectors, MemoryVectorIndex)
        return lexical, ceiling, self.vectors.search_sync(qvec, audiences, n), terms

    def _result(
        self, ranked: list[Scored], reader: Reader, k: int, terms: set[str]
    ) -> tuple[SearchResult, np.ndarray]:
        hits: list[Hit] = []
        kept: list[Scored] = []
        for scored in ranked:
            if scored.score <= 0:
                # Nothing in common with the query: not worth showing even as a choice.
                break
            article = self._articles.get(scored.article_id)
            # Filtered before ranking already; checked again so no index bug can leak an article.
            if article is None or not reader.may_read(article):
                continue
            kept.append(scored)
            if len(hits) < k:
                hits.append(
                    Hit(
                        article.id,
                        article.title,
                        snippet(article.body, terms),
                        round(scored.score, 4),
                        article.lang,
                    )
                )
        # Compare the rounded value: it is what callers and the calibration see.
        row = self._features(kept, terms)
        conf = round(self._confidence(kept, row), 4)
        return SearchResult(hits, bool(hits) and conf >= self.threshold and not refused(kept), conf), row

    def _features(self, kept: list[Scored], terms: set[str]) -> np.ndarray:
        top = self._articles.get(kept[0].article_id) if kept else None
        title = set(tokens(top.title)) if top is not None else set()
        return confidence_model.features(kept, list(terms), title, self.params.cos_floor)

    def _confidence(self, kept: list[Scored], row: np.ndarray) -> float:
        """P(top hit is right) from the confidence model; the legacy score when there is no model."""
        if self.confidence_model is None:
            return confidence(kept, self.params)
        return self.confidence_model.probability(row, self.reference)

    # ---- loading from storage and staying current (kb_search.follow) -------------------------------

    async def load(
        self, source: SourceFactory, refresh_every: float | None = 1.0, *, embed_behind: bool = False
    ) -> int:
        """Index every article from storage, then (unless `refresh_every` is None) keep polling for edits.

        `source()` returns a unit of work over the KB's repositories (`kb_search.ports.KbUnitOfWork`). With
        `embed_behind` it returns once the articles are searchable by words; their vectors fill in behind.
        """
        return await self.follower.load(source, refresh_every, embed_behind)

    async def refresh(self) -> int:
        """Apply what changed in storage since the last refresh and write pending gaps; return changes."""
        return await self.follower.refresh()

    def refresh_soon(self) -> None:
        """Refresh now rather than at the next poll (a NOTIFY said another process changed the KB)."""
        self.follower.refresh_soon()

    async def close(self) -> None:
        """Stop the refresh loop, write pending gaps and release the vector index."""
        await self.follower.close()
        await self.backlog.close()
        await self.vectors.close()
