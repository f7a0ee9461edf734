"""Buttons of an earlier KB answer or list never act on the latest one (a working day's worst stumble).

The client asked one thing, then another, then pressed an article in the *first* list: the bot showed the
article at that position of the *latest* list. Reloading the web chat brings old buttons back, too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dialogue.messages import Outbound
from kb_search.service import KnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock, chat_on, kb_over_articles

STALE = "Эти кнопки относятся к прошлому ответу. Напишите вопрос ещё раз — я поищу снова."
CHOICES = "Возможно, подойдёт одна из статей:"
HELPED = "Это помогло?"


@pytest.fixture
async def choosing_kb(uows: MemoryUnitOfWorkFactory) -> AsyncIterator[KnowledgeBase]:
    kb = await kb_over_articles(uows)
    kb.threshold = 99.0  # never sure: every question gets a list to choose from
    yield kb
    await kb.close()


@pytest.fixture
def kb_chat(uows: MemoryUnitOfWorkFactory, choosing_kb: KnowledgeBase, clock: Clock) -> ChatDriver:
    return chat_on(uows, choosing_kb, clock)


def _shown(chat: ChatDriver, person: Person, text: str) -> list[Outbound]:
    return [m for m in chat.messages(person) if m.text == text and m.buttons]


async def _press(chat: ChatDriver, person: Person, message: Outbound, index: int) -> list[str]:
    payload = message.buttons[index][0].payload
    assert payload is not None
    await chat._send(person, payload=payload)
    return chat.new_texts(person)


async def test_an_article_from_an_earlier_list_is_not_opened_from_the_latest(
    kb_chat: ChatDriver, ivan: Person
) -> None:
    assert await kb_chat.say(ivan, "принтер замял бумагу") == [CHOICES]
    assert await kb_chat.say(ivan, "кондиционер плохо холодит") == [CHOICES]
    old, new = _shown(kb_chat, ivan, CHOICES)
    assert old.buttons[0][0].text != new.buttons[0][0].text  # two different lists

    got = await _press(kb_chat, ivan, old, 0)
    assert got == [STALE]  # not the article at position 0 of the newest list

    got = await _press(kb_chat, ivan, new, 0)
    assert got[0].startswith("Вот что нашлось в базе знаний:\n\n" + new.buttons[0][0].text)


async def test_an_old_helped_button_does_not_credit_the_latest_answer(
    kb_chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await kb_chat.say(ivan, "принтер замял бумагу")
    await kb_chat.press(ivan, "Принтер замял бумагу")
    printer_helped = _shown(kb_chat, ivan, HELPED)[-1]
    await kb_chat.say(ivan, "кондиционер плохо холодит")
    await _press(kb_chat, ivan, _shown(kb_chat, ivan, CHOICES)[-1], 0)
    got = await _press(kb_chat, ivan, printer_helped, 0)  # "Helped" under the printer article, pressed late
    assert got == [STALE]
    assert [i["kind"] for i in uows.state.interactions].count("kb_helped") == 0
    # The buttons of the answer on screen still work.
    got = await kb_chat.press(ivan, "Помогло")
    assert got == ["Рад, что помогло! Если что-то ещё — пишите."]


async def test_an_article_reads_the_same_answered_alone_or_picked(
    kb_chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory, choosing_kb: KnowledgeBase
) -> None:
    # A working day's stumble: a picked article lost its line breaks while an auto-answer kept them.
    from dataclasses import replace

    from kb_search.model import Reader

    articles = uows.articles
    jam = await articles.get("printer-jam")
    steps = "Выключите принтер.\n\n1. Откройте крышку.\n2. Вытяните   лист.\n\n\nЗакройте крышку."
    await articles.upsert(replace(jam, body=steps), "admin")
    await choosing_kb.refresh()
    await kb_chat.say(ivan, "принтер замял бумагу")
    picked = await kb_chat.press(ivan, "Принтер замял бумагу")
    choosing_kb.threshold = (
        await choosing_kb.search("принтер замял бумагу", Reader.client("romashka"))
    ).confidence
    alone = await kb_chat.say(ivan, "принтер замял бумагу")
    body = "Выключите принтер.\n\n1. Откройте крышку.\n2. Вытяните лист.\n\nЗакройте крышку."
    assert picked[0] == alone[0] == f"Вот что нашлось в базе знаний:\n\nПринтер замял бумагу\n\n{body}"
    articles_shown = [m for m in kb_chat.messages(ivan) if m.text.startswith("Вот что нашлось")]
    assert len(articles_shown) == 2 and all(m.markdown for m in articles_shown)  # styled per channel
