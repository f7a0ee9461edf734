"""Messages to people about a public comment on a ticket: the client's reaches the engineer (or the
supervisors) and the client's other people; a staff member's reaches the client's side."""

from __future__ import annotations

from dialogue.cards import client_photos
from dialogue.i18n import N_, say
from dialogue.messages import Bot, Media
from dialogue.outgoing import Outgoing
from dialogue.payloads import JobStep
from dialogue.recipients import client_recipients, to_client
from ticket_core import events as ev
from ticket_core.enums import Role
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork


async def comment(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.CommentAdded) -> None:
    if event.actor.role is Role.CLIENT:
        # To the engineer on the job, or to the supervisors while nobody has it.
        targets = (
            [ticket.assignee_id]
            if ticket.assignee_id
            else [s.id for s in await uow.directory.list_staff(Role.SUPERVISOR)]
        )
        for staff_id in targets:
            member = await uow.directory.get_staff(staff_id) if staff_id else None
            if member is None:
                continue
            lang = member.lang
            await out.to_person(
                uow,
                member.id,
                Bot.STAFF,
                say(lang, "The client on {ref}:\n{text}", ref=ticket.ref, text=event.text or "📎"),
                [[(say(lang, "Reply to the client"), JobStep("m", ticket.number).encode())]],
                lang=lang,
                media=await _photos(uow, ticket, event.comment_id),
            )
        # The client's other people on the ticket (its contact, its followers) read what a colleague wrote.
        for contact_id, lang, prefer in await client_recipients(uow, ticket):
            if contact_id == event.actor.id:
                continue
            await out.to_person(
                uow,
                contact_id,
                Bot.CLIENT,
                say(
                    lang,
                    "{name} on {ref}:\n{text}",
                    ref=ticket.ref,
                    name=event.actor.name or "-",
                    text=event.text or "📎",
                ),
                prefer_channel=prefer,
                lang=lang,
            )
    elif event.actor.is_staff:
        # Integrations act as supervisors with ids like "api:crm" and have no staff record.
        member = await uow.directory.get_staff(event.actor.id)
        name = member.name if member else (event.actor.name or event.actor.id)
        await to_client(
            uow,
            out,
            ticket,
            N_("Message on {ref} from {name}:\n{text}"),
            ref=ticket.ref,
            name=name,
            text=event.text,
        )


async def _photos(uow: UnitOfWork, ticket: Ticket, comment_id: str) -> tuple[Media, ...]:
    """The photos a client sent with a message on their ticket, for the engineer to see."""
    for comment in await uow.comments.list_for_ticket(ticket.id, False):
        if comment.id == comment_id:
            return client_photos(comment.attachments)
    return ()
