"""`helpdesk bench kb` says where a search's CPU goes: the query's embedding and the rest."""

from __future__ import annotations

import numpy as np

from benchmarks.kb import TimedQueries, run_bench


class _Slow:
    """A query embedder that burns a known amount of CPU per call."""

    name = "slow"
    dim = 8

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        total = 0
        for i in range(200_000):
            total += i
        return np.ones((len(texts), self.dim), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_the_embedding_cpu_is_counted_apart() -> None:
    timed = TimedQueries(_Slow())
    timed.embed_queries(["a", "b"])
    timed.embed_queries(["c"])
    assert timed.calls == 2
    assert timed.cpu_s > 0
    assert not timed.has("a")  # no query cache inside: every search embeds


async def test_the_output_splits_the_cpu_and_gives_the_load_and_p99() -> None:
    result = await run_bench(30, 12, "none")
    assert result["embed_cpu_ms_per_query"] == 0.0  # BM25 only: nothing embedded
    assert result["search_cpu_ms_per_query_without_embedding"] == result["cpu_ms_per_query"]
    assert result["p99_ms"] >= result["p95_ms"] >= result["p50_ms"]
    assert len(result["load_before"]) == 3 and len(result["load"]) == 3
    assert result["engine"] is None
