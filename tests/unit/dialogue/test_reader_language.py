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


async def test_a_list_for_a_russian_reader_leaves_out_english_articles_when_russian_ones_fit(
    uows: MemoryUnitOfWorkFactory,
    sure_kb: KnowledgeBase,
    clock: Clock,
    ivan: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A working day (#18, played in Chromium): "в зале кондиционер дует тёплым воздухом" listed two Russian
    articles and "Air conditioner is leaking water (EN)", the English twin of one of them."""
    from kb_search.model import Hit, SearchResult

    found = SearchResult(
        [
            Hit("ac-filter", "Кондиционер плохо холодит", "", 0.61, "ru"),
            Hit("ac-leak-en", "Air conditioner is leaking water", "", 0.60, "en"),
            Hit("printer-jam", "Принтер замял бумагу", "", 0.40, "ru"),
        ],
        confident=False,
    )

    async def search(*_args: object, **_kwargs: object) -> SearchResult:
        return found

    monkeypatch.setattr(sure_kb, "search", search)
    chat = chat_on(uows, sure_kb, clock)

    def labels() -> list[str]:
        return [b.text for row in chat.messages(ivan)[-1].buttons for b in row]

    await chat.say(ivan, "в зале кондиционер дует тёплым воздухом")
    assert labels()[:2] == ["Кондиционер плохо холодит", "Принтер замял бумагу"]
    assert not [label for label in labels() if "(EN)" in label or "Air conditioner" in label], labels()
    # Nothing in Russian fits: the English article is offered, marked.
    found = SearchResult([Hit("ac-leak-en", "Air conditioner is leaking water", "", 0.60, "en")])
    await chat.say(ivan, "aircon leaking")
    assert "Air conditioner is leaking water (EN)" in labels(), labels()
