"""Comments on tickets: public ones reach the client, internal ones stay with the staff."""

from __future__ import annotations

import uuid
from datetime import datetime

from ticket_core.enums import OPEN_STATUSES, Role, Visibility
from ticket_core.errors import Forbidden, InvalidTransition
from ticket_core.events import CommentAdded, PersonAsked, TicketFollowed
from ticket_core.model import Actor, Attachment, Comment, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import clean_text, ensure_may_see, load_ticket, require_utc, save

MAX_COMMENT = 4000


async def add_comment(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    text: str,
    visibility: Visibility = Visibility.PUBLIC,
    attachments: tuple[Attachment, ...] = (),
) -> Comment:
    """Add a comment. Clients write public comments only, on their own tickets.

    The system (timers, monitoring sent as `Actor.system()`) writes internal notes only: what a machine
    observed ("Monitoring: recovered") belongs in the staff's log, while the client hears from people, or
    from the notifications the ticket's events send, never a comment in nobody's name.
    """
    require_utc(now)
    body = clean_text(text, field="comment", max_len=MAX_COMMENT, required=not attachments) or ""
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if actor.role is Role.CLIENT and visibility is Visibility.INTERNAL:
        raise Forbidden("Clients cannot write internal notes.")
    if actor.role is Role.SYSTEM and visibility is not Visibility.INTERNAL:
        raise Forbidden("The system writes internal notes only; a message to the client comes from a person.")
    comment = Comment(
        str(uuid.uuid4()), ticket.id, actor, body, Visibility(visibility), now, tuple(attachments)
    )
    await uow.comments.add(comment)
    if actor.role is Role.CLIENT and actor.id != ticket.contact_id:
        # A colleague who writes on a ticket hears its news from then on, in the chats (or mail) they use.
        await _follow(uow, actor, ticket, now, following=True)
    if actor.is_staff and visibility is Visibility.PUBLIC and ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.updated_at = now
        await save(uow, ticket)
    uow.record(
        CommentAdded(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            comment_id=comment.id,
            visibility=str(visibility),
            text=body,
        )
    )
    return comment


async def follow_ticket(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, *, following: bool = True
) -> bool:
    """A contact of the ticket's client starts (or stops) hearing about it as its own contact does: status
    changes, the engineer's messages, the rating request, each colleague's messages. True when it changed.

    Raises:
        Forbidden: the actor is not a client's contact.
        NotFound: the ticket is not one the contact may see (the same words as a missing one).
    """
    require_utc(now)
    if actor.role is not Role.CLIENT:
        raise Forbidden("Only the client's contacts follow a ticket.")
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if actor.id == ticket.contact_id:
        return False  # its own contact hears everything already
    return await _follow(uow, actor, ticket, now, following=following)


async def _follow(uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime, *, following: bool) -> bool:
    if following:
        changed = await uow.tickets.add_follower(ticket.id, actor.id, now)
    else:
        changed = await uow.tickets.remove_follower(ticket.id, actor.id)
    if changed:
        uow.record(
            TicketFollowed(ticket_id=ticket.id, actor=actor, at=now, contact_id=actor.id, following=following)
        )
    return changed


async def ask_for_person(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """The client wants to talk to a person about their open ticket: recorded, so its engineer (or, while
    nobody has it, the supervisors) is told and the audit log shows when.

    Raises:
        Forbidden: the actor is not the ticket's client.
        InvalidTransition: the ticket is closed or cancelled (nobody is working on it to talk to).
    """
    require_utc(now)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if actor.role is not Role.CLIENT:
        raise Forbidden("Only the ticket's client asks to talk to a person about it.")
    if ticket.status not in OPEN_STATUSES:
        raise InvalidTransition(
            "Ticket {ref} is {status}; nobody works on it now.",
            ref=ticket.ref,
            status=ticket.status,
        )
    uow.record(PersonAsked(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def add_team_note(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    text: str,
    attachments: tuple[Attachment, ...] = (),
) -> Comment:
    """Add an internal note from the staff's shared thread of a ticket (its topic in the staff group).

    Every staff member sees that thread, so any of them may note on it, not only the job's engineer;
    messages for the client still go through `add_comment`, which keeps its own rules.
    """
    require_utc(now)
    if not actor.is_staff:
        raise Forbidden("Only staff members write notes in a ticket's staff thread.")
    body = clean_text(text, field="note", max_len=MAX_COMMENT, required=not attachments) or ""
    ticket = await load_ticket(uow, ticket_id)
    comment = Comment(str(uuid.uuid4()), ticket.id, actor, body, Visibility.INTERNAL, now, tuple(attachments))
    await uow.comments.add(comment)
    uow.record(
        CommentAdded(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            comment_id=comment.id,
            visibility=str(Visibility.INTERNAL),
            text=body,
        )
    )
    return comment
