"""A query word the KB never uses, read as the KB's own word one typing slip away: "пирнтер" -> принтер.

Clients type fast: a swapped, dropped, doubled or neighbouring letter makes a stem no article has, so BM25
finds nothing for that word. `TypoIndex` keeps the KB's own stems in a symmetric-delete index (each stem
and every form of it with one letter dropped, as SymSpell does), updated as terms enter and leave BM25, so
a lookup costs a few dictionary reads at any KB size. A candidate is kept only at Damerau (optimal string
alignment) distance 1 (`rapidfuzz`), and the one most articles use wins. Only stems of `MIN_LENGTH` letters
or more are corrected: shorter ones have too many neighbours to guess from, and a Russian word that the
dictionary knows (pymorphy3, OpenCorpora) is never "corrected": a small KB does not use most real words,
and "зашел" read as "нашел" or "кинуть" as "минут" cost more right answers than typos gave.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pymorphy3
from rapidfuzz.distance import OSA

from kb_search.text import RU_STEM_CHARS

MIN_LENGTH = 4
"""Shortest Cyrillic stem corrected (`helpdesk bench kb-ranking`, tuned on xquad-ru-noisy; docs/kb.md)."""
MIN_LENGTH_LATIN = 5
"""Shortest Latin stem corrected: no English dictionary guards it, and four-letter words are one slip
from many others ("list" and "most" are both one from "lost")."""


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def warm() -> None:
    """Load the dictionary now (about 0.4 s once per process): indexing calls it, so the first client
    question with an unknown word does not pay it on the event loop, under the index's lock."""
    _morph()


def real_word(word: str) -> bool:
    """A Russian word the dictionary knows (any form); False for other scripts and for typos."""
    return "а" <= word[:1] <= "я" and bool(_morph().word_is_known(word))


def _cyrillic(term: str) -> bool:
    return "а" <= term[:1] <= "я"


def _cut(term: str) -> bool:
    return len(term) == RU_STEM_CHARS and _cyrillic(term)


def close(term: str, known: str) -> bool:
    """One slip apart. A Russian stem is cut at `RU_STEM_CHARS` letters, so a letter typed or lost before
    the cut moves the last one in or out ("приинтер" -> "приинт", "принтер" -> "принте"): there the last
    letter of a cut stem may be left out."""
    if OSA.distance(term, known, score_cutoff=1) <= 1:
        return True
    if _cut(term) and OSA.distance(term[:-1], known, score_cutoff=1) <= 1:
        return True
    return _cut(known) and OSA.distance(term, known[:-1], score_cutoff=1) <= 1


def _keys(term: str) -> set[str]:
    return {term} | {term[:i] + term[i + 1 :] for i in range(len(term))}


class TypoIndex:
    """The KB's stems by every one-letter deletion of them; `correct` finds a known stem one slip away."""

    def __init__(self, min_length: int = MIN_LENGTH) -> None:
        self.min_length = min_length
        self._by_key: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def add(self, term: str) -> None:
        """A stem that entered the KB's vocabulary."""
        if len(term) < self.min_length - 1:
            return
        for key in _keys(term):
            self._by_key.setdefault(key, set()).add(term)

    def remove(self, term: str) -> None:
        """A stem that no article uses any more."""
        if len(term) < self.min_length - 1:
            return
        for key in _keys(term):
            bucket = self._by_key.get(key)
            if bucket is not None:
                bucket.discard(term)
                if not bucket:
                    del self._by_key[key]

    def correct(self, term: str, frequency: Callable[[str], int]) -> str | None:
        """The known stem one slip from `term` that most articles use; None when there is none."""
        if not term.isalpha() or len(term) < (self.min_length if _cyrillic(term) else MIN_LENGTH_LATIN):
            return None
        best: tuple[int, str] | None = None
        for key in _keys(term):
            for candidate in self._by_key.get(key, ()):
                if candidate == term or not close(term, candidate):
                    continue
                ranked = (frequency(candidate), candidate)
                if best is None or ranked > best:
                    best = ranked
        return best[1] if best is not None else None
