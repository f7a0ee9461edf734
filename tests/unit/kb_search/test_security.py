"""Property tests: no query, audience or crafted input ever shows a client what is not theirs."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_search.fusion import FusionParams
from kb_search.model import Article, ArticleStatus, Reader
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder

CLIENTS = ["acme", "romashka", "nordlog"]
AUDIENCES = ["public", "internal", *[f"client:{c}" for c in CLIENTS]]
WORDS = [
    "printer",
    "vpn",
    "internal",
    "client",
    "acme",
    "пропуск",
    "котёл",
    "wifi",
    "public",
    "secret",
    "склад",
]
CRAFTED = [
    "internal",
    "client:acme",
    "audience=internal",
    "' OR 1=1 --",
    "acme; DROP TABLE kb_articles",
    "\x00\u202e\ufeff",
    "client:romashka internal public",
    "%s %d {0}",
    "*",
    "эскалация internal client:nordlog",
]

article_strategy = st.builds(
    lambda i, audience, words, status: Article(
        f"a{i}",
        " ".join(words[:3]) or "title",
        " ".join(words) or "body",
        audience=audience,
        status=status,
        lang="en",
    ),
    st.integers(0, 10_000),
    st.sampled_from(AUDIENCES),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
    st.sampled_from([ArticleStatus.PUBLISHED, ArticleStatus.PUBLISHED, ArticleStatus.DRAFT]),
)
query_strategy = st.one_of(
    st.sampled_from(CRAFTED),
    st.lists(st.sampled_from(WORDS + CRAFTED), min_size=1, max_size=6).map(" ".join),
    st.text(max_size=80),
)
reader_strategy = st.one_of(
    st.just(Reader.public()),
    st.sampled_from(CLIENTS).map(Reader.client),
    st.text(max_size=20).map(Reader.client),
)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.lists(article_strategy, min_size=1, max_size=25, unique_by=lambda a: a.id),
    query=query_strategy,
    reader=reader_strategy,
    hybrid=st.booleans(),
    k=st.integers(-5, 100),
)
def test_a_client_never_gets_internal_or_another_clients_article(
    articles: list[Article], query: str, reader: Reader, hybrid: bool, k: int
) -> None:
    async def scenario() -> None:
        kb = KnowledgeBase(embedder=HashEmbedder() if hybrid else None, params=FusionParams(cos_floor=0.0))
        await kb.index_articles(articles)
        by_id = {a.id: a for a in articles}
        result = await kb.search(query, reader, k=k)
        for hit in result.hits:
            article = by_id[hit.article_id]
            assert article.status is ArticleStatus.PUBLISHED
            assert article.audience == "public" or (
                reader.client_id is not None and article.audience == f"client:{reader.client_id}"
            )
        for article in articles:
            got = await kb.get(article.id, reader)
            if got is not None:
                assert reader.may_read(article) and article.audience != "internal"

    run(scenario())


@settings(max_examples=60, deadline=None)
@given(
    articles=st.lists(article_strategy, min_size=1, max_size=15, unique_by=lambda a: a.id),
    moves=st.lists(st.tuples(st.integers(0, 14), st.sampled_from(AUDIENCES)), max_size=10),
    query=query_strategy,
    client=st.sampled_from(CLIENTS),
)
def test_after_any_sequence_of_audience_changes_the_filter_still_holds(
    articles: list[Article], moves: list[tuple[int, str]], query: str, client: str
) -> None:
    async def scenario() -> None:
        kb = KnowledgeBase(embedder=HashEmbedder(), params=FusionParams(cos_floor=0.0))
        await kb.index_articles(articles)
        current = {a.id: a for a in articles}
        for index, audience in moves:
            old = articles[index % len(articles)]
            new = Article(
                old.id, old.title, old.body, audience=audience, status=old.status, version=old.version + 1
            )
            current[old.id] = new
            await kb.upsert(new)
        reader = Reader.client(client)
        for hit in (await kb.search(query or "printer", reader, k=50)).hits:
            assert current[hit.article_id].audience in ("public", f"client:{client}")

    run(scenario())
