"""Billing warnings in the staff chat: a prepaid package 80 % used or used up reaches every supervisor and the
client's account manager, in their language."""

from __future__ import annotations

from datetime import datetime

from dialogue.cards import client_name
from dialogue.i18n import N_, say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from ticket_core.billing.events import PackageThreshold
from ticket_core.enums import Role
from ticket_core.events import DomainEvent
from ticket_core.model import StaffMember, Ticket
from ticket_core.ports import UnitOfWork


async def staff_to_tell(uow: UnitOfWork, client_id: str) -> list[StaffMember]:
    """Who hears about a client's money: every supervisor and the client's account manager, once each."""
    people = {s.id: s for s in await uow.directory.list_staff(Role.SUPERVISOR)}
    terms = await uow.billing.terms_for_client(client_id) if uow.billing else None
    if terms is not None and terms.account_manager_id and terms.account_manager_id not in people:
        manager = await uow.directory.get_staff(terms.account_manager_id)
        if manager is not None:
            people[manager.id] = manager
    return list(people.values())


def handles(event: DomainEvent) -> bool:
    """Tell whether an event is a billing warning this module sends."""
    return isinstance(event, PackageThreshold)


async def notify(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: DomainEvent, now: datetime) -> None:
    """Send the warning to the supervisors and the account manager (once each)."""
    if not isinstance(event, PackageThreshold):
        return
    client = await client_name(uow, ticket)
    message = (
        N_(
            "📦 {client}: the prepaid package is used up ({ref}). Further work is billable until a new one is bought."
        )
        if event.share >= 100
        else N_("📦 {client}: the prepaid package is 80 % used ({ref}); {left} h of {hours} left.")
    )
    for member in await staff_to_tell(uow, ticket.client_id):
        text = say(
            member.lang, message, client=client, ref=ticket.ref, left=event.left_hours, hours=event.hours
        )
        await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
