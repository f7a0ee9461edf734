"""The bot learns from its clients: Helped keeps the question, Did not help lowers it, engineers link articles.

A real `KnowledgeBase` (hashed-stem embedder) reads articles and phrasings from the memory unit of work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kb_search.model import Reader
from kb_search.service import KnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock, chat_on, kb_over_articles

QUESTION = "the vpn app will not sign me in from home"


@pytest.fixture
async def real_kb(uows: MemoryUnitOfWorkFactory) -> AsyncIterator[KnowledgeBase]:
    kb = await kb_over_articles(uows)
    # Just above what the fresh question gets: it is offered as a choice, never answered alone.
    kb.threshold = (await kb.search(QUESTION, Reader.client("acme"))).confidence + 0.01
    yield kb
    await kb.close()


@pytest.fixture
def learning_chat(uows: MemoryUnitOfWorkFactory, real_kb: KnowledgeBase, clock: Clock) -> ChatDriver:
    return chat_on(uows, real_kb, clock)


def _kinds(uows: MemoryUnitOfWorkFactory) -> list[str]:
    return [i["kind"] for i in uows.state.interactions]


async def test_helped_teaches_the_question_to_its_client_and_did_not_help_takes_it_back(
    learning_chat: ChatDriver,
    real_kb: KnowledgeBase,
    uows: MemoryUnitOfWorkFactory,
    anna: Person,
    ivan: Person,
) -> None:
    chat = learning_chat
    got = await chat.say(anna, QUESTION)
    assert got == ["One of these articles may help:"]
    got = await chat.press(anna, "How to connect to the VPN")
    assert "How to connect to the VPN" in got[0]
    assert await chat.press(anna, "Helped") == ["Glad it helped! Write any time."]
    [kept] = uows.state.phrasings.values()
    assert (kept.article_id, kept.text, kept.helped_by, kept.audience) == (
        "vpn-connect",
        QUESTION,
        ("client:acme",),
        "public",
    )

    await real_kb.refresh()
    got = await chat.say(anna, "The VPN app will not sign me in from home!")
    assert "Here is what I found" in got[0] and "How to connect to the VPN" in got[0]
    assert _kinds(uows)[-1] == "kb_answer"
    # One client's confirmation answers that client only: another client still gets choices.
    got = await chat.say(ivan, QUESTION)
    assert _kinds(uows)[-1] == "kb_no_answer"

    # Did not help on the automatic answer turns the pairing against the article for that client.
    await chat.press(anna, "Did not help")
    [kept] = uows.state.phrasings.values()
    assert kept.helped_by == () and kept.not_helped_by == ("client:acme",) and kept.not_helped == 1
    await real_kb.refresh()
    await chat.say(anna, "/cancel")  # Did not help opened the request form
    await chat.say(anna, QUESTION)
    assert _kinds(uows)[-1] == "kb_no_answer"


async def test_did_not_help_on_a_picked_choice_keeps_nothing(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, anna: Person
) -> None:
    await learning_chat.say(anna, QUESTION)
    await learning_chat.press(anna, "How to connect to the VPN")
    await learning_chat.press(anna, "Did not help")
    assert uows.state.phrasings == {} and _kinds(uows)[-1] == "kb_not_helped"


async def test_an_engineer_links_articles_in_the_resolution_note_within_the_clients_audience(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, ivan: Person, petrov: Person
) -> None:
    from tests.unit.dialogue.test_transcripts import finish_job, open_ticket_as

    chat = learning_chat
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    chat.new_texts(petrov)
    note = "Заменил прокладку (kb:ac-filter), см. также kb:eng-only, kb:acme-badge и kb:nope."
    await finish_job(chat, petrov, note)
    got = [m.text for m in chat.messages(petrov)][-5:]
    assert "HD-1001" in got[0]
    assert got[1:] == [
        "Статья ac-filter связана с вопросом клиента: похожие вопросы теперь найдут её.",
        "Статья eng-only не связана: refused: the question of client romashka cannot be linked to article "
        "eng-only (audience internal), which that person may not read",
        "Статья acme-badge не связана: refused: the question of client romashka cannot be linked to article "
        "acme-badge (audience client:acme), which that person may not read",
        "Статьи nope нет среди опубликованных; связь не сохранена.",
    ]
    [kept] = uows.state.phrasings.values()
    assert (kept.article_id, kept.text, kept.source, kept.helped_by, kept.open) == (
        "ac-filter",
        "Течёт кран на кухне",
        "engineer_linked",
        ("staff:e-petrov",),
        True,
    )
    assert [i["kind"] for i in uows.state.interactions if i["kind"] == "kb_linked"] == ["kb_linked"]
    ticket = next(iter(uows.state.tickets.values()))
    assert str(ticket.status) == "resolved" and "kb:ac-filter" in (ticket.resolution_note or "")
