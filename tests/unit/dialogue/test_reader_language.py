"""A reader gets articles in their language first; one in another language says so (a working day's
stumble: Russian clients were given English articles without a word)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from dialogue.kb_replies import reader_language_first
from kb_search.service import KnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import Person
from tests.unit.dialogue.conftest import Clock, chat_on, kb_over_articles


@dataclass
class FakeHit:
    article_id: str
    score: float
    lang: str


def test_an_article_in_the_readers_language_close_to_the_top_comes_first_and_nothing_answers_alone() -> None:
    hits = [FakeHit("vpn-en", 0.80, "en"), FakeHit("printer", 0.5, "ru"), FakeHit("vpn-ru", 0.75, "ru")]
    ordered, close = reader_language_first(hits, "ru")
    assert [h.article_id for h in ordered] == ["vpn-ru", "vpn-en", "printer"] and close
    far = [FakeHit("vpn-en", 0.80, "en"), FakeHit("printer", 0.5, "ru")]
    assert reader_language_first(far, "ru") == (far, False)  # nothing in Russian fits: the English one


@pytest.fixture
async def sure_kb(uows: MemoryUnitOfWorkFactory) -> AsyncIterator[KnowledgeBase]:
    kb = await kb_over_articles(uows)
    kb.threshold = 0.0  # sure of everything: the question is only which language
    yield kb
    await kb.close()


async def test_an_english_article_to_a_russian_reader_says_it_is_in_english(
    uows: MemoryUnitOfWorkFactory, sure_kb: KnowledgeBase, clock: Clock, ivan: Person
) -> None:
    chat = chat_on(uows, sure_kb, clock)
    got = await chat.say(ivan, "VPN app sign in connect")
    assert got[0].startswith("В базе знаний нашлась статья только на английском языке:\n\nВот что нашлось")
    assert "How to connect to the VPN" in got[0]
