"""Pseudo-queries made from a KB's own articles."""

from __future__ import annotations

from kb_search.model import Article, ArticleStatus
from kb_search.pseudo import pseudo_queries

BODY = "## Clearing a jam\nOpen the front tray and pull the sheet out. Why does the paper jam again? Use dry paper."


def test_titles_headings_questions_and_first_sentences_become_queries() -> None:
    found = pseudo_queries([Article("printer", "Printer jams the paper", BODY, lang="en")])
    by_kind = {q.kind: q.text for q in found}
    assert by_kind["title"] == "Printer jams the paper"
    assert by_kind["heading"] == "Clearing a jam"
    assert by_kind["question"] == "Why does the paper jam again?"
    assert by_kind["first-sentence"].startswith("Open the front tray")
    assert len(by_kind["title-dropped"].split()) == 3
    assert {q.article_id for q in found} == {"printer"}


def test_drafts_are_skipped_and_the_sample_is_bounded_and_repeatable() -> None:
    articles = [
        Article(f"a{i}", f"Topic number {i} here", f"Body of topic {i}. More text.") for i in range(50)
    ]
    articles.append(Article("d", "Draft title words", "Draft body.", status=ArticleStatus.DRAFT))
    first = pseudo_queries(articles, limit=40)
    assert len(first) == 40 and first == pseudo_queries(articles, limit=40)
    assert all(q.article_id != "d" for q in pseudo_queries(articles, limit=1000))


def test_one_word_titles_make_no_query() -> None:
    assert pseudo_queries([Article("x", "VPN", "Short.")]) == []
