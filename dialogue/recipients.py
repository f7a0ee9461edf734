"""Who hears a ticket's news, and a message to them in their own language: the client's side (its contact
and followers) or one staff member."""

from __future__ import annotations

from dialogue.i18n import say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork


async def client_recipients(uow: UnitOfWork, ticket: Ticket) -> list[tuple[str, str, str | None]]:
    """Who hears a ticket's news on the client's side, each with their language and preferred channel: its
    contact (on the channel the ticket came from), then its followers (on every chat they use)."""
    people: list[tuple[str, str, str | None]] = []
    if ticket.contact_id:
        people.append((ticket.contact_id, await client_lang(uow, ticket), ticket.source_channel))
    for contact_id in await uow.tickets.followers(ticket.id):
        contact = await uow.directory.get_contact(contact_id)
        if contact is not None and contact_id != ticket.contact_id and contact.client_id == ticket.client_id:
            people.append((contact_id, contact.lang, None))
    return people


async def to_client(uow: UnitOfWork, out: Outgoing, ticket: Ticket, message: str, **values: object) -> None:
    """`message` (English, marked with `N_`) to everyone on the client's side, each in their language."""
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        await out.to_person(
            uow, contact_id, Bot.CLIENT, say(lang, message, **values), prefer_channel=prefer, lang=lang
        )


async def to_staff(uow: UnitOfWork, out: Outgoing, staff_id: str, message: str, **values: object) -> None:
    """`message` (English, marked with `N_`) to one staff member on the staff bot, in their language."""
    member = await uow.directory.get_staff(staff_id)
    if member is not None:
        await out.to_person(uow, member.id, Bot.STAFF, say(member.lang, message, **values), lang=member.lang)


async def client_lang(uow: UnitOfWork, ticket: Ticket) -> str:
    """The language of the ticket's contact (Russian when it has none)."""
    contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
    return contact.lang if contact else "ru"


async def staff_name(uow: UnitOfWork, staff_id: str) -> str:
    """A staff member's name (\"-\" when unknown)."""
    member = await uow.directory.get_staff(staff_id)
    return member.name if member else "-"
