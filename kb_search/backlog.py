"""Articles already searchable by words whose vectors are still to come, and the task that embeds them.

A running KB (`KnowledgeBase.load` with a refresher) puts new and changed articles in the lexical index at
once and hands them here; one background task embeds them in batches, newest version of each article
only. Its progress (articles, embedded, pending, rate) is what `helpdesk kb status` and the admin KB
page show; it is also written to `kb-progress.json` in the KB cache folder for other processes to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kb_search.model import Article, utcnow

log = logging.getLogger(__name__)

BATCH = 32
"""Articles per background step: the vectors of a batch become searchable together."""
RATE_WINDOW_S = 60.0
RETRY_AFTER_S = 5.0
STATUS_FILE = "kb-progress.json"


@dataclass(frozen=True)
class IndexProgress:
    """How far the semantic index is behind the lexical one, in one process."""

    embedder: str
    engine: str | None
    articles: int
    embedded: int
    pending: int
    rate_per_s: float | None
    """Articles embedded per second over the last minute; None before the first batch."""
    updated_at: str
    pid: int

    @property
    def eta_s(self) -> float | None:
        """Seconds until every article has its vectors, at the current rate."""
        if not self.pending:
            return 0.0
        return round(self.pending / self.rate_per_s, 1) if self.rate_per_s else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (with eta_s)."""
        return {**asdict(self), "eta_s": self.eta_s}


class EmbeddingBacklog:
    """Pending articles and the one task that embeds them with `embed(batch)`."""

    def __init__(
        self,
        embed: Callable[[list[Article]], Awaitable[None]],
        *,
        idle: Callable[[], Awaitable[None]] | None = None,
        status_path: Path | None = None,
        batch: int = BATCH,
    ) -> None:
        self._embed = embed
        self._idle = idle
        self.status_path = status_path
        self.batch = batch
        self._pending: dict[str, Article] = {}
        self._in_flight = 0
        self._task: asyncio.Task[None] | None = None
        self._done: deque[tuple[float, int, float]] = deque()  # (finished at, articles, seconds)
        self.embedded_total = 0
        self.reporter: Callable[[], IndexProgress] | None = None
        """Set by the owner: the snapshot to write after each batch."""

    def __len__(self) -> int:
        return len(self._pending) + self._in_flight

    def add(self, articles: Iterable[Article]) -> None:
        """Queue articles (a newer version replaces a queued one) and make sure the task runs."""
        for article in articles:
            self._pending.pop(article.id, None)
            self._pending[article.id] = article
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="kb-embed-backlog")

    def discard(self, article_id: str) -> None:
        """Forget a queued article (deleted or unpublished)."""
        self._pending.pop(article_id, None)

    async def _run(self) -> None:
        while self._pending:
            ids = list(self._pending)[: self.batch]
            part = [self._pending.pop(i) for i in ids]
            self._in_flight = len(part)
            # Said before each batch too, not only after: a batch of long articles takes seconds (minutes
            # on a loaded machine), and `kb status` and the admin should show what waits from the start.
            self._report()
            started = time.monotonic()
            try:
                await self._embed(part)
            except asyncio.CancelledError:
                self._requeue(part)
                raise
            except Exception:
                log.exception("embedding %d KB articles failed; retrying in %.0f s", len(part), RETRY_AFTER_S)
                self._requeue(part)
                self._in_flight = 0
                await asyncio.sleep(RETRY_AFTER_S)
                continue
            finally:
                self._in_flight = 0
            self.embedded_total += len(part)
            self._done.append((time.monotonic(), len(part), time.monotonic() - started))
            self._report()
        if self._idle is not None:
            try:
                await self._idle()
            except Exception:
                log.exception("the KB backlog's idle step failed")
        self._report()

    def _requeue(self, part: list[Article]) -> None:
        for article in part:
            self._pending.setdefault(article.id, article)

    def rate(self) -> float | None:
        """Articles embedded per second of embedding over the last minute (None before the first batch)."""
        now = time.monotonic()
        while self._done and now - self._done[0][0] > RATE_WINDOW_S:
            self._done.popleft()
        seconds = sum(d for _, _, d in self._done)
        if not self._done or seconds <= 0:
            return None
        return round(sum(n for _, n, _ in self._done) / seconds, 2)

    def progress(self, articles: int, embedder: str, engine: str | None) -> IndexProgress:
        """A snapshot for `articles` searchable articles."""
        pending = len(self) if embedder != "none" else 0
        return IndexProgress(
            embedder=embedder,
            engine=engine,
            articles=articles,
            embedded=max(articles - pending, 0) if embedder != "none" else 0,
            pending=pending,
            rate_per_s=self.rate(),
            updated_at=utcnow().isoformat(timespec="seconds"),
            pid=os.getpid(),
        )

    def _report(self) -> None:
        if self.status_path is not None and self.reporter is not None:
            write_status(self.status_path, self.reporter())

    async def wait(self) -> None:
        """Return when nothing is pending (for tools and tests that need every vector)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop the task; what is pending stays pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def write_status(path: Path, progress: IndexProgress) -> None:
    """Write the progress file atomically; a failure is logged, never raised."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
        with os.fdopen(fd, "w") as out:
            json.dump(progress.as_dict(), out)
        os.replace(tmp, path)
    except OSError:
        log.warning("could not write the KB progress file %s", path)


def read_status(path: Path) -> IndexProgress | None:
    """The progress a running process wrote last, or None (no file, or not readable)."""
    try:
        data = json.loads(path.read_text())
        data.pop("eta_s", None)
        return IndexProgress(**data)
    except (OSError, ValueError, TypeError):
        return None


def age_s(progress: IndexProgress) -> float:
    """Seconds since `progress` was written."""
    return (utcnow() - datetime.fromisoformat(progress.updated_at)).total_seconds()
