"""The best chunk of each of the top `n` articles, without sorting every chunk that matched.

BM25 gives a positive score to most chunks of a KB whose words are common (at 10,000 articles, thousands per
query); sorting them all, and then finding each article's first chunk among them, cost about 1.2 ms of the
1.7 ms a lexical search took (`bench kb --articles 10000`, load 16). Only the few best are needed.
"""

from __future__ import annotations

import numpy as np

WIDTH_PER_ARTICLE = 4
"""Chunks looked at first per article wanted: most articles are one chunk, so a few times n nearly always do."""


def best_per_article(values: np.ndarray, articles: np.ndarray, n: int) -> np.ndarray:
    """Positions of the best chunk of each of the `n` best articles, best first.

    `values[i]` is the score of chunk i and `articles[i]` its article. The result is exactly that of sorting
    every chunk by score (ties by position, a stable sort) and keeping each article's first chunk: only the
    chunks scoring at least the `width`-th best score are sorted (all of them tied with it included, so ties
    fall as in the full sort), and `width` grows until they hold `n` articles or every chunk.
    """
    total = len(values)
    if total == 0 or n <= 0:
        return np.zeros(0, dtype=np.int64)
    width = min(total, WIDTH_PER_ARTICLE * n)
    while True:
        if width < total:
            kth = np.partition(values, total - width)[total - width]
            candidates = np.flatnonzero(values >= kth)
        else:
            candidates = np.arange(total)
        order = candidates[np.argsort(-values[candidates], kind="stable")]
        _, first = np.unique(articles[order], return_index=True)
        best: np.ndarray = order[np.sort(first)][:n]
        if len(best) >= n or len(candidates) >= total:
            return best
        width = min(total, width * WIDTH_PER_ARTICLE)
