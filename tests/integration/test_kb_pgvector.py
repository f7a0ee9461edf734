"""The pgvector index backend gives the same results as the in-process one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kb_search.importer import read_path
from kb_search.model import KbError, Reader
from kb_search.service import KnowledgeBase
from storage.db import make_engine
from storage.kb_repository import PgVectorIndex
from storage.kb_tables import kb_vectors
from tests.unit.kb_search.fakes import HashEmbedder

DEMO = Path(__file__).resolve().parents[2] / "helpdesk" / "demo"
READERS = [Reader.public(), Reader.client("acme"), Reader.client("romashka"), Reader.staff()]

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url)
    async with engine.begin() as conn:
        await conn.execute(delete(kb_vectors))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(delete(kb_vectors))
    await engine.dispose()


async def test_pgvector_and_memory_rank_alike_for_every_reader(pg_engine: AsyncEngine) -> None:
    articles = read_path(DEMO / "kb.jsonl")
    queries = [
        json.loads(line)["query"] for line in (DEMO / "kb_queries.jsonl").read_text("utf-8").splitlines()
    ]
    memory = KnowledgeBase(embedder=HashEmbedder(), threshold=0.8)
    pg = KnowledgeBase(embedder=HashEmbedder(), vector_index=PgVectorIndex(pg_engine), threshold=0.8)
    await memory.index_articles(articles)
    await pg.index_articles(articles)
    compared = 0
    for i, query in enumerate(queries):
        reader = READERS[i % len(READERS)]
        a, b = await memory.search(query, reader), await pg.search(query, reader)
        assert [h.article_id for h in a.hits] == [h.article_id for h in b.hits], query
        assert np.allclose([h.score for h in a.hits], [h.score for h in b.hits], atol=1e-3), query
        assert a.confident == b.confident
        compared += len(a.hits)
    assert compared > len(queries)  # the comparison was not vacuous


async def test_pgvector_filters_audience_in_sql_and_follows_edits(pg_engine: AsyncEngine) -> None:
    index = PgVectorIndex(pg_engine)
    kb = KnowledgeBase(embedder=HashEmbedder(), vector_index=index, threshold=0.8)
    articles = {a.id: a for a in read_path(DEMO / "kb.jsonl")}
    await kb.index_articles(articles.values())
    vector = HashEmbedder().embed_queries(["ACME warehouse pass склад пропуск"])[0]
    public = {a for a, _ in await index.search(vector, frozenset({"public"}), 50)}
    assert public and all(articles[a].audience == "public" for a in public)
    acme = {a for a, _ in await index.search(vector, frozenset({"public", "client:acme"}), 50)}
    assert "acme-warehouse-pass" in acme and "int-visit-checklist" not in acme
    assert await index.has("acme-warehouse-pass", articles["acme-warehouse-pass"].version)
    await kb.remove("acme-warehouse-pass")
    async with pg_engine.connect() as conn:
        left = (
            await conn.execute(
                select(kb_vectors.c.chunk).where(kb_vectors.c.article_id == "acme-warehouse-pass")
            )
        ).all()
    assert left == []


async def test_pgvector_refuses_sqlite() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        with pytest.raises(KbError, match="PostgreSQL"):
            PgVectorIndex(engine)
    finally:
        await engine.dispose()
