"""Searching at 10,000 articles without sorting every matching chunk: the same results, kept masks and weights
that follow every change to the index."""

from __future__ import annotations

import numpy as np
import pytest

from kb_search.bm25 import Bm25Index
from kb_search.lexical import LexicalIndex
from kb_search.ports import VectorRow
from kb_search.text import tokens
from kb_search.top_articles import best_per_article
from kb_search.vectors import MemoryVectorIndex


def full_sort(values: np.ndarray, articles: np.ndarray, n: int) -> np.ndarray:
    """What search did before: sort every chunk (stable), keep each article's first chunk."""
    order = np.argsort(-values, kind="stable")
    _, first = np.unique(articles[order], return_index=True)
    result: np.ndarray = order[np.sort(first)][:n]
    return result


@pytest.mark.parametrize("seed", range(40))
def test_the_same_chunks_as_sorting_everything_ties_included(seed: int) -> None:
    rng = np.random.default_rng(seed)
    total = int(rng.integers(1, 3000))
    # Few distinct scores (BM25 of common words ties often) and articles of one to many chunks.
    values = rng.integers(0, int(rng.integers(1, 30)), total).astype(np.float32) / 7
    articles = rng.integers(0, int(rng.integers(1, total + 1)), total)
    for n in (1, 5, 50, total + 3):
        assert best_per_article(values, articles, n).tolist() == full_sort(values, articles, n).tolist()


def test_one_article_with_many_top_chunks_widens_until_n_articles() -> None:
    values = np.array([9.0] * 100 + [1.0, 2.0, 3.0], dtype=np.float32)
    articles = np.array([0] * 100 + [1, 2, 3])
    assert best_per_article(values, articles, 3).tolist() == [0, 102, 101]
    assert best_per_article(values[:0], articles[:0], 3).tolist() == []


def test_bm25_weights_follow_changes_to_the_index() -> None:
    index = Bm25Index()
    index.add(0, tokens("printer paper jam"))
    index.add(1, tokens("printer toner"))
    before = index.scores(tokens("printer"), 3).copy()
    index.add(2, tokens("wifi router wifi router wifi router"))  # more documents, longer mean length
    fresh = Bm25Index()
    for slot, doc in enumerate(["printer paper jam", "printer toner", "wifi router wifi router wifi router"]):
        fresh.add(slot, tokens(doc))
    assert index.scores(tokens("printer"), 3).tolist() == fresh.scores(tokens("printer"), 3).tolist()
    assert index.scores(tokens("printer"), 3).tolist() != before.tolist()
    index.remove(2)
    assert index.scores(tokens("printer"), 3).tolist() == before.tolist()


def test_a_lexical_audience_change_is_seen_by_the_next_search() -> None:
    index = LexicalIndex()
    index.put("a1", "public", ["Printer paper jam"])
    index.put("a2", "public", ["Printer toner"])
    public = frozenset({"public"})
    assert sorted(a for a, _ in index.search(tokens("printer"), public, 5)[0]) == ["a1", "a2"]
    index.put("a1", "internal", ["Printer paper jam"])  # the same slot count, another audience
    assert [a for a, _ in index.search(tokens("printer"), public, 5)[0]] == ["a2"]
    index.remove("a2")
    assert index.search(tokens("printer"), public, 5)[0] == []


def test_a_vector_audience_change_is_seen_by_the_next_search() -> None:
    index = MemoryVectorIndex()
    unit = np.eye(4, dtype=np.float32)
    index.put_sync("a1", [VectorRow("a1", 0, "public", 1, unit[0])])
    index.put_sync("a2", [VectorRow("a2", 0, "public", 1, unit[1])])
    public = frozenset({"public"})
    assert [a for a, _ in index.search_sync(unit[0], public, 5)] == ["a1", "a2"]
    index.put_sync("a1", [VectorRow("a1", 0, "internal", 2, unit[0])])
    assert [a for a, _ in index.search_sync(unit[0], public, 5)] == ["a2"]
    assert [a for a, _ in index.search_sync(unit[0], None, 5)] == ["a1", "a2"]
    index.put_sync("a2", [VectorRow("a2", 0, "client:acme", 2, unit[1])])
    assert index.search_sync(unit[0], public, 5) == []
