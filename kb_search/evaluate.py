"""Offline evaluation: build a fresh index from a KB file, run labelled queries, report quality and speed."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb_search.importer import read_path
from kb_search.model import KbError, Reader
from kb_search.service import KnowledgeBase


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    """A query and the ids of the articles that answer it (empty: nothing in the KB does)."""

    query: str
    relevant: frozenset[str]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine did with one labelled query."""

    query: LabelledQuery
    ranked: list[str]
    confidence: float
    confident: bool
    ms: float

    @property
    def top_right(self) -> bool:
        """True when the top hit is one of the relevant articles."""
        return bool(self.ranked) and self.ranked[0] in self.query.relevant


def read_queries(path: Path | str) -> list[LabelledQuery]:
    """Read `{"query": str, "relevant": [id, ...]}` lines; raise `KbError` naming every bad line."""
    out: list[LabelledQuery] = []
    errors: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise KbError(f"{path}: cannot read the queries file ({error.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            query, relevant = data["query"], data.get("relevant", [])
            if not isinstance(query, str) or not isinstance(relevant, list):
                raise TypeError
            out.append(LabelledQuery(query, frozenset(str(r) for r in relevant)))
        except (ValueError, KeyError, TypeError):
            errors.append(f'line {number}: expected {{"query": str, "relevant": [id, ...]}}')
    if errors:
        raise KbError(f"{path}: " + "; ".join(errors[:10]))
    return out


async def build_index(
    kb_path: Path | str, embedder: Any, threshold: float | None = None
) -> tuple[KnowledgeBase, float]:
    """A fresh in-memory KB holding only the articles of `kb_path`; returns it and the build seconds.

    The KB then places its own scores (`self_calibrate`, from pseudo-queries made of its articles), as a
    fresh deployment does; that takes no labelled query and is not counted in the build seconds.
    """
    articles = read_path(kb_path)
    kb = KnowledgeBase(embedder=embedder, threshold=threshold)
    started = time.perf_counter()
    await kb.index_articles(articles)
    index_s = time.perf_counter() - started
    await kb.self_calibrate()
    return kb, index_s


async def run_queries(kb: KnowledgeBase, queries: Sequence[LabelledQuery], k: int = 10) -> list[Outcome]:
    """Run every query as a public client; time each search end to end (embedding included)."""
    outcomes = []
    reader = Reader.public()
    for labelled in queries:
        started = time.perf_counter()
        result = await kb.search(labelled.query, reader, k=k)
        ms = (time.perf_counter() - started) * 1000
        outcomes.append(
            Outcome(labelled, [h.article_id for h in result.hits], result.confidence, result.confident, ms)
        )
    return outcomes


def metrics(outcomes: Sequence[Outcome], index_s: float) -> dict[str, Any]:
    """Quality and speed figures; retrieval figures count only queries that have a relevant article.

    answer_precision: right auto-answers / all auto-answers (an auto-answer to an unanswerable query is
    wrong). answer_coverage: right auto-answers / all queries.
    """
    answerable = [o for o in outcomes if o.query.relevant]
    n_ans = max(len(answerable), 1)
    top1 = sum(o.top_right for o in answerable) / n_ans
    recall5 = sum(bool(set(o.ranked[:5]) & o.query.relevant) for o in answerable) / n_ans
    mrr = 0.0
    for o in answerable:
        for rank, article_id in enumerate(o.ranked[:10], 1):
            if article_id in o.query.relevant:
                mrr += 1.0 / rank
                break
    answered = [o for o in outcomes if o.confident]
    right = sum(o.top_right for o in answered)
    times = np.array([o.ms for o in outcomes]) if outcomes else np.zeros(1)
    return {
        "n": len(outcomes),
        "top1": round(top1, 4),
        "recall_at_5": round(recall5, 4),
        "mrr_at_10": round(mrr / n_ans, 4),
        "answer_precision": round(right / len(answered), 4) if answered else 1.0,
        "answer_coverage": round(right / max(len(outcomes), 1), 4),
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "index_s": round(index_s, 3),
    }
