"""The query-vector cache: repeated questions are embedded once, answers stay identical."""

from __future__ import annotations

from collections.abc import Sequence

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
