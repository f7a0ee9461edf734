"""An incremental in-memory BM25 index over numbered slots (one slot per article chunk)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from kb_search.typos import TypoIndex


class Bm25Index:
    """BM25 (Okapi) with add/remove by slot; postings compile to numpy arrays lazily per term."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, typos: TypoIndex | None = None) -> None:
        self.k1 = k1
        self.typos = typos
        """Told of every term as it enters and leaves the vocabulary (typo-tolerant query words)."""
        self.b = b
        self._postings: dict[str, dict[int, int]] = {}
        self._compiled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._weights: dict[str, tuple[tuple[int, int], np.ndarray]] = {}
        """Per term, its slots' BM25 weights (idf and length norm applied), for the index size they were made at."""
        self._doc_terms: dict[int, list[str]] = {}
        self._lengths = np.zeros(1024, dtype=np.float32)
        self._total_len = 0

    @property
    def size(self) -> int:
        """Number of live slots."""
        return len(self._doc_terms)

    def add(self, slot: int, terms: list[str]) -> None:
        """Index `terms` under `slot` (replacing what the slot had)."""
        if slot in self._doc_terms:
            self.remove(slot)
        if slot >= len(self._lengths):
            grown = np.zeros(max(slot + 1, 2 * len(self._lengths)), dtype=np.float32)
            grown[: len(self._lengths)] = self._lengths
            self._lengths = grown
        counts = Counter(terms)
        for term, tf in counts.items():
            posting = self._postings.get(term)
            if posting is None:
                posting = self._postings[term] = {}
                if self.typos is not None:
                    self.typos.add(term)
            posting[slot] = tf
            self._compiled.pop(term, None)
            self._weights.pop(term, None)
        self._doc_terms[slot] = list(counts)
        self._lengths[slot] = len(terms)
        self._total_len += len(terms)

    def remove(self, slot: int) -> None:
        """Forget `slot`."""
        terms = self._doc_terms.pop(slot, None)
        if terms is None:
            return
        for term in terms:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(slot, None)
                if not posting:
                    del self._postings[term]
                    if self.typos is not None:
                        self.typos.remove(term)
            self._compiled.pop(term, None)
            self._weights.pop(term, None)
        self._total_len -= int(self._lengths[slot])
        self._lengths[slot] = 0

    def knows(self, term: str) -> bool:
        """Whether any slot contains `term`."""
        return term in self._postings

    def document_frequency(self, term: str) -> int:
        """How many slots contain `term`."""
        return len(self._postings.get(term, ()))

    def _compiled_posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        hit = self._compiled.get(term)
        if hit is None:
            posting = self._postings.get(term)
            if not posting:
                return None
            hit = (
                np.fromiter(posting.keys(), dtype=np.int64, count=len(posting)),
                np.fromiter(posting.values(), dtype=np.float32, count=len(posting)),
            )
            self._compiled[term] = hit
        return hit

    def scores(self, terms: list[str], n_slots: int) -> np.ndarray:
        """BM25 score of every slot below `n_slots` for the query `terms` (0 where nothing matches)."""
        out = np.zeros(n_slots, dtype=np.float32)
        n_docs = len(self._doc_terms)
        if not n_docs or not terms:
            return out
        for term, qtf in Counter(terms).items():
            posting = self._compiled_posting(term)
            if posting is None:
                continue
            slots, tfs = posting
            contrib = self._term_weights(term, slots, tfs, n_docs)
            inside = slots < n_slots
            out[slots[inside]] += qtf * contrib[inside]
        return out

    def _term_weights(self, term: str, slots: np.ndarray, tfs: np.ndarray, n_docs: int) -> np.ndarray:
        """idf * tf * (k1 + 1) / (tf + k1 * length norm) of each slot of `term`'s posting.

        They change only with the index (its size and mean length: any add or remove), so they are kept per
        term until then: at 10,000 articles with common words that saved about half of the scoring's time.
        """
        size = (n_docs, self._total_len)
        kept = self._weights.get(term)
        if kept is not None and kept[0] == size:
            return kept[1]
        avgdl = max(self._total_len / n_docs, 1.0)
        df = len(slots)
        idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        dl = self._lengths[slots]
        norm = tfs + self.k1 * (1.0 - self.b + self.b * dl / avgdl)
        contrib: np.ndarray = idf * tfs * (self.k1 + 1.0) / norm
        self._weights[term] = (size, contrib)
        return contrib
