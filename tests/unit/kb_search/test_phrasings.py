"""Confirmed phrasings: the audience and distinct-client rules, and their effect on search."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kb_search import learning
from kb_search.confidence import FEATURES as F
from kb_search.history import learn_history, read_history
from kb_search.model import Article, KbError, Reader
from kb_search.phrasings import MIN_CLIENTS, phrasing_audience
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder, MemoryPhrasingRepository, MemorySource

AT = datetime(2026, 3, 1, tzinfo=UTC)
BOILER = Article("boiler", "Котёл не греет", "Проверьте давление котла и перезапустите его.", lang="ru")
RADIATOR = Article("radiator", "Батарея холодная", "Спустите воздух из батареи краном Маевского.", lang="ru")
SECRET = Article(
    "boiler-internal", "Котёл: сервисный код", "Код сервиса котла 1234.", audience="internal", lang="ru"
)
ACME = Article(
    "acme-boiler", "ACME: котёл склада", "Звоните дежурному ACME.", audience="client:acme", lang="ru"
)
QUESTION = "в квартире холодно и вода еле тёплая"


def test_a_client_question_never_joins_an_article_that_client_may_not_read() -> None:
    assert phrasing_audience(BOILER, Reader.client("acme")) == "public"
    assert phrasing_audience(ACME, Reader.client("acme")) == "client:acme"
    with pytest.raises(KbError, match="refused"):
        phrasing_audience(SECRET, Reader.client("acme"))
    with pytest.raises(KbError, match="refused"):
        phrasing_audience(ACME, Reader.client("romashka"))
    with pytest.raises(KbError, match="refused"):
        phrasing_audience(ACME, Reader.public())


async def test_a_flood_from_one_client_counts_once_and_opens_nothing() -> None:
    repo = MemoryPhrasingRepository()
    for _ in range(50):
        kept = await learning.client_helped(repo, BOILER, QUESTION, Reader.client("acme"), "c-1", AT)
    assert kept is not None
    assert (kept.helped, kept.clients, kept.open) == (50, 1, False)
    # Another contact of the same organisation is the same client.
    kept = await learning.client_helped(repo, BOILER, QUESTION.upper(), Reader.client("acme"), "c-2", AT)
    assert kept is not None and (kept.clients, kept.open) == (1, False)
    kept = await learning.client_helped(repo, BOILER, QUESTION, Reader.client("romashka"), "c-3", AT)
    assert kept is not None and (kept.clients, kept.open) == (MIN_CLIENTS, True)
    assert len(repo.rows()) == 1


async def test_a_verdict_moves_a_voice_and_bad_input_changes_nothing() -> None:
    repo = MemoryPhrasingRepository()
    await learning.client_helped(repo, BOILER, QUESTION, Reader.client("acme"), "c-1", AT)
    kept = await learning.client_not_helped(repo, BOILER, QUESTION, Reader.client("acme"), "c-1", AT)
    assert kept is not None and kept.helped_by == () and kept.not_helped_by == ("client:acme",)
    assert kept.weight == -1.0
    with pytest.raises(KbError, match="refused"):
        await learning.client_helped(repo, SECRET, QUESTION, Reader.client("acme"), "c-1", AT)
    with pytest.raises(KbError, match="empty"):
        await learning.client_helped(repo, BOILER, "   ", Reader.client("acme"), "c-1", AT)
    with pytest.raises(KbError, match="Helped"):
        await learning.client_helped(repo, BOILER, QUESTION, Reader.staff(), None, AT)
    with pytest.raises(KbError, match="refused"):
        await learning.engineer_linked(repo, ACME, QUESTION, "romashka", "e-petrov", AT)
    assert len(repo.rows()) == 1
    # An engineer's link to an internal article keeps the client's question for staff only.
    internal = await learning.engineer_linked(repo, SECRET, QUESTION, "acme", "e-petrov", AT)
    assert internal is not None and internal.audience == "internal" and internal.open
    assert learning.engineer_may_link(SECRET, "acme") and learning.engineer_may_link(ACME, "acme")
    assert not learning.engineer_may_link(ACME, "romashka") and not learning.engineer_may_link(ACME, None)


async def _loaded(*articles: Article) -> tuple[KnowledgeBase, MemorySource]:
    source = MemorySource()
    for article in articles:
        await source.articles.upsert(article, "admin")
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=10.0)
    await kb.load(source, refresh_every=None)
    return kb, source


async def test_a_confirmed_phrasing_lifts_its_article_for_its_client_only_until_a_second_client() -> None:
    kb, source = await _loaded(BOILER, RADIATOR)
    acme, romashka, other = Reader.client("acme"), Reader.client("romashka"), Reader.client("other")
    before = await kb.search(QUESTION, acme)
    assert before.best is None or before.best.score < 0.5
    async with source() as uow:
        for _ in range(20):
            await learning.client_helped(uow.phrasings, BOILER, QUESTION, acme, "c-1", AT)
    await kb.refresh()
    mine = await kb.search("В квартире холодно, вода еле тёплая!", acme)
    assert mine.best is not None and mine.best.article_id == "boiler" and mine.best.score > 0.9
    assert mine.confidence > before.confidence
    # The flood of one client changed nothing for anyone else.
    assert await kb.search(QUESTION, romashka) == await kb.search(QUESTION, Reader.public())
    assert (await kb.search(QUESTION, romashka)).confidence == before.confidence
    async with source() as uow:
        await learning.client_helped(uow.phrasings, BOILER, QUESTION, romashka, "c-9", AT)
    await kb.refresh()
    theirs = await kb.search(QUESTION, other)
    assert theirs.best is not None and theirs.best.article_id == "boiler" and theirs.best.score > 0.9


async def test_did_not_help_lowers_the_pairing_and_an_admin_removal_is_followed() -> None:
    kb, source = await _loaded(BOILER, RADIATOR)
    async with source() as uow:
        kept = await learning.engineer_linked(uow.phrasings, BOILER, QUESTION, "acme", "e-petrov", AT)
    await kb.refresh()
    assert kept is not None and kept.open
    lifted = await kb.search(QUESTION, Reader.public())
    assert lifted.best is not None and lifted.best.article_id == "boiler"
    plain = (await KnowledgeBase(embedder=HashEmbedder()).search(QUESTION, Reader.public())).best
    async with source() as uow:
        for client in ("a", "b", "c"):
            await learning.client_not_helped(uow.phrasings, BOILER, QUESTION, Reader.client(client), None, AT)
    await kb.refresh()
    lowered = await kb.search(QUESTION, Reader.public())
    boiler = [h for h in lowered.hits if h.article_id == "boiler"]
    assert lowered.confidence < lifted.confidence
    assert not boiler or boiler[0].score < lifted.best.score
    assert plain is None or plain.article_id != "boiler" or not boiler or boiler[0].score < plain.score
    async with source() as uow:
        removed = await learning.remove(uow.phrasings, kept.id, "admin-1", AT)
        with pytest.raises(KbError, match="removed already"):
            await learning.remove(uow.phrasings, kept.id, "admin-1", AT)
    await kb.refresh()
    assert removed.removed_by == "admin-1" and len(kb.phrasings) == 0
    async with source() as uow:
        # Presses on a pairing an admin removed do not bring it back.
        assert (
            await learning.client_helped(uow.phrasings, BOILER, QUESTION, Reader.client("a"), None, AT)
            is None
        )


async def test_did_not_help_on_an_automatic_answer_stops_that_answer_for_that_client() -> None:
    """One client's *Did not help* on an auto-answer: that client gets the choices for that question
    from then on (the closest pairing did not help), and the confidence reads it as evidence against,
    not as a close confirmed question; other clients keep the answer until a second client agrees."""
    source = MemorySource()
    for article in (BOILER, RADIATOR):
        await source.articles.upsert(article, "admin")
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.1)
    await kb.load(source, refresh_every=None)
    question = "котёл не греет, давление в норме"
    acme, romashka = Reader.client("acme"), Reader.client("romashka")
    before = await kb.search(question, acme)
    assert before.confident and before.best is not None and before.best.article_id == "boiler"
    async with source() as uow:
        await learning.client_not_helped(uow.phrasings, BOILER, question, acme, "c-1", AT)
    await kb.refresh()
    after = await kb.search(question, acme)
    assert not after.confident
    assert after.confidence < before.confidence
    _, row = await kb.evidence(question, acme)
    assert row[F.index("phrasing")] < 0 and row[F.index("phrasing_margin")] < 0
    assert await kb.search(question, romashka) == before
    # A different question on the same article is not refused: the pairing was the question's.
    other = await kb.search("Как перезапустить котёл", acme)
    assert other.best is not None and other.best.article_id == "boiler" and other.confident
    async with source() as uow:
        await learning.client_not_helped(uow.phrasings, BOILER, question, romashka, "c-2", AT)
    await kb.refresh()
    assert not (await kb.search(question, Reader.client("third"))).confident


async def test_phrasings_of_a_client_article_stay_in_that_clients_section() -> None:
    kb, source = await _loaded(BOILER, ACME)
    acme = Reader.client("acme")
    async with source() as uow:
        await learning.engineer_linked(uow.phrasings, ACME, "склад без отопления", "acme", "e-1", AT)
    await kb.refresh()
    assert "acme-boiler" in {h.article_id for h in (await kb.search("склад без отопления", acme)).hits}
    for reader in (Reader.public(), Reader.client("romashka")):
        assert "acme-boiler" not in {
            h.article_id for h in (await kb.search("склад без отопления", reader)).hits
        }


async def test_history_lines_naming_unknown_articles_are_reported_and_skipped(tmp_path: Path) -> None:
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.index_articles([BOILER, RADIATOR])
    path = tmp_path / "h.jsonl"
    path.write_text(
        '{"query": "вода еле тёплая", "relevant": ["boiler"]}\n'
        "\n"
        '{"query": "нет такой статьи", "relevant": ["nope"]}\n'
        '{"query": "батарея холодная сверху", "relevant": ["radiator", "ghost"]}\n',
        encoding="utf-8",
    )
    pairs, skipped = await read_history(path, kb)
    assert [(p.line, p.article_id) for p in pairs] == [(1, "boiler"), (4, "radiator")]
    assert skipped == [
        "line 3: unknown article 'nope'; skipped",
        "line 4: unknown article 'ghost'; skipped",
    ]
    assert await learn_history(kb, pairs) == 2
    assert len(kb.phrasings) == 2
    hit = (await kb.search("вода еле тёплая", Reader.public())).best
    assert hit is not None and hit.article_id == "boiler" and hit.score == 1.0
    path.write_text('{"query": 5}\n', encoding="utf-8")
    with pytest.raises(KbError, match="line 1"):
        await read_history(path, kb)


async def test_a_phrasing_confirmed_in_another_process_is_used_within_a_second() -> None:
    source = MemorySource()
    for article in (BOILER, RADIATOR):
        await source.articles.upsert(article, "admin")
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.load(source, refresh_every=0.2)
    try:
        async with source() as uow:
            await learning.engineer_linked(uow.phrasings, RADIATOR, QUESTION, None, "e-1", AT)
        for _ in range(20):
            if len(kb.phrasings):
                break
            await asyncio.sleep(0.05)
        hit = (await kb.search(QUESTION, Reader.public())).best
        assert hit is not None and hit.article_id == "radiator" and hit.score == 1.0
    finally:
        await kb.close()


def test_the_floor_is_placed_from_the_kbs_own_phrasings() -> None:
    from kb_search.phrasing_index import PhrasingParams, self_floor

    rng = np.random.default_rng(1)
    params = PhrasingParams()
    centres = rng.normal(size=(6, 32))
    rows = np.vstack([c + rng.normal(scale=s, size=(8, 32)) for c in centres for s in (0.3,)])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    articles = np.repeat([f"a{i}" for i in range(6)], 8)
    assert self_floor(rows[:10], articles[:10], params) == params.floor  # too few to judge
    tight = self_floor(rows, articles, params)
    # Mixed labels: wordings of one article are no closer to each other than to others' -> a higher floor.
    shuffled = self_floor(rows, rng.permutation(articles), params)
    low, high = params.floor_range
    assert low <= tight < shuffled <= high
