"""The incremental BM25 index."""

from __future__ import annotations

import numpy as np

from kb_search.bm25 import Bm25Index
from kb_search.text import tokens


def build(*docs: str) -> Bm25Index:
    index = Bm25Index()
    for slot, doc in enumerate(docs):
        index.add(slot, tokens(doc))
    return index


def test_the_document_with_the_rare_query_word_wins() -> None:
    index = build("printer paper jam", "printer toner", "wifi router")
    scores = index.scores(tokens("paper jam"), 3)
    assert int(np.argmax(scores)) == 0
    assert scores[2] == 0


def test_remove_forgets_and_re_add_replaces() -> None:
    index = build("printer paper jam", "wifi router")
    index.remove(0)
    assert index.scores(tokens("paper"), 2).tolist() == [0.0, 0.0]
    index.add(1, tokens("paper"))
    assert index.scores(tokens("router"), 2).tolist() == [0.0, 0.0]
    assert index.scores(tokens("paper"), 2)[1] > 0
    assert index.size == 1


def test_scores_match_the_okapi_formula() -> None:
    index = build("a1 b1", "b1 c1 c1")
    k1, b = index.k1, index.b
    n, df, avgdl = 2, 1, 2.5
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 3 / avgdl))
    assert np.isclose(index.scores(["c1"], 2)[1], expected)
