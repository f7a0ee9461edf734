"""Who is writing: the chat account resolved to a contact (client bot) or a staff member (staff bot)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from dialogue.messages import Bot, Inbound
from dialogue.texts import norm_lang
from ticket_core.enums import PersonKind, Role
from ticket_core.model import Actor, ChannelAccount, Client, Contact, StaffMember
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


def _name(inbound: Inbound) -> str:
    name = " ".join((inbound.sender_name or "").split())[:MAX_NAME]
    return name or ("Клиент" if norm_lang(inbound.lang) == "ru" else "Client")


async def resolve_client(uow: UnitOfWork, inbound: Inbound, now: datetime) -> ClientPerson:
    """Find the contact behind a client chat, registering a new private client the first time."""
    account = await uow.accounts.find(str(inbound.channel), str(Bot.CLIENT), inbound.sender_id)
    contact = await uow.directory.get_contact(account.person_id) if account else None
    if contact is None:
        client = Client(
            id=f"ind-{uuid.uuid4().hex[:12]}", name=_name(inbound), kind="individual", created_at=now
        )
        await uow.directory.add_client(client)
        contact = Contact(
            id=f"ct-{uuid.uuid4().hex[:12]}",
            client_id=client.id,
            name=client.name,
            lang=norm_lang(inbound.lang),
            created_at=now,
        )
        await uow.directory.add_contact(contact)
        await uow.accounts.link(
            ChannelAccount(
                str(inbound.channel),
                str(Bot.CLIENT),
                inbound.sender_id,
                PersonKind.CONTACT,
                contact.id,
                inbound.chat_id,
            )
        )
    elif account is not None and account.chat_id != inbound.chat_id:
        await uow.accounts.link(
            ChannelAccount(
                account.channel,
                account.bot,
                account.account_id,
                account.person_kind,
                account.person_id,
                inbound.chat_id,
            )
        )
    return ClientPerson(
        contact, Actor(Role.CLIENT, contact.id, client_id=contact.client_id, name=contact.name)
    )


async def resolve_staff(uow: UnitOfWork, inbound: Inbound) -> StaffPerson | None:
    """Find the staff member behind a staff chat, or None when the account is not linked yet."""
    account = await uow.accounts.find(str(inbound.channel), str(Bot.STAFF), inbound.sender_id)
    if account is None:
        return None
    member = await uow.directory.get_staff(account.person_id)
    if member is None:
        return None
    if account.chat_id != inbound.chat_id and inbound.chat_id == inbound.sender_id:
        # Keep the private chat as the delivery target; group chats do not replace it.
        await uow.accounts.link(
            ChannelAccount(
                account.channel,
                account.bot,
                account.account_id,
                account.person_kind,
                account.person_id,
                inbound.chat_id,
            )
        )
    return StaffPerson(member, Actor(member.role, member.id, name=member.name))


async def link_staff(uow: UnitOfWork, inbound: Inbound, code: str) -> StaffPerson | None:
    """Link a staff chat account to the staff member whose join code it sent."""
    code = code.strip()
    if not code or len(code) > 64:
        return None
    member = await uow.directory.find_staff_by_join_code(code)
    if member is None:
        return None
    await uow.accounts.link(
        ChannelAccount(
            str(inbound.channel),
            str(Bot.STAFF),
            inbound.sender_id,
            PersonKind.STAFF,
            member.id,
            inbound.chat_id,
        )
    )
    return StaffPerson(member, Actor(member.role, member.id, name=member.name))
