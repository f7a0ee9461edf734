"""Another client's ticket and a missing one get the same answer, so ticket numbers cannot be probed."""

from __future__ import annotations

import pytest

from dialogue.messages import Bot
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from ticket_core.enums import Role
from ticket_core.errors import NotFound
from ticket_core.model import Actor
from ticket_core.usecases import get_ticket_by_number

ASKS = [
    "/status {ref}",
    "/cancel {ref}",
    "/comment {ref} hello",
]


async def open_ticket(chat: ChatDriver, ivan: Person) -> str:
    await chat.say(ivan, "/new")
    await chat.say(ivan, "Течёт кран на кухне")
    await chat.press(ivan, "Сантехника")
    await chat.press(ivan, "Ромашка на Невском")
    await chat.press(ivan, "Обычная")
    got = await chat.press(ivan, "Отправить заявку")
    assert any("HD-1001" in text for text in got)
    return "HD-1001"


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize(("account", "lang"), [("acme-anna", "en"), ("nordlog-olga", "ru")], ids=["en", "ru"])
async def test_not_yours_and_not_found_answer_alike(
    chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory, account: str, lang: str, ask: str
) -> None:
    asker = Person(Bot.CLIENT, account, "Asker", lang)
    theirs = await open_ticket(chat, ivan)
    missing = "HD-1999"
    tickets_before = {t.id: (t.status, t.version) for t in uows.state.tickets.values()}

    not_yours = await chat.say(asker, ask.format(ref=theirs))
    not_found = await chat.say(asker, ask.format(ref=missing))

    assert not_yours, "the client got no answer"
    assert [text.replace(theirs, "<ref>") for text in not_yours] == [
        text.replace(missing, "<ref>") for text in not_found
    ]
    buttons = [[b.text for row in out.buttons for b in row] for out in chat.messages(asker)[-2:]]
    assert buttons[0] == buttons[1]
    # Nothing of the other client's ticket leaks into the answer, and it is not changed.
    assert not any("кран" in text for text in not_yours)
    assert {t.id: (t.status, t.version) for t in uows.state.tickets.values()} == tickets_before


async def test_the_domain_refusal_is_word_for_word_the_same(
    chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await open_ticket(chat, ivan)
    next(iter(uows.state.tickets.values())).assignee_id = "e-petrov"  # someone else's job for e-nobody
    for role, actor_id, client_id in ((Role.CLIENT, "acme-anna", "acme"), (Role.ENGINEER, "e-nobody", None)):
        actor = Actor(role, actor_id, client_id=client_id)
        refusals = []
        for number in (1001, 1999):
            async with uows() as uow:
                with pytest.raises(NotFound) as caught:
                    await get_ticket_by_number(uow, actor, number)
            refusals.append(str(caught.value).replace(str(number), "N"))
        assert refusals[0] == refusals[1], role
