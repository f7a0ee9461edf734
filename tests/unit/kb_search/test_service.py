"""KnowledgeBase: hybrid search, audience filter, confidence, keeping current, gaps."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from kb_search.fusion import FusionParams
from kb_search.model import Article, ArticleStatus, KbError, Reader
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder, MemorySource

ARTICLES = [
    Article(
        "printer-jam", "Принтер замял бумагу", "Откройте крышку и вытяните лист по ходу бумаги.", lang="ru"
    ),
    Article(
        "vpn", "How to connect to the VPN", "Install the VPN client, sign in and press Connect.", lang="en"
    ),
    Article(
        "ac", "Кондиционер не холодит", "Почистите фильтры кондиционера и проверьте режим Cool.", lang="ru"
    ),
    Article(
        "acme",
        "ACME warehouse pass",
        "Order a warehouse pass a day ahead.",
        audience="client:acme",
        lang="en",
    ),
    Article(
        "eng",
        "Boiler procedure",
        "Lock out, test gas pressure, check the VPN to the plant.",
        audience="internal",
        lang="en",
    ),
    Article("draft", "Wi-Fi draft", "Router wifi password reset.", status=ArticleStatus.DRAFT, lang="en"),
]


@pytest.fixture(params=["lexical", "hybrid"])
async def kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    embedder = HashEmbedder() if request.param == "hybrid" else None
    kb = KnowledgeBase(embedder=embedder, threshold=0.5, params=FusionParams(cos_floor=0.0))
    await kb.index_articles(ARTICLES)
    return kb


async def test_finds_the_right_article_in_both_languages(kb: KnowledgeBase) -> None:
    assert (await kb.search("принтер зажевал бумагу", Reader.public())).best.article_id == "printer-jam"  # type: ignore[union-attr]
    assert (await kb.search("connect to vpn", Reader.public())).best.article_id == "vpn"  # type: ignore[union-attr]
    assert (await kb.search("фильтры кондиционера", Reader.public())).best.article_id == "ac"  # type: ignore[union-attr]


async def test_hits_carry_title_snippet_score_and_language(kb: KnowledgeBase) -> None:
    hit = (await kb.search("vpn", Reader.public())).hits[0]
    assert (hit.article_id, hit.title, hit.lang) == ("vpn", "How to connect to the VPN", "en")
    assert "VPN" in hit.snippet and hit.score > 0


async def test_audience_is_filtered_for_every_reader(kb: KnowledgeBase) -> None:
    def ids(result: object) -> set[str]:
        return {h.article_id for h in result.hits}  # type: ignore[attr-defined]

    assert "eng" not in ids(await kb.search("boiler procedure gas pressure", Reader.public(), k=10))
    assert "acme" not in ids(await kb.search("warehouse pass", Reader.public(), k=10))
    assert "acme" not in ids(await kb.search("warehouse pass", Reader.client("nordlog"), k=10))
    assert (await kb.search("warehouse pass", Reader.client("acme"))).best.article_id == "acme"  # type: ignore[union-attr]
    assert (await kb.search("boiler procedure", Reader.staff())).best.article_id == "eng"  # type: ignore[union-attr]


async def test_drafts_are_never_found_or_returned(kb: KnowledgeBase) -> None:
    result = await kb.search("wifi router password", Reader.staff(), k=10)
    assert "draft" not in {h.article_id for h in result.hits}
    assert await kb.get("draft", Reader.staff()) is None


async def test_get_respects_the_reader(kb: KnowledgeBase) -> None:
    assert await kb.get("acme", Reader.client("acme")) is not None
    assert await kb.get("acme", Reader.public()) is None
    assert await kb.get("eng", Reader.client("acme")) is None
    assert await kb.get("missing", Reader.staff()) is None


async def test_confidence_separates_a_clear_match_from_noise(kb: KnowledgeBase) -> None:
    clear = await kb.search("кондиционер не холодит, почистить фильтры", Reader.public())
    noise = await kb.search("pizza delivery tonight", Reader.public())
    assert clear.confident and clear.confidence > noise.confidence
    assert not noise.confident


async def test_empty_and_oversized_queries_are_harmless(kb: KnowledgeBase) -> None:
    assert (await kb.search("", Reader.public())).hits == []
    assert (await kb.search("   ", Reader.public())).best is None
    big = await kb.search("vpn " * 5000, Reader.public(), k=1000)
    assert len(big.hits) <= 50


async def test_upsert_and_remove_take_effect_at_once(kb: KnowledgeBase) -> None:
    await kb.upsert(Article("boiler", "Котёл не греет", "Проверьте давление котла.", lang="ru"))
    assert (await kb.search("давление котла", Reader.public())).best.article_id == "boiler"  # type: ignore[union-attr]
    await kb.upsert(replace(ARTICLES[1], status=ArticleStatus.DRAFT, version=2))
    assert "vpn" not in {h.article_id for h in (await kb.search("vpn connect", Reader.public())).hits}
    await kb.remove("boiler")
    assert "boiler" not in {h.article_id for h in (await kb.search("давление котла", Reader.public())).hits}


async def test_moving_an_article_to_a_private_audience_hides_it_at_once(kb: KnowledgeBase) -> None:
    await kb.upsert(replace(ARTICLES[0], audience="client:romashka", version=2))
    public = await kb.search("принтер замял бумагу", Reader.public(), k=10)
    assert "printer-jam" not in {h.article_id for h in public.hits}
    mine = await kb.search("принтер замял бумагу", Reader.client("romashka"))
    assert mine.best is not None and mine.best.article_id == "printer-jam"


async def test_load_indexes_the_repository_and_refresh_follows_edits() -> None:
    source = MemorySource()
    await source.articles.upsert(ARTICLES[0], "admin")
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.5)
    assert await kb.load(source, refresh_every=None) == 1
    await source.articles.upsert(ARTICLES[1], "admin")
    await source.articles.set_status("printer-jam", ArticleStatus.DRAFT, "admin")
    await kb.refresh()
    assert await kb.get("vpn", Reader.public()) is not None
    assert await kb.get("printer-jam", Reader.public()) is None
    await source.articles.set_status("printer-jam", ArticleStatus.PUBLISHED, "admin")
    await source.articles.delete("vpn", "admin")
    await kb.refresh()
    assert await kb.get("printer-jam", Reader.public()) is not None
    assert await kb.get("vpn", Reader.public()) is None
    assert (await kb.search("vpn connect", Reader.public())).hits == []


async def test_background_refresh_shows_an_edit_within_a_second() -> None:
    source = MemorySource()
    kb = KnowledgeBase(embedder=None, threshold=0.5)
    await kb.load(source, refresh_every=0.2)
    try:
        await source.articles.upsert(ARTICLES[2], "admin")
        for _ in range(20):
            if (await kb.search("кондиционер", Reader.public())).hits:
                break
            await asyncio.sleep(0.05)
        assert (await kb.search("кондиционер", Reader.public())).best.article_id == "ac"  # type: ignore[union-attr]
    finally:
        await kb.close()


async def test_unconfident_questions_are_logged_as_gaps() -> None:
    source = MemorySource()
    await source.articles.upsert(ARTICLES[1], "admin")
    kb = KnowledgeBase(embedder=None, threshold=0.9)
    await kb.load(source, refresh_every=None)
    await kb.search("как заказать пиццу", Reader.client("acme"))
    await kb.search("How to connect to the VPN", Reader.public())
    await kb.refresh()
    assert [g.query for g in source.kb_gaps.gaps] == ["как заказать пиццу"]
    assert source.commits == 1


def test_from_settings_refuses_unknown_values() -> None:
    class S:
        kb_embedder = "bogus"
        kb_index_backend = "memory"

    with pytest.raises(KbError, match="KB_EMBEDDER"):
        KnowledgeBase.from_settings(S())
    S.kb_embedder, S.kb_index_backend = "none", "pgvector"
    with pytest.raises(KbError, match="pgvector"):
        KnowledgeBase.from_settings(S())
    S.kb_index_backend = "elastic"
    with pytest.raises(KbError, match="KB_INDEX_BACKEND"):
        KnowledgeBase.from_settings(S())


async def test_changing_an_unsaved_articles_audience_moves_its_vectors_too() -> None:
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.5, params=FusionParams(cos_floor=0.0))
    await kb.index_articles([Article("a", "Secret plan", "secret plan details")])
    await kb.upsert(Article("a", "Secret plan", "secret plan details", audience="internal"))
    semantic = await kb.vectors.search(
        HashEmbedder().embed_queries(["secret plan"])[0], frozenset({"public"}), 5
    )
    assert semantic == []
    assert (await kb.search("secret plan", Reader.public())).hits == []


async def test_results_are_reused_per_scope_until_the_index_changes(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    search = kb._search

    async def counting(text: str, reader: Reader, k: int, embedder: object) -> object:
        computed.append(text)
        return await search(text, reader, k, embedder)  # type: ignore[arg-type]

    monkeypatch.setattr(kb, "_search", counting)
    first = await kb.search("connect to vpn", Reader.client("romashka"))
    # Clients without articles of their own see what the public sees: one entry serves them all.
    again = await kb.search("connect to vpn", Reader.client("beta"))
    public = await kb.search("connect to vpn", Reader.public())
    assert computed == ["connect to vpn"]
    assert again == first == public and again.hits is not first.hits  # copies: callers cannot spoil it
    # ACME has an article of its own, so its results are its own.
    acme = await kb.search("warehouse pass", Reader.client("acme"))
    assert acme.best is not None and acme.best.article_id == "acme"
    outsider = await kb.search("warehouse pass", Reader.client("beta"))
    assert "acme" not in {h.article_id for h in outsider.hits}
    assert computed == ["connect to vpn", "warehouse pass", "warehouse pass"]

    await kb.upsert(replace(ARTICLES[1], title="VPN setup for the office", version=2))
    changed = await kb.search("connect to vpn", Reader.public())
    assert computed[-1] == "connect to vpn"  # the index changed: searched again
    assert changed.best is not None and changed.best.title == "VPN setup for the office"


async def test_a_cached_unanswered_question_is_still_a_gap(kb: KnowledgeBase) -> None:
    for _ in range(2):
        result = await kb.search("как заказать пиццу", Reader.public())
        assert not result.confident
    assert [g[0] for g in kb.follower.gaps] == ["как заказать пиццу", "как заказать пиццу"]
