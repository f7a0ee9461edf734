"""A running KB makes new articles searchable by words at once and fills their vectors in behind."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np

from kb_search.backlog import read_status
from kb_search.model import Article, ArticleStatus, Reader
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder, MemorySource


class GatedEmbedder(HashEmbedder):
    """Embeds passages only once `release` is set, so a test can look at the KB while vectors are due."""

    name = "gated"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        assert self.release.wait(10), "the test never released the embedder"
        self.passages += len(texts)
        return super().embed_passages(texts)


def _article(i: int) -> Article:
    return Article(f"a{i}", f"Заголовок {i} слово{i}", f"Текст статьи номер {i} про котёл{i}", lang="ru")


async def _until(condition: object) -> None:
    deadline = asyncio.get_running_loop().time() + 5.0
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_new_articles_are_found_by_words_before_their_vectors_exist(tmp_path: object) -> None:
    source = MemorySource()
    embedder = GatedEmbedder()
    kb = KnowledgeBase(embedder=embedder, threshold=0.5, cache_dir=str(tmp_path))
    await kb.load(source, refresh_every=0.05)
    try:
        for i in range(5):
            await source.articles.upsert(_article(i), "admin")
        await _until(lambda: len(kb) == 5)
        hits = (await kb.search("котёл3", Reader.public())).hits
        assert hits and hits[0].article_id == "a3"
        progress = kb.index_progress()
        assert (progress.articles, progress.embedded, progress.pending) == (5, 0, 5)
        assert embedder.passages == 0
        # `kb status` and the admin read the progress file: it says what waits before the first batch is in
        # (a 1,000-article import's first batch took minutes at load 17, and the file was not there).
        await _until(lambda: read_status(tmp_path / "kb-progress.json") is not None)  # type: ignore[operator]
        early = read_status(tmp_path / "kb-progress.json")  # type: ignore[operator]
        assert early is not None and (early.articles, early.embedded, early.pending) == (5, 0, 5)

        embedder.release.set()
        await _until(lambda: kb.index_progress().pending == 0)
        progress = kb.index_progress()
        assert (progress.articles, progress.embedded, progress.embedder) == (5, 5, "gated")
        assert progress.rate_per_s is not None and progress.rate_per_s > 0
        assert all([await kb.vectors.has(f"a{i}", 1) for i in range(5)])
        written = read_status(tmp_path / "kb-progress.json")  # type: ignore[operator]
        assert written is not None and (written.articles, written.pending) == (5, 0)
    finally:
        embedder.release.set()
        await kb.close()


async def test_an_article_unpublished_while_waiting_gets_no_vectors() -> None:
    source = MemorySource()
    embedder = GatedEmbedder()
    kb = KnowledgeBase(embedder=embedder, threshold=0.5)
    await kb.load(source, refresh_every=0.05)
    try:
        await source.articles.upsert(_article(1), "admin")
        await source.articles.upsert(_article(2), "admin")
        await _until(lambda: len(kb) == 2)
        await source.articles.set_status("a2", ArticleStatus.DRAFT, "admin")
        await _until(lambda: len(kb) == 1)
        embedder.release.set()
        await _until(lambda: kb.index_progress().pending == 0)
        assert await kb.vectors.has("a1", 1)
        assert not await kb.vectors.has("a2", 1) and not await kb.vectors.has("a2", 2)
        assert (await kb.search("котёл2", Reader.public())).hits == []
    finally:
        embedder.release.set()
        await kb.close()


async def test_indexing_outside_a_running_kb_still_waits_for_the_vectors() -> None:
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.5)
    await kb.index_articles([_article(1)])
    assert await kb.vectors.has("a1", 0)
    assert kb.index_progress().pending == 0


async def test_a_serving_kb_loads_its_first_articles_by_words_and_embeds_them_behind(
    tmp_path: object,
) -> None:
    # #18: `helpdesk run` on a fresh clone embedded every demo article (and 400 pseudo-queries) before it
    # listened. Now the load returns with the articles searchable by words; vectors, then calibration, follow.
    source = MemorySource()
    for i in range(5):
        await source.articles.upsert(_article(i), "admin")
    embedder = GatedEmbedder()
    kb = KnowledgeBase(embedder=embedder, threshold=0.5, cache_dir=str(tmp_path))
    calibrated: list[int] = []  # how many articles had their vectors when the KB placed its scores
    plain_calibration = kb.self_calibrate

    async def calibrate(limit: int = 400) -> object:
        calibrated.append(kb.index_progress().embedded)
        return await plain_calibration(limit)

    kb.self_calibrate = calibrate  # type: ignore[method-assign]
    try:
        assert await asyncio.wait_for(kb.load(source, refresh_every=0.05, embed_behind=True), 3.0) == 5
        hits = (await kb.search("котёл3", Reader.public())).hits
        assert hits and hits[0].article_id == "a3"
        assert (kb.index_progress().pending, embedder.passages, calibrated) == (5, 0, [])

        embedder.release.set()
        await _until(lambda: kb.index_progress().pending == 0 and calibrated)
        assert calibrated == [5]
        assert all([await kb.vectors.has(f"a{i}", 1) for i in range(5)])
    finally:
        embedder.release.set()
        await kb.close()
