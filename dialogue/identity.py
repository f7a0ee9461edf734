"""Who is writing: the chat account resolved to a contact (client bot) or a staff member (staff bot).

A client is one contact across channels: a WhatsApp id is a phone number, and a Telegram user who shares
their own number joins the contact already known by it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dialogue.messages import Bot, Channel, Inbound
from dialogue.texts import norm_lang
from ticket_core.enums import PersonKind, Role
from ticket_core.model import Actor, ChannelAccount, Client, Contact, StaffMember
from ticket_core.phones import to_e164
from ticket_core.ports import UnitOfWork

MAX_NAME = 120


@dataclass(slots=True)
class ClientPerson:
    """A contact writing to the client bot."""

    contact: Contact
    actor: Actor


@dataclass(slots=True)
class StaffPerson:
    """A staff member writing to the staff bot."""

    member: StaffMember
    actor: Actor


GENERIC_NAMES = frozenset({"Клиент", "Client"})
"""The name a private person is registered under when the platform gives none (a web visitor)."""


def _name(inbound: Inbound) -> str:
    name = " ".join((inbound.sender_name or "").split())[:MAX_NAME]
    return name or ("Клиент" if norm_lang(inbound.lang) == "ru" else "Client")


def _client_person(contact: Contact) -> ClientPerson:
    return ClientPerson(
        contact, Actor(Role.CLIENT, contact.id, client_id=contact.client_id, name=contact.name)
    )


async def _link(uow: UnitOfWork, inbound: Inbound, bot: Bot, kind: PersonKind, person_id: str) -> None:
    await uow.accounts.link(
        ChannelAccount(str(inbound.channel), str(bot), inbound.sender_id, kind, person_id, inbound.chat_id)
    )


async def resolve_client(uow: UnitOfWork, inbound: Inbound, now: datetime) -> ClientPerson:
    """Find the contact behind a client chat, registering a new private client the first time."""
    account, contact = await uow.accounts.find_with_contact(
        str(inbound.channel), str(Bot.CLIENT), inbound.sender_id
    )
    if contact is not None:
        if account is not None and account.chat_id != inbound.chat_id:
            await _link(uow, inbound, Bot.CLIENT, PersonKind.CONTACT, contact.id)
        return _client_person(contact)
    phone = to_e164(inbound.sender_id) if inbound.channel is Channel.WHATSAPP else None
    email = inbound.sender_id.lower() if inbound.channel is Channel.EMAIL else None
    if phone is not None:
        # A WhatsApp id is the phone number: the person may be known from Telegram or the directory.
        contact = await uow.directory.find_contact_by_phone(phone)
    elif email is not None:
        # A mail address, as a phone: the contact the directory (or another channel) knows by it.
        contact = await uow.directory.find_contact_by_email(email)
    if contact is None:
        client = Client(f"ind-{uuid.uuid4().hex[:12]}", _name(inbound), "individual", now)
        await uow.directory.add_client(client)
        contact = Contact(
            f"ct-{uuid.uuid4().hex[:12]}", client.id, client.name, phone, norm_lang(inbound.lang), now, email
        )
        await uow.directory.add_contact(contact)
    await _link(uow, inbound, Bot.CLIENT, PersonKind.CONTACT, contact.id)
    return _client_person(contact)


async def share_phone(
    uow: UnitOfWork, inbound: Inbound, person: ClientPerson
) -> tuple[ClientPerson, bool] | None:
    """Take the sender's own shared phone number: join the contact known by it, or record it.

    Returns the (possibly other) person and whether the chat joined an existing contact, or None when the
    shared contact is not provably the sender's own number (a forwarded contact proves nothing).
    """
    shared = inbound.contact
    if shared is None or shared.user_id is None or shared.user_id != inbound.sender_id:
        return None
    phone = to_e164(shared.phone)
    if phone is None:
        return None
    known = await uow.directory.find_contact_by_phone(phone)
    if known is not None and known.id != person.contact.id:
        await _link(uow, inbound, Bot.CLIENT, PersonKind.CONTACT, known.id)
        return _client_person(known), True
    person.contact.phone = phone
    await uow.directory.update_contact(person.contact)
    return person, False


async def record_details(uow: UnitOfWork, person: ClientPerson, name: str | None, phone: str) -> None:
    """What a private person typed when asked who they are: their name, and their phone unless another contact
    has it (a typed number proves nothing: it must not give anyone else's requests to this chat)."""
    contact = person.contact
    if name and contact.name in GENERIC_NAMES:
        contact.name = name[:MAX_NAME]
    if not contact.phone:
        known = await uow.directory.find_contact_by_phone(phone)
        if known is None or known.id == contact.id:
            contact.phone = phone
    await uow.directory.update_contact(contact)


async def _staff_account(uow: UnitOfWork, inbound: Inbound) -> tuple[ChannelAccount, StaffMember] | None:
    """The chat account and the staff member it is linked to, or None when it is not linked."""
    account = await uow.accounts.find(str(inbound.channel), str(Bot.STAFF), inbound.sender_id)
    if account is None:
        return None
    member = await uow.directory.get_staff(account.person_id)
    return None if member is None else (account, member)


def _staff_person(member: StaffMember) -> StaffPerson:
    return StaffPerson(member, Actor(member.role, member.id, name=member.name))


async def find_staff(uow: UnitOfWork, inbound: Inbound) -> StaffPerson | None:
    """The staff member behind a staff chat, or None when the account is not linked yet (reads only)."""
    found = await _staff_account(uow, inbound)
    return None if found is None else _staff_person(found[1])


async def resolve_staff(uow: UnitOfWork, inbound: Inbound) -> StaffPerson | None:
    """Find the staff member behind a staff chat, or None when the account is not linked yet."""
    found = await _staff_account(uow, inbound)
    if found is None:
        return None
    account, member = found
    if account.chat_id != inbound.chat_id and inbound.chat_id == inbound.sender_id:
        # Keep the private chat as the delivery target; group chats do not replace it.
        await _link(uow, inbound, Bot.STAFF, PersonKind.STAFF, member.id)
    return _staff_person(member)


async def link_staff(uow: UnitOfWork, inbound: Inbound, code: str) -> StaffPerson | None:
    """Link a staff chat account to the staff member whose join code it sent."""
    code = code.strip()
    if not code or len(code) > 64:
        return None
    member = await uow.directory.find_staff_by_join_code(code)
    if member is None:
        return None
    await _link(uow, inbound, Bot.STAFF, PersonKind.STAFF, member.id)
    return _staff_person(member)
