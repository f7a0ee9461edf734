"""Importing a client's contacts from CSV (`ticket_core.contacts_csv`): all of the file, or nothing.

A line is matched to a person the directory already knows by mail address or phone, whichever channel they
came by (as `dialogue.identity` matches a WhatsApp number or a mail sender), so an import never makes a second
contact for one person: a known contact of this client is updated; one the bot registered as a private client
(someone who wrote before their company listed them) moves to this client, keeping their chats; a contact of
another company is a bad line. When any line is bad, nothing changes and every bad line is named.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ticket_core import contacts_csv
from ticket_core.contacts_csv import ContactLineError, ContactRow
from ticket_core.enums import Role
from ticket_core.errors import DomainError, Forbidden, NotFound, ValidationFailed, ValueRefused
from ticket_core.events import ContactsImported
from ticket_core.model import Actor, Client, Contact, Site
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import require_utc

IMPORTERS = (Role.ADMIN, Role.SUPERVISOR, Role.SYSTEM)
INDIVIDUAL = "individual"  # a private client, as the bot registers a person it does not know
MAX_IDS_AUDITED = 1000


class ContactImportRejected(ValidationFailed):
    """A file with bad lines: nothing was imported; `errors` names every bad line, in line order."""

    code = "import_rejected"

    def __init__(self, errors: Sequence[ContactLineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__(
            "Nothing was imported: {n} bad line(s). Fix them and import the file again.", n=len(self.errors)
        )


@dataclass(frozen=True, slots=True)
class ContactImportResult:
    """What an import did: contacts created, updated (of this client) and moved here from a private client."""

    created: int
    updated: int
    adopted: int


@dataclass(slots=True)
class _Planned:
    row: ContactRow
    old: Contact | None
    site_id: str | None


async def import_contacts(
    uow: UnitOfWork, actor: Actor, client_id: str, text: str, now: datetime
) -> ContactImportResult:
    """Import a CSV file of one client's contacts: every line, or (when any line is bad) none; audited.

    Raises:
        Forbidden: the actor is not a supervisor, an admin or the system.
        NotFound: no such client.
        ContactImportRejected: the file has bad lines; every one is named by its number.
    """
    require_utc(now)
    if actor.role not in IMPORTERS:
        raise Forbidden("Only supervisors and admins import a client's contacts.")
    client = await uow.directory.get_client(client_id)
    if client is None:
        raise NotFound("No client '{client_id}'; pick one from the clients list.", client_id=client_id)
    rows, errors = contacts_csv.parse(text)
    if not rows and not errors:
        raise ContactImportRejected([ContactLineError(2, (ValueRefused("The file has no contacts."),))])
    planned = await _check(uow, client_id, rows, errors)
    if errors:
        raise ContactImportRejected(errors)
    created: list[str] = []
    updated: list[str] = []
    adopted: list[str] = []
    for plan in planned:
        row, old = plan.row, plan.old
        if old is None:
            contact = Contact(
                f"ct-{uuid.uuid4().hex[:12]}",
                client_id,
                row.name,
                row.phone,
                row.lang or "ru",
                now,
                row.email,
                bool(row.manager),
                plan.site_id,
            )
            await uow.directory.add_contact(contact)
            created.append(contact.id)
            continue
        before = (old.client_id, old.name, old.email, old.phone, old.lang, old.manager, old.site_id)
        if old.client_id != client_id:
            adopted.append(old.id)
            old.client_id = client_id
            old.site_id = None  # a private client's site is not one of this client's
        old.name = row.name
        old.email = row.email or old.email
        old.phone = row.phone or old.phone
        old.lang = row.lang or old.lang
        old.manager = old.manager if row.manager is None else row.manager
        old.site_id = plan.site_id or old.site_id
        if (old.client_id, old.name, old.email, old.phone, old.lang, old.manager, old.site_id) != before:
            await uow.directory.update_contact(old)
            updated.append(old.id)
    uow.record(
        ContactsImported(
            ticket_id=None,
            actor=actor,
            at=now,
            client_id=client_id,
            created=len(created),
            updated=len(updated),
            contact_ids=(created + updated)[:MAX_IDS_AUDITED],
            adopted=adopted[:MAX_IDS_AUDITED],
        )
    )
    return ContactImportResult(created=len(created), updated=len(updated), adopted=len(adopted))


async def _check(
    uow: UnitOfWork, client_id: str, rows: list[ContactRow], errors: list[ContactLineError]
) -> list[_Planned]:
    """What each row refers to (a site, a known person); every bad row adds its `ContactLineError`."""
    sites = await uow.directory.list_sites(client_id)
    planned: list[_Planned] = []
    seen_email: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    seen_contact: dict[str, int] = {}
    others: dict[str, Client | None] = {}  # the other clients of the contacts found
    for row in rows:
        problems: list[ValueRefused | DomainError] = []
        site_id, site_problem = _site(sites, row.site)
        if site_problem is not None:
            problems.append(site_problem)
        if row.email is not None:
            if row.email in seen_email:
                problems.append(
                    ValueRefused(
                        "{value} is also on line {line}.", value=row.email, line=seen_email[row.email]
                    )
                )
            seen_email.setdefault(row.email, row.line)
        if row.phone is not None:
            if row.phone in seen_phone:
                problems.append(
                    ValueRefused(
                        "{value} is also on line {line}.", value=row.phone, line=seen_phone[row.phone]
                    )
                )
            seen_phone.setdefault(row.phone, row.line)
        repeats = {p.params["line"] for p in problems if p.template == "{value} is also on line {line}."}
        by_email = await uow.directory.find_contact_by_email(row.email) if row.email else None
        by_phone = await uow.directory.find_contact_by_phone(row.phone) if row.phone else None
        old = by_email or by_phone
        if by_email is not None and by_phone is not None and by_email.id != by_phone.id:
            problems.append(
                ValueRefused(
                    "{address} is {name}'s and {phone} is {other}'s: two different people. "
                    "Give one person's address and phone on a line.",
                    address=row.email,
                    name=by_email.name,
                    phone=row.phone,
                    other=by_phone.name,
                )
            )
        elif old is not None:
            if old.id in seen_contact and seen_contact[old.id] not in repeats:  # else said already
                problems.append(
                    ValueRefused(
                        "This is {name}, as on line {line}.", name=old.name, line=seen_contact[old.id]
                    )
                )
            seen_contact.setdefault(old.id, row.line)
            if old.client_id != client_id:
                if old.client_id not in others:
                    others[old.client_id] = await uow.directory.get_client(old.client_id)
                other_client = others[old.client_id]
                if other_client is None or other_client.kind != INDIVIDUAL:
                    problems.append(
                        ValueRefused(
                            "{value} is already {name}'s, a contact of {client}; a person is the contact "
                            "of one client.",
                            value=row.email if by_email is not None else row.phone,
                            name=old.name,
                            client=other_client.name if other_client else old.client_id,
                        )
                    )
        if problems:
            errors.append(ContactLineError(row.line, tuple(problems)))
        else:
            planned.append(_Planned(row, old, site_id))
    return planned


def _site(sites: list[Site], typed: str | None) -> tuple[str | None, ValueRefused | None]:
    """The site a cell names (its id, or its name in any case), or the problem with it."""
    if typed is None:
        return None, None
    for site in sites:
        if site.id == typed:
            return site.id, None
    named = [s for s in sites if s.name.casefold() == typed.casefold()]
    if len(named) == 1:
        return named[0].id, None
    if named:
        return None, ValueRefused(
            "Several of the client's sites are called '{site}'; write the site's id ({ids}).",
            site=typed,
            ids=", ".join(s.id for s in named),
        )
    if not sites:
        return None, ValueRefused(
            "'{site}': the client has no sites yet; leave the cell empty.", site=typed[:60]
        )
    return None, ValueRefused(
        "'{site}' is not one of the client's sites ({known}).",
        site=typed[:60],
        known=", ".join(s.name for s in sites[:10]),
    )
