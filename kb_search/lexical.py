"""The lexical side of search: BM25 over article chunks, filtered by audience before ranking."""

from __future__ import annotations

import math
import threading

import numpy as np

from kb_search.audience_masks import AudienceMasks
from kb_search.bm25 import Bm25Index
from kb_search.respell import other_script
from kb_search.slang import expand
from kb_search.text import stem, tokens
from kb_search.top_articles import best_per_article
from kb_search.typos import TypoIndex, real_word, warm


class LexicalIndex:
    """Chunks of published articles in a BM25 index, with per-slot article and audience codes."""

    def __init__(self) -> None:
        self._typos = TypoIndex()
        self._bm25 = Bm25Index(typos=self._typos)
        self._slots: dict[str, list[int]] = {}
        self._free: list[int] = []
        self._used = 0
        self._article_code = np.zeros(1024, dtype=np.int64)
        self._audience_code = np.full(1024, -1, dtype=np.int64)
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        self._audiences: dict[str, int] = {}
        self._masks = AudienceMasks()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._slots)

    def _grow(self, need: int) -> None:
        size = len(self._article_code)
        if need <= size:
            return
        new = max(need, 2 * size)
        self._article_code = np.concatenate([self._article_code, np.zeros(new - size, dtype=np.int64)])
        self._audience_code = np.concatenate([self._audience_code, np.full(new - size, -1, dtype=np.int64)])

    def _remove_locked(self, article_id: str) -> None:
        self._masks.clear()
        for slot in self._slots.pop(article_id, []):
            self._bm25.remove(slot)
            self._audience_code[slot] = -1
            self._free.append(slot)

    def put(self, article_id: str, audience: str, passages: list[str], extra: str = "") -> None:
        """Index `passages` of one article (replacing its old ones); `extra` (e.g. tags) joins every chunk."""
        extra_terms = tokens(extra) if extra else []
        warm()
        with self._lock:
            self._remove_locked(article_id)
            code = self._codes.get(article_id)
            if code is None:
                code = self._codes[article_id] = len(self._names)
                self._names.append(article_id)
            audience_code = self._audiences.setdefault(audience, len(self._audiences))
            slots = []
            for passage in passages:
                slot = self._free.pop() if self._free else self._used
                if slot == self._used:
                    self._used += 1
                    self._grow(self._used)
                self._bm25.add(slot, tokens(passage) + extra_terms)
                self._article_code[slot] = code
                self._audience_code[slot] = audience_code
                slots.append(slot)
            self._slots[article_id] = slots

    def remove(self, article_id: str) -> None:
        """Drop every chunk of `article_id`."""
        with self._lock:
            self._remove_locked(article_id)

    def read(self, query_words: list[str]) -> list[str]:
        """The stems of the query's words (`text.words`) as the KB writes them, for a word no article uses.

        In this order, the first that gives a word the KB knows: slang for its standard words ("комп" ->
        компьютер, "спс" -> nothing; `kb_search/slang.tsv`), the other script ("шортс" -> shorts,
        `kb_search/respell.py`), the KB's own stem one typing slip away ("пирнтер" -> принтер,
        `kb_search/typos.py`; not a Russian word the dictionary knows). A word the KB knows, and one nothing
        matches, are kept as they are.
        """
        out: list[str] = []
        with self._lock:
            knows = self._bm25.knows
            for word in query_words:
                term = stem(word)
                if knows(term):
                    out.append(term)
                    continue
                standard = expand(term)
                if standard is not None and (not standard or any(knows(s) for s in standard)):
                    out.extend(s for s in standard if knows(s))
                elif (swapped := other_script(term)) and knows(swapped):
                    out.append(swapped)
                elif not real_word(word):
                    out.append(self._typos.correct(term, self._bm25.document_frequency) or term)
                else:
                    out.append(term)
        return out

    def search(
        self, query_terms: list[str], audiences: frozenset[str] | None, n: int
    ) -> tuple[list[tuple[str, float]], float]:
        """Top `n` (article id, best chunk BM25) among allowed audiences, and the query's best possible score.

        `query_terms` are read as the KB writes them first (`read`).

        The best possible score (every query term matched, with saturated frequency) lets the caller
        turn BM25 into a share of the query that matched, comparable across queries.
        """
        with self._lock:
            used = self._used
            if not used or not query_terms:
                return [], 0.0
            scores = self._bm25.scores(query_terms, used)
            allowed = self._masks.get(audiences, used, lambda: self._allowed(audiences, used))
            ceiling = self._ceiling(query_terms)
            slots = np.flatnonzero(allowed & (scores > 0))
            articles = self._article_code[slots]
            names = self._names
        if not len(slots):
            return [], ceiling
        values = scores[slots]
        best = best_per_article(values, articles, n)
        return [(names[int(articles[i])], float(values[i])) for i in best], ceiling

    def _allowed(self, audiences: frozenset[str] | None, used: int) -> np.ndarray:
        allowed: np.ndarray = self._audience_code[:used] >= 0
        if audiences is not None:
            codes = [self._audiences[a] for a in audiences if a in self._audiences]
            allowed &= np.isin(self._audience_code[:used], codes)
        return allowed

    def _ceiling(self, query_terms: list[str]) -> float:
        n_docs = max(self._bm25.size, 1)
        total = 0.0
        for term in query_terms:
            df = self._bm25.document_frequency(term)
            # An unknown term still counts: a query about something the KB never mentions is not covered.
            total += math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        return total * (self._bm25.k1 + 1.0)
