"""A colleague follows a ticket (#21): they hear its news in their own chats as its contact does, their
messages on it reach the contact and the engineer, and the follow is an audited change checked in the use case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Outbound
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.portal import contact_actor
from ticket_core import usecases as uc
from ticket_core.enums import PersonKind, Priority, Role
from ticket_core.errors import NotFound
from ticket_core.model import Actor, ChannelAccount, Contact

BOB = Contact("acme-bob", "acme", "Bob Green", None, "ru", site_id="acme-office")
STRANGER = Contact("romashka-ivan", "romashka", "Иван Кузнецов", "+79211234502", "ru")


async def _run(engine: DialogueEngine, work: Any) -> tuple[Any, list[Outbound]]:
    results: list[Any] = []

    async def job(uow: Any, now: datetime) -> None:
        results.append(await work(uow, now))

    messages = await engine.run_system(job)
    return results[0], messages


def _to(messages: list[Outbound], chat: str) -> list[str]:
    return [m.text for m in messages if m.chat_id == chat]


@pytest.fixture
async def ticket(uows: MemoryUnitOfWorkFactory, engine: DialogueEngine) -> Any:
    async with uows() as uow:
        anna = await uow.directory.get_contact("acme-anna")
        await uow.directory.add_contact(BOB)
        await uow.accounts.link(ChannelAccount("web", "client", "w-bob", PersonKind.CONTACT, BOB.id, "w-bob"))
        await uow.accounts.link(
            ChannelAccount("web", "client", "w-anna", PersonKind.CONTACT, "acme-anna", "w-anna")
        )
        await uow.commit()
    assert anna is not None
    draft = uc.TicketDraft("acme", "printers", "Printer jams", Priority.P3, site_id="acme-office")
    opened, _ = await _run(engine, lambda uow, now: uc.open_ticket(uow, contact_actor(anna), draft, now))
    return opened


async def test_a_follower_hears_what_the_contact_hears(engine: DialogueEngine, ticket: Any) -> None:
    bob = contact_actor(BOB)
    changed, _ = await _run(engine, lambda uow, now: uc.follow_ticket(uow, bob, ticket.id, now))
    assert changed
    again, _ = await _run(engine, lambda uow, now: uc.follow_ticket(uow, bob, ticket.id, now))
    assert not again
    supervisor = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
    _, sent = await _run(
        engine, lambda uow, now: uc.add_comment(uow, supervisor, ticket.id, now, "Coming at 3 pm")
    )
    assert any("Coming at 3 pm" in text for text in _to(sent, "w-anna"))
    assert any("Coming at 3 pm" in text for text in _to(sent, "w-bob"))
    await _run(engine, lambda uow, now: uc.follow_ticket(uow, bob, ticket.id, now, following=False))
    _, sent = await _run(
        engine, lambda uow, now: uc.add_comment(uow, supervisor, ticket.id, now, "Make it 4 pm")
    )
    assert _to(sent, "w-bob") == [] and _to(sent, "w-anna")


async def test_a_colleagues_message_reaches_the_contact_and_makes_them_follow(
    engine: DialogueEngine, uows: MemoryUnitOfWorkFactory, ticket: Any
) -> None:
    bob = contact_actor(BOB)
    _, sent = await _run(
        engine, lambda uow, now: uc.add_comment(uow, bob, ticket.id, now, "Tray 2 is empty too")
    )
    assert any("Bob Green" in text and "Tray 2 is empty too" in text for text in _to(sent, "w-anna"))
    assert _to(sent, "w-bob") == []  # not their own message back
    async with uows() as uow:
        assert await uow.tickets.followers(ticket.id) == ["acme-bob"]
        names = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
    assert "ticket_followed" in names


async def test_another_client_cannot_follow(engine: DialogueEngine, ticket: Any) -> None:
    with pytest.raises(NotFound):
        await _run(engine, lambda uow, now: uc.follow_ticket(uow, contact_actor(STRANGER), ticket.id, now))
