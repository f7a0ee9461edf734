"""Helpers the portal tests share: a ticket with a worked history, a colleague, reading a sent login link."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.tables import outbox
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, PersonKind, Priority, Role, Visibility
from ticket_core.model import Actor, ChannelAccount, Contact, SiteScope

LINK = re.compile(r"https?://\S+/portal/in/[A-Za-z0-9_-]+")
INTERNAL_NOTE = "Internal: the client's contract ends in March"


def contact_actor(contact: Contact) -> Actor:
    """The actor the portal builds for a contact."""
    return Actor(Role.CLIENT, contact.id, contact.client_id, contact.name, SiteScope.of(contact))


def png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small real PNG photo."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return buffer.getvalue()


async def add_colleague(uows: Any, contact: Contact, chat: str | None = None) -> None:
    """Add a contact (and a web chat account for their links when `chat` is given)."""
    async with uows() as uow:
        if await uow.directory.get_contact(contact.id) is None:
            await uow.directory.add_contact(contact)
        if chat is not None:
            await uow.accounts.link(
                ChannelAccount("web", "client", chat, PersonKind.CONTACT, contact.id, chat)
            )
        await uow.commit()


async def worked_ticket(engine: Any, uows: Any, contact: Contact, site_id: str, description: str) -> int:
    """A ticket the contact opened that an engineer took, visited, commented on (publicly and internally) and
    resolved; its number."""
    client = contact_actor(contact)
    numbers: list[int] = []

    async def open_it(uow: Any, now: datetime) -> None:
        draft = uc.TicketDraft(contact.client_id, "printers", description, Priority.P3, site_id=site_id)
        numbers.append((await uc.open_ticket(uow, client, draft, now)).number)

    await engine.run_system(open_it)
    async with uows() as uow:
        ticket = await uow.tickets.get_by_number(numbers[0])
        offers = await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING)
    assert offers, "routing offered the job to nobody"
    engineer = Actor(Role.ENGINEER, offers[0].engineer_id)

    async def work(uow: Any, now: datetime) -> None:
        await uc.accept_offer(uow, engineer, ticket.id, now)
        await uc.report_on_the_way(uow, engineer, ticket.id, now)
        await uc.check_in_on_site(uow, engineer, ticket.id, now)
        await uc.add_comment(uow, engineer, ticket.id, now, "Replaced the pickup roller")
        await uc.add_comment(uow, engineer, ticket.id, now, INTERNAL_NOTE, Visibility.INTERNAL)
        await uc.resolve_ticket(uow, engineer, ticket.id, now, "Roller replaced, test page printed")

    await engine.run_system(work)
    return numbers[0]


async def sent_links(uows: Any, chat_id: str) -> list[str]:
    """Every login link the outbox holds for a chat (or mail address), oldest first."""
    async with uows() as uow:
        rows = (
            await uow.session.execute(
                select(outbox.c.payload).where(outbox.c.chat_id == chat_id).order_by(outbox.c.id)
            )
        ).scalars()
        return [m.group(0) for payload in rows for m in LINK.finditer(str(payload.get("text", "")))]


def now_utc() -> datetime:
    """The current time."""
    return datetime.now(UTC)
