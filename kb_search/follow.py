"""Keeping a `KnowledgeBase` current with storage: edits of any process searchable within a second.

`StorageFollower` re-reads what changed (`changed_since`, with an overlap so a late commit is not missed)
every `every` seconds or at once when told (`refresh_soon`: a NOTIFY from another process), applies it to
the index, and writes the questions nothing answered (the gaps) in the same pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kb_search import history_threshold
from kb_search.model import Reader
from kb_search.ports import KbUnitOfWork

if TYPE_CHECKING:
    from kb_search.phrasings import Phrasing
    from kb_search.service import KnowledgeBase

log = logging.getLogger(__name__)

REFRESH_OVERLAP = timedelta(seconds=5)
"""Re-read this much before the last change seen: a transaction that committed late is not missed."""
RECALIBRATE_SHARE = 0.1
"""Place the KB's scores again (pseudo-queries) once this share of its articles changed since the last time."""
GAPS_KEPT = 1000
"""Unanswered questions kept between two writes; older ones are dropped first."""

SourceFactory = Callable[[], KbUnitOfWork]
"""Returns a unit of work: `async with factory() as uow:` gives `uow.articles`, `uow.kb_gaps` and
`uow.phrasings`."""

Gap = tuple[str, Reader, float, datetime]
"""A question nothing answered confidently: (text, reader, confidence, when)."""


class StorageFollower:
    """The storage side of one `KnowledgeBase`: where it reads changes from and writes its gaps to."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.source: SourceFactory | None = None
        self.gaps: list[Gap] = []
        self._cursor: datetime | None = None
        self._phrasing_cursor: datetime | None = None
        self._changes_since_reference = 0
        self._task: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set by refresh_soon (another process changed the KB)
        self._history_fit: asyncio.Task[None] | None = None
        self._behind = False  # load(embed_behind=True): the first articles' vectors too are embedded behind
        self._calibration: asyncio.Task[None] | None = None
        self._fitted_on = (
            0  # confirmed questions at the last history fit (0: none yet, or the reference moved)
        )

    @property
    def running(self) -> bool:
        """Whether new articles are embedded behind: the refresh loop runs, or the load was told to."""
        return self._task is not None or self._behind

    def note_gap(self, gap: Gap) -> None:
        """Keep an unanswered question for the next write."""
        self.gaps.append(gap)
        del self.gaps[:-GAPS_KEPT]

    async def load(
        self, source: SourceFactory, refresh_every: float | None, embed_behind: bool = False
    ) -> int:
        """Read everything from `source`, then (unless `refresh_every` is None) keep polling it.

        With `embed_behind` (a serving app) the articles are searchable by words when this returns and their
        vectors fill in behind (`EmbeddingBacklog`), the KB's self-calibration after them: a first start
        embedded the whole demo KB and its pseudo-queries before it listened (#18).
        """
        self.source = source
        if embed_behind:
            self._behind = True
            count = await self.refresh()
            self._calibration = asyncio.create_task(self._calibrate_behind(), name="kb-self-calibrate")
        else:
            count = await self.refresh()
            await self.kb.self_calibrate()
            self.fit_history_soon()
        if refresh_every is not None and self._task is None:
            self._task = asyncio.create_task(self._loop(refresh_every), name="kb-refresh")
        return count

    async def refresh(self) -> int:
        """Apply what changed in storage since the last refresh and write pending gaps; return changes."""
        if self.source is None:
            return 0
        kb = self.kb
        async with self.source() as uow:
            since = self._cursor - REFRESH_OVERLAP if self._cursor is not None else None
            changes = await uow.articles.changed_since(since)
            cursor = self._phrasing_cursor
            learned = await uow.phrasings.changed_since(cursor - REFRESH_OVERLAP if cursor else None)
        fresh = [
            a
            for a in changes.articles
            if (old := kb.article(a.id)) is None or old.version != a.version or not a.published
        ]
        if fresh:
            await kb.index_articles(fresh)
            for article in fresh:
                if not article.published:
                    await kb.drop_vectors(article.id)
        for article_id in changes.removed:
            if kb.article(article_id) is not None:
                await kb.remove(article_id)
        if changes.until is not None:
            self._cursor = changes.until
        if learned.removed:
            await kb.forget(learned.removed)
        await kb.learn(learned.phrasings)
        if learned.until is not None:
            self._phrasing_cursor = learned.until
        self._changes_since_reference += len(fresh) + len(changes.removed)
        if kb.reference is not None and self._changes_since_reference > RECALIBRATE_SHARE * len(kb):
            await kb.self_calibrate()
        if learned.phrasings or learned.removed or not self._fitted_on:
            self.fit_history_soon()
        await self.flush_gaps()
        return len(fresh) + len(changes.removed)

    async def _calibrate_behind(self) -> None:
        """Place the KB's scores once the first vectors are in (searches read the model's default meanwhile)."""
        try:
            await self.kb.backlog.wait()
            await self.kb.self_calibrate()
            self.fit_history_soon()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the KB's self-calibration failed; searches keep the model's default reference")

    def calibrated(self) -> None:
        """The KB placed its scores again: count changes from now (and fit the history's threshold again)."""
        self._changes_since_reference = 0
        self._fitted_on = 0

    def fit_history_soon(self) -> None:
        """Place the KB's threshold from its confirmed questions in the background, once there are enough
        (`history_threshold.enough`) and they grew by `REFIT_GROWTH` since the last fit (one fit at a time)."""
        if self._history_fit is not None and not self._history_fit.done():
            return
        labelled = history_threshold.confirmed(self.kb.phrasings.phrasings())
        if not history_threshold.enough(labelled):
            return
        if self._fitted_on and len(labelled) < self._fitted_on * (1 + history_threshold.REFIT_GROWTH):
            return
        self._fitted_on = len(labelled)
        self._history_fit = asyncio.create_task(self._fit_history(labelled), name="kb-history-threshold")

    async def _fit_history(self, labelled: list[Phrasing]) -> None:
        try:
            await history_threshold.apply(self.kb, labelled)
        except Exception:
            log.exception("could not place the KB's threshold from its confirmed history; the model's stays")

    async def flush_gaps(self) -> None:
        """Write the unanswered questions kept so far (dropped, and logged, when storage refuses them)."""
        if not self.gaps or self.source is None:
            return
        pending, self.gaps = self.gaps, []
        try:
            async with self.source() as uow:
                await uow.kb_gaps.record_many(pending)
                await uow.commit()
        except Exception:
            log.exception("could not write %d KB gaps; they are dropped", len(pending))

    def refresh_soon(self) -> None:
        """Refresh now rather than at the next poll (a NOTIFY said another process changed the KB)."""
        self._now.set()

    async def _loop(self, every: float) -> None:
        while True:
            started = time.monotonic()
            self._now.clear()  # a change said during this refresh brings the next one forward
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("KB refresh failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._now.wait(), timeout=max(0.05, every - (time.monotonic() - started))
                )

    async def close(self) -> None:
        """Stop the refresh loop, a calibration or history fit, and write pending gaps."""
        if self._calibration is not None and not self._calibration.done():
            self._calibration.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._calibration
        if self._history_fit is not None and not self._history_fit.done():
            self._history_fit.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._history_fit
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush_gaps()
