"""The KB's own threads for searches that run the model, apart from the event loop's default executor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from kb_search.embedder import Embedder

T = TypeVar("T")


MODEL_THREADS = 4


_pool: ThreadPoolExecutor | None = None


def model_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a search that embeds its query on the KB's own threads, not the loop's default executor.

    The default executor also carries the SQLite lock waits of every turn: under a burst of new questions
    they took all its threads and the searches queued behind them (bench dialogue --unique at 60/s).
    """
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(MODEL_THREADS, thread_name_prefix="kb-model")
    return asyncio.get_running_loop().run_in_executor(_pool, fn, *args)


def vector_kept(embedder: Embedder, text: str) -> bool:
    """Whether the embedder already holds the vector of `text` (a `QueryCache` hit)."""
    has = getattr(embedder, "has", None)
    return bool(has(text)) if has is not None else False
