"""Typed answers to a question that offers buttons: "на петроградской" picks the site, "ну средне" the priority.

Words are compared by their dictionary form (pymorphy3 for Russian: "петроградской" -> "петроградский";
English words lowercased, a plural "s" dropped), so the answer need not repeat a button's text. Each option
scores the number of the answer's words it knows; only a single best option is taken, never a guess between
two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from dialogue.russian import morph

_WORD = re.compile(r"[a-zа-яё0-9]+", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_STOP = frozenset(
    {"на", "в", "во", "у", "по", "и", "а", "ну", "это", "the", "a", "an", "at", "in", "on", "of", "is"}
)

PRIORITY_WORDS: dict[str, tuple[str, ...]] = {
    "P1": ("авария", "критично", "критический", "всё стоит", "горит", "critical", "emergency", "down"),
    "P2": (
        "срочно",
        "срочный",
        "высокий",
        "сегодня",
        "быстро",
        "побыстрее",
        "urgent",
        "high",
        "today",
        "asap",
        "quickly",
    ),
    "P3": ("обычно", "обычный", "средне", "средний", "нормально", "normal", "medium", "usual", "regular"),
    "P4": (
        "не срочно",
        "несрочно",
        "низкий",
        "подождать",
        "терпит",
        "low",
        "later",
        "not urgent",
        "whenever",
    ),
}
"""What people type for each priority, beside the buttons' own names."""


@cache
def lemma(word: str) -> str:
    """The dictionary form of one word (Russian by pymorphy3; English lowercased, plural "s" dropped)."""
    lowered = word.lower().replace("ё", "е")
    if _CYRILLIC.search(lowered):
        return str(morph().parse(lowered)[0].normal_form).replace("ё", "е")
    if len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith("ss"):
        return lowered[:-1]
    return lowered


def lemmas(text: str) -> set[str]:
    """The dictionary forms of a text's words, without the little words that say nothing; a negation is
    kept with its word ("не срочно" is one word here, so it never counts as "срочно")."""
    words = _WORD.findall(text)
    out: set[str] = set()
    negate = False
    for word in words:
        lowered = word.lower()
        if lowered in ("не", "not", "no"):
            negate = True
            continue
        if lowered in _STOP:
            continue
        out.add(f"не_{lemma(word)}" if negate else lemma(word))
        negate = False
    return out


def pick(text: str, options: Mapping[str, Iterable[str]]) -> str | None:
    """The one option whose names share the most words with `text`; None when none or a tie."""
    said = lemmas(text)
    if not said:
        return None
    scores: dict[str, int] = {}
    for key, names in options.items():
        known: set[str] = set()
        for name in names:
            known |= lemmas(name)
        scores[key] = len(said & known)
    best = max(scores.values(), default=0)
    winners = [key for key, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None
