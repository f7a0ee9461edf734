"""A tiny keyword KB for dialogue tests: the real ranking lives in kb_search and is tested there."""

from __future__ import annotations

import re

from kb_search.model import Article, Hit, Reader, SearchResult

WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w[:5] for w in WORD.findall(text.lower()) if len(w) > 3}


class FakeKnowledgeBase:
    """Scores articles by shared word stems; confident when most query words match one article."""

    def __init__(self, articles: list[Article], confident_at: float = 0.6) -> None:
        self.articles = {a.id: a for a in articles}
        self.confident_at = confident_at
        self.queries: list[tuple[str, Reader]] = []

    async def search(self, query: str, reader: Reader, k: int = 5) -> SearchResult:
        self.queries.append((query, reader))
        q = _words(query)
        hits = []
        for a in self.articles.values():
            if not reader.may_read(a) or not q:
                continue
            overlap = len(q & _words(a.title + " " + a.body)) / len(q)
            if overlap > 0:
                hits.append(Hit(a.id, a.title, a.body[:80], overlap, a.lang))
        hits.sort(key=lambda h: -h.score)
        confident = bool(hits) and hits[0].score >= self.confident_at
        return SearchResult(hits[:k], confident, hits[0].score if hits else 0.0)

    async def get(self, article_id: str, reader: Reader) -> Article | None:
        article = self.articles.get(article_id)
        return article if article is not None and reader.may_read(article) else None
