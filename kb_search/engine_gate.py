"""`EngineGate`: who may run the e5 engine when, so that client questions never queue behind each other.

Queries that wait at the same moment are embedded as one batch (a text asked twice, once) and go before the
next slice of passages. An engine that runs a forward pass without the GIL on its own thread (ONNX Runtime)
gets one lane per core, and there a lane takes one waiting request at a time (with those asking the same
texts): batching saves that engine no CPU, so questions that queued in a burst are shared by the lanes.
Measured at load 8 with `KB_E5_ENGINE=onnx` (docs/kb.md, *Cold questions*): a new question costs the same
CPU alone or in a batch (about 10 ms; the products are compute-bound), so one lane held every new question
of the process to one core, and `bench dialogue --unique` to 8-16 of the 60 messages a second offered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

PASSAGE_SLICE = 8
"""Passages per engine call: a query waits for at most one slice (well under a second)."""
QUERY_BATCH = 64
"""Queries embedded together at most."""
PASSAGE_YIELD_S = 2.0
"""A slice of passages waits at most this long for waiting queries to be served first."""


@dataclass
class _Request:
    texts: list[str]
    taken: bool = False
    done: bool = False
    result: np.ndarray | None = None
    error: BaseException | None = None


@dataclass
class EngineGate:
    """At most `lanes` engine calls at once; waiting queries batched together and served before passages.

    `run(texts, is_query)` embeds; it is called from up to `lanes` threads at once, so `lanes` > 1 only for
    an engine that is safe to call concurrently and releases the GIL while it computes.
    """

    run: Callable[[Sequence[str], bool], np.ndarray]
    lanes: int = 1
    _state: threading.Condition = field(default_factory=threading.Condition)
    _waiting: list[_Request] = field(default_factory=list)
    _busy: int = 0

    def __post_init__(self) -> None:
        self.lanes = max(1, int(self.lanes))

    def queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries, together with any others waiting for the engine at the same time."""
        request = _Request(texts)
        batch: list[_Request] = []
        with self._state:
            self._waiting.append(request)
            # Either a free lane takes this request (and whatever waits with it), or a lane that another
            # caller took serves it: then wait until that batch is done.
            while not request.taken:
                if self._busy < self.lanes:
                    batch = self._take(request)
                    self._busy += 1
                    break
                self._state.wait()
        if batch:
            try:
                self._serve(batch)
            finally:
                with self._state:
                    self._busy -= 1
                    self._state.notify_all()
        else:
            with self._state:
                self._state.wait_for(lambda: request.done)
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _take(self, first: _Request) -> list[_Request]:
        """`first` and the other waiting requests it serves, marked taken (called with the state held).

        With one lane, up to QUERY_BATCH - 1 others: one engine call for all. With several lanes (an engine
        that batching saves no CPU, ONNX Runtime), only those asking nothing but `first`'s texts: the rest
        stay for the next free lane, so a burst of new questions is worked off on every core, not queued
        behind one lane that took them all while the other went idle.
        """
        others = [r for r in self._waiting if r is not first]
        if self.lanes > 1:
            mine = set(first.texts)
            joined = [r for r in others if mine.issuperset(r.texts)]
            batch = [first, *joined]
            self._waiting = [r for r in others if not mine.issuperset(r.texts)]
        else:
            batch = [first, *others[: QUERY_BATCH - 1]]
            self._waiting = others[QUERY_BATCH - 1 :]
        for r in batch:
            r.taken = True
        return batch

    def _serve(self, batch: list[_Request]) -> None:
        try:
            # The same text asked twice at once (the NLU and the KB search of one message) is embedded once.
            distinct = list(dict.fromkeys(t for r in batch for t in r.texts))
            vectors = self.run(distinct, True)
            row = {t: i for i, t in enumerate(distinct)}
            for r in batch:
                r.result = vectors[[row[t] for t in r.texts]]
        except BaseException as error:  # every waiter gets the error, not a hang
            for r in batch:
                r.error = error
            raise
        finally:
            with self._state:
                for r in batch:
                    r.done = True
                self._state.notify_all()

    def passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages slice by slice (similar lengths together); waiting queries go first."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = []
        for start in range(0, len(order), PASSAGE_SLICE):
            with self._state:
                self._state.wait_for(lambda: not self._waiting, timeout=PASSAGE_YIELD_S)
                self._state.wait_for(lambda: self._busy < self.lanes)
                self._busy += 1
            try:
                out.append(self.run([texts[i] for i in order[start : start + PASSAGE_SLICE]], False))
            finally:
                with self._state:
                    self._busy -= 1
                    self._state.notify_all()
        vectors = np.vstack(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result
