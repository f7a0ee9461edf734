"""Which job categories the demo KB's articles are about (dialogue.kb_topics), so suggestions fit the job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogue.kb_topics import article_topics, fits
from kb_search.model import Article

DEMO_KB = Path(__file__).resolve().parents[3] / "helpdesk" / "demo" / "kb.jsonl"


def _demo() -> dict[str, Article]:
    rows = [json.loads(line) for line in DEMO_KB.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: Article(r["id"], r["title"], r["body"], tags=tuple(r.get("tags") or ())) for r in rows}


@pytest.mark.parametrize(
    ("article_id", "topics"),
    [
        ("ac-leak-ru", {"hvac"}),  # "течёт", "протечка", "капает вода" are symptoms, not plumbing
        ("ac-leak", {"hvac"}),
        ("printer-jam", {"printers"}),
        ("boiler-no-hot-water", {"heating"}),
        ("power-outage", {"electrical"}),
        ("vpn-errors", {"it"}),
        ("int-visit-checklist", set()),  # general: fits any job
        ("elevator-stuck", set()),
    ],
)
def test_the_topics_of_demo_articles(article_id: str, topics: set[str]) -> None:
    assert article_topics(_demo()[article_id]) == topics


def test_a_plumbing_job_fits_no_air_conditioner_article_but_general_ones() -> None:
    demo = _demo()
    assert not fits(demo["ac-leak-ru"], "plumbing") and fits(demo["ac-leak-ru"], "hvac")
    assert fits(demo["int-visit-checklist"], "plumbing")
    assert fits(demo["ac-leak-ru"], "other")  # a job of no known category is not filtered
    tagged = Article("x", "Протечка", "…", tags=("Сантехника",))
    assert article_topics(tagged) == {"plumbing"}  # the category's own name as a tag
    assert article_topics(Article("y", "Экран мерцает", "…")) == set()  # "кран" only at a word's start
