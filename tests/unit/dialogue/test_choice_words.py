"""Typed answers to button questions pick an option only when the words clearly name one."""

from __future__ import annotations

import pytest

from dialogue.choice_words import PRIORITY_WORDS, pick
from dialogue.texts import CATEGORIES, PRIORITIES, in_both_languages

PRIORITY_NAMES = {p: (*in_both_languages(PRIORITIES[p]), *PRIORITY_WORDS[p]) for p in PRIORITIES}
CATEGORY_NAMES = {c: in_both_languages(name) for c, name in CATEGORIES.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ну средне", "P3"),
        ("срочно", "P2"),
        ("не срочно", "P4"),  # a negation is not the word it negates
        ("Авария, всё стоит!", "P1"),
        ("not urgent", "P4"),
        ("urgent", "P2"),
        # Priority said as a level, as people say it (issue #18: "high, shipping is blocked" was not understood)
        ("high, shipping is blocked", "P2"),
        ("priority: high", "P2"),
        ("высокая", "P2"),
        ("срочная", "P2"),
        ("low priority", "P4"),
        ("низкая", "P4"),
        ("не знаю", None),
    ],
)
def test_priorities(text: str, expected: str | None) -> None:
    assert pick(text, PRIORITY_NAMES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("кондиционер", "hvac"), ("это электрика", "electrical"), ("printer", "printers"), ("что-то", None)],
)
def test_categories(text: str, expected: str | None) -> None:
    assert pick(text, CATEGORY_NAMES) == expected


def test_a_tie_is_not_a_guess() -> None:
    assert pick("ромашка", {"a": ["Ромашка на Невском"], "b": ["Ромашка на Петроградской"]}) is None
