"""Pseudo-queries made from a KB's own articles, so a KB can place its scores without labelled questions.

From each article: its title, its headings, questions written in its text, its first sentence, and the
title with a word dropped (clients rarely type a title whole). Each pseudo-query is labelled with the
article it came from; the confidence model uses where their features sit as the KB's reference.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb_search.model import Article
from kb_search.text import plain, tokens

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
MAX_WORDS = 25


@dataclass(frozen=True, slots=True)
class PseudoQuery:
    """A question made from an article, and that article's id."""

    text: str
    article_id: str
    kind: str


def _short(text: str) -> str | None:
    words = text.split()
    if len(tokens(text)) < 1 or len(words) < 2:
        return None
    return " ".join(words[:MAX_WORDS])


def from_article(article: Article, rng: random.Random) -> list[PseudoQuery]:
    """The pseudo-queries of one article (at most one of each kind)."""
    out: list[PseudoQuery] = []
    title = _short(article.title)
    if title:
        out.append(PseudoQuery(title, article.id, "title"))
        words = article.title.split()
        if len(words) >= 3:
            dropped = list(words)
            del dropped[rng.randrange(len(dropped))]
            if len(dropped) > 3 and rng.random() < 0.3:
                rng.shuffle(dropped)
            out.append(PseudoQuery(" ".join(dropped), article.id, "title-dropped"))
    headings = [h for h in (_short(plain(m)) for m in _HEADING.findall(article.body)) if h]
    if headings:
        out.append(PseudoQuery(rng.choice(headings), article.id, "heading"))
    body = plain(_HEADING.sub(" ", article.body))
    sentences = [s for s in _SENTENCE.split(body) if s]
    questions = [q for q in (_short(s) for s in sentences if s.endswith("?")) if q]
    if questions:
        out.append(PseudoQuery(rng.choice(questions), article.id, "question"))
    first = next((q for q in (_short(s) for s in sentences[:3] if not s.endswith("?")) if q), None)
    if first:
        out.append(PseudoQuery(first, article.id, "first-sentence"))
    return out


def pseudo_queries(articles: Iterable[Article], limit: int = 400, seed: int = 7) -> list[PseudoQuery]:
    """Pseudo-queries of the published `articles`, at most `limit` (a fixed-seed sample, so repeatable)."""
    rng = random.Random(seed)
    found: list[PseudoQuery] = []
    for article in sorted((a for a in articles if a.published), key=lambda a: a.id):
        found.extend(from_article(article, rng))
    if len(found) > limit:
        found = rng.sample(found, limit)
    return found
