"""The never-seen questions of `helpdesk bench dialogue --unique`."""

from __future__ import annotations

import json

import pytest

from benchmarks.dialogue import QUERIES
from benchmarks.question_pool import unique_questions


def _demo() -> list[str]:
    return [
        json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_every_question_is_new_and_keeps_its_language() -> None:
    demo = _demo()
    pool = unique_questions(demo, 3000)
    keys = [" ".join(t.split()).lower() for t in pool]
    assert len(set(keys)) == 3000
    assert not set(keys) & {" ".join(q.split()).lower() for q in demo}
    cyrillic = sum(any("а" <= c <= "я" for c in t.lower()) for t in pool)
    assert 0.3 * len(pool) < cyrillic < 0.95 * len(pool)  # both languages, as in the demo questions
    assert unique_questions(demo, 50) == unique_questions(demo, 50)  # the same run is repeatable


def test_asking_for_more_than_can_be_made_says_so() -> None:
    with pytest.raises(ValueError, match="ask for fewer"):
        unique_questions(["принтер не печатает"], 10_000)
