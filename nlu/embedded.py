"""The embedded backend: the in-process model behind the async `NluBackend` interface."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from nlu.model import EmbeddedModel
from nlu.result import ParseResult

MAX_BATCH = 32
CACHE_SIZE = 20_000


class SharedCache(Protocol):
    """A cache the processes of a cluster share (Redis): blocking calls, made on the parse threads only.

    It never fails: a cache that cannot be reached answers "not found" and keeps nothing, and the process
    parses for itself.
    """

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of `keys`, None where there is none."""

    def put_many(self, items: Mapping[str, bytes]) -> None:
        """Keep these values."""


def model_version(model: EmbeddedModel) -> str:
    """A short fingerprint of a trained model (its meta: data, recipe, training time): a cache key's part."""
    return hashlib.sha256(json.dumps(model.meta, sort_keys=True, default=str).encode()).hexdigest()[:16]


class EmbeddedBackend:
    """Parses in worker threads so that model inference never blocks the event loop.

    Messages that arrive while a batch is being encoded wait for the next batch and are encoded together:
    one message costs one encoder call, and under load the encoder works on batches (about 8x the
    throughput of one-by-one on a CPU) without adding a delay to a lone message. Up to `workers` batches
    (one per core by default) run at once: the encoders' inner loops release the GIL, and each batch runs
    its encoders on one thread, so two batches use two cores.
    """

    def __init__(
        self,
        model: EmbeddedModel,
        max_batch: int = MAX_BATCH,
        cache_size: int = CACHE_SIZE,
        workers: int | None = None,
        shared: SharedCache | None = None,
    ) -> None:
        self.model = model
        # Parses other processes made with the same model (a cluster's web processes get the same
        # questions): a text one process parsed costs the others a Redis GET, not the encoders.
        self.shared = shared
        self._version = model_version(model) if shared is not None else ""
        self.max_batch = max_batch
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        # Parses run on threads of their own: the loop's default executor also carries SQLite lock waits,
        # and a burst of those left new messages waiting for a thread to be parsed on.
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="nlu-parse")
        # A batch that parses alone lends its encoders the idle cores (`EmbeddedModel.parse_many(spare=)`): a
        # lone message's MiniLM runs beside its USE, and its mpnet pass on two cores.
        self._spare = (
            ThreadPoolExecutor(self.workers - 1, thread_name_prefix="nlu-spare") if self.workers > 1 else None
        )
        # The same model parses the same text the same way: clients repeat their questions a lot.
        self.cache_size = cache_size
        self._cache: OrderedDict[str, ParseResult] = OrderedDict()
        self._pending: list[tuple[str, asyncio.Future[ParseResult]]] = []
        self._active = 0
        # Drain loops that are parsing a batch on a thread right now (the others are about to take one).
        self._busy = 0
        # Keep references: the loop holds tasks weakly, and a collected drain would strand its callers.
        self._drains: set[asyncio.Task[None]] = set()

    @classmethod
    def from_dir(cls, model_dir: Path | str, shared: SharedCache | None = None) -> EmbeddedBackend:
        """Load the model folder written by `nlu.train`."""
        return cls(EmbeddedModel.load(model_dir), shared=shared)

    def warm(self) -> None:
        """Load every encoder the model uses now (seconds of CPU; blocking, so call it from a thread).

        Encoders load on first use: without this, the first turns after a start paid for it under load, in
        every process of a cluster (a worker spent 40 % of its first half-minute of load loading USE).
        """
        self.model.featurizer.embed(["warm up"])
        if self._spare is not None:
            # The two-core sessions the lone parses use.
            self.model.featurizer.embed(["warm up"], self.model.featurizer.costly_encoders, cores=2)

    async def parse(self, text: str) -> ParseResult:
        """Parse one message (a text parsed recently is answered from the cache)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached.copy()
        result = await self._parse_batched(text)
        if not self.cache_size:
            return result
        self._cache[text] = result.copy()
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    async def _parse_batched(self, text: str) -> ParseResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ParseResult] = loop.create_future()
        self._pending.append((text, future))
        if self._active < self.workers:
            self._start_drain()
        return await future

    def _start_drain(self) -> None:
        self._active += 1
        task = asyncio.get_running_loop().create_task(self._drain())
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    async def _drain(self) -> None:
        """Parse pending messages batch after batch until none wait (one of up to `workers` such loops)."""
        try:
            while self._pending:
                # Share the waiting messages with the loops that are not parsing now: 16 messages in flight
                # are two batches of 8 on two cores, not one of 16 on one core while the other idles.
                free = max(1, self.workers - self._busy)
                size = min(self.max_batch, -(-len(self._pending) // free))
                batch, self._pending = self._pending[:size], self._pending[size:]
                if self._pending and self._active < self.workers:
                    self._start_drain()
                # Alone: no other batch is parsing and none waits, so the other cores are idle (for this process).
                spare = self._spare if self._busy == 0 and not self._pending else None
                self._busy += 1
                try:
                    results = await asyncio.get_running_loop().run_in_executor(
                        self._threads, self._parse_many, [text for text, _ in batch], spare
                    )
                except Exception as exc:  # the callers get the error, the backend keeps serving
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                finally:
                    self._busy -= 1
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
                # Let the callers just answered send their next messages, so they join the next batch.
                await asyncio.sleep(0)
        finally:
            # Counted down here, with no await after the last look at the queue: a message queued from now
            # on starts a drain of its own, so none waits for a loop that has already decided to stop.
            self._active -= 1

    def _parse_many(self, texts: list[str], spare: Executor | None = None) -> list[ParseResult]:
        """Parse on a thread: what the shared cache holds is read from it, the rest parsed and kept there."""
        if self.shared is None:
            return self.model.parse_many(texts, spare)
        keys = [self._key(text) for text in texts]
        results: list[ParseResult | None] = [
            _decode(raw, text) for raw, text in zip(self.shared.get_many(keys), texts, strict=True)
        ]
        todo = [i for i, result in enumerate(results) if result is None]
        if todo:
            fresh = self.model.parse_many([texts[i] for i in todo], spare)
            for i, result in zip(todo, fresh, strict=True):
                results[i] = result
            self.shared.put_many(
                {
                    keys[i]: json.dumps(result.to_dict()).encode()
                    for i, result in zip(todo, fresh, strict=True)
                }
            )
        return [result for result in results if result is not None]

    def _key(self, text: str) -> str:
        # The exact text: the entities' offsets point into it.
        return f"nlu:{self._version}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _decode(raw: bytes | None, text: str) -> ParseResult | None:
    """A kept parse of `text`, or None (nothing kept, or something that is not one: parse again)."""
    if raw is None:
        return None
    try:
        result = ParseResult.from_dict(json.loads(raw))
    except (ValueError, TypeError, AttributeError):
        return None
    return result if result.text == text else None
