"""Changing a client's contact: the mail address mail from them is matched by (`docs/email.md`) and their scope
in the client portal (the client's manager sees every site; others their own site's tickets)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.events import ContactChanged, MailNotificationsChanged
from ticket_core.model import Actor, Contact
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import require_utc

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MAX_EMAIL = 254


def clean_email(value: str | None) -> str | None:
    """A mail address lower-cased, None for an empty one; ValidationFailed for one that is not an address."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if len(text) > MAX_EMAIL or not EMAIL.match(text):
        raise ValidationFailed(
            "'{address}' is not a mail address; write it as name@company.ru.", address=text[:60]
        )
    return text


async def update_contact_access(
    uow: UnitOfWork,
    actor: Actor,
    contact_id: str,
    now: datetime,
    *,
    email: str | None,
    manager: bool,
    site_id: str | None,
) -> Contact:
    """Set a contact's mail address, whether they are the client's manager, and their own site; audited.

    Raises:
        Forbidden: the actor is not a supervisor or an admin.
        NotFound: no such contact.
        ValidationFailed: not a mail address, another contact's address, or a site of another client.
    """
    require_utc(now)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only supervisors and admins change a client's contacts.")
    contact = await uow.directory.get_contact(contact_id)
    if contact is None:
        raise NotFound("No contact '{contact_id}'; pick one from the client's page.", contact_id=contact_id)
    address = clean_email(email)
    if address is not None and address != contact.email:
        other = await uow.directory.find_contact_by_email(address)
        if other is not None and other.id != contact.id:
            raise ValidationFailed(
                "{address} is already {name}'s address; each contact needs their own.",
                address=address,
                name=other.name,
            )
    site = site_id or None
    if site is not None:
        found = await uow.directory.get_site(site)
        if found is None or found.client_id != contact.client_id:
            raise ValidationFailed("That site is not one of this client's; choose one of the client's sites.")
    changes: dict[str, dict[str, Any]] = {}
    for name, before, after in (
        ("email", contact.email, address),
        ("manager", contact.manager, bool(manager)),
        ("site_id", contact.site_id, site),
    ):
        if before != after:
            changes[name] = {"before": before, "after": after}
    if not changes:
        return contact
    contact.email, contact.manager, contact.site_id = address, bool(manager), site
    await uow.directory.update_contact(contact)
    uow.record(ContactChanged(ticket_id=None, actor=actor, at=now, contact_id=contact.id, changes=changes))
    return contact


MAIL_CHANNEL = "email"
CLIENT_BOT = "client"


async def set_mail_notifications(
    uow: UnitOfWork, actor: Actor, address: str, now: datetime, *, on: bool, via: str
) -> bool:
    """Stop (unsubscribe) or restart notifications by mail to one of the actor's own addresses; audited.

    Only the contact who writes from the address does this (a signed unsubscribe link stands for them, the
    portal is signed in as them). Answers to their own mails and portal sign-in links still go to a muted
    address; status changes, messages and rating requests do not. Returns whether anything changed.

    Raises:
        Forbidden: the actor is not a client's contact.
        NotFound: the address is not one the actor writes from.
    """
    require_utc(now)
    if actor.role is not Role.CLIENT:
        raise Forbidden("Only the person who gets the mails turns them off or on.")
    text = (address or "").strip().lower()
    account = await uow.accounts.find(MAIL_CHANNEL, CLIENT_BOT, text)
    if account is None or account.person_id != actor.id:
        raise NotFound("We send no mail to {address} of yours.", address=text[:80])
    if account.muted == (not on):
        return False
    await uow.accounts.set_muted(MAIL_CHANNEL, CLIENT_BOT, text, not on)
    uow.record(
        MailNotificationsChanged(
            ticket_id=None, actor=actor, at=now, contact_id=actor.id, address=text, on=on, via=via
        )
    )
    return True
