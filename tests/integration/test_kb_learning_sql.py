"""Confirmed phrasings through the dialogue engine on SQLite and PostgreSQL: the client's Helped is kept in
the turn's transaction, the KB follows it from the database, a second client is not affected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from helpdesk.demo.loader import load_directory, read_directory
from kb_search.model import Reader
from kb_search.service import KnowledgeBase
from storage.uow import UnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import ARTICLES
from tests.unit.kb_search.fakes import HashEmbedder

QUESTION = "the vpn app will not sign me in from home"


@pytest.fixture
async def learning(uow_factory: UnitOfWorkFactory) -> AsyncIterator[tuple[ChatDriver, KnowledgeBase]]:
    async with uow_factory() as uow:
        await load_directory(uow, read_directory())
        for article in ARTICLES:
            await uow.articles.upsert(article, "admin")
        await uow.commit()
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.load(uow_factory, refresh_every=None)
    kb.threshold = (await kb.search(QUESTION, Reader.client("acme"))).confidence + 0.01
    clock = lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # noqa: E731
    engine = DialogueEngine(uow_factory, PayloadSigner("test-secret"), kb=kb, nlu=None, clock=clock)
    yield ChatDriver(engine.handle), kb
    await kb.close()


async def _phrasings(uow_factory: UnitOfWorkFactory) -> list[Any]:
    async with uow_factory() as uow:
        return list(await uow.phrasings.for_article("vpn-connect"))


async def test_helped_is_kept_in_the_turn_and_answers_that_client_next_time(
    learning: tuple[ChatDriver, KnowledgeBase], uow_factory: UnitOfWorkFactory
) -> None:
    chat, kb = learning
    anna = Person(Bot.CLIENT, "acme-anna", "Anna", "en")
    ivan = Person(Bot.CLIENT, "romashka-ivan", "Иван", "ru")
    assert await chat.say(anna, QUESTION) == ["One of these articles may help:"]
    await chat.press(anna, "How to connect to the VPN")
    assert await chat.press(anna, "Helped") == ["Glad it helped! Write any time."]
    [kept] = await _phrasings(uow_factory)
    assert (kept.text, kept.helped_by, kept.helped, kept.open) == (QUESTION, ("client:acme",), 1, False)

    await kb.refresh()
    got = await chat.say(anna, QUESTION.upper())
    assert "Here is what I found" in got[0] and "How to connect to the VPN" in got[0]
    got = await chat.say(ivan, QUESTION)
    assert "Here is what I found" not in got[0]

    await chat.press(anna, "Did not help")
    [kept] = await _phrasings(uow_factory)
    assert (kept.helped_by, kept.not_helped_by, kept.helped, kept.not_helped) == ((), ("client:acme",), 1, 1)
    await kb.refresh()
    await chat.say(anna, "/cancel")
    assert "Here is what I found" not in (await chat.say(anna, QUESTION))[0]


async def test_engineers_links_in_the_database_place_the_kbs_threshold(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The running app's history fit (#14) reads its confirmed questions from SQLite and PostgreSQL."""
    from kb_search import learning as kb_learning
    from kb_search.model import Article
    from tests.unit.kb_search.test_history_threshold import NEW_QUESTION, TOPICS, questions

    async with uow_factory() as uow:
        for article_id, (title, body, _) in TOPICS.items():
            await uow.articles.upsert(Article(article_id, title, body, lang="en"), "admin")
        await uow.commit()
    kb = KnowledgeBase(embedder=None)
    await kb.load(uow_factory, refresh_every=None)
    try:
        assert kb.threshold == 0.995
        at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        async with uow_factory() as uow:
            for n, (article_id, question) in enumerate(questions(12)):
                article = kb.article(article_id)
                assert article is not None
                await kb_learning.engineer_linked(uow.phrasings, article, question, "acme", f"e-{n % 3}", at)
            await uow.commit()
        await kb.refresh()
        fit = kb.follower._history_fit
        assert fit is not None
        await fit
        assert kb.threshold < 0.9
        assert (await kb.search(NEW_QUESTION, Reader.public())).confident
    finally:
        await kb.close()
