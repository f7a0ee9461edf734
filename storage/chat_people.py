"""Who is behind a chat account: a read model for the admin's lists of messages (dead letters, undelivered).

The same link the dialogue uses (`channel_accounts`: channel, bot, platform account id -> contact or staff
member), for many accounts at once, with the contact's client or the staff member's role, in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import channel_accounts, clients, contacts, staff
from ticket_core.enums import PersonKind

AccountKey = tuple[str, str, str]
"""(channel, bot, platform account id), e.g. ("telegram", "client", "123456789")."""

_CHUNK = 500  # ids per IN list: far below every driver's bound-parameter limit


@dataclass(frozen=True, slots=True)
class ChatPerson:
    """The person a chat account is linked to.

    Attributes:
        kind: a client's contact or a staff member.
        person_id: the contact's or staff member's id.
        name: their name as the directory has it.
        detail: the contact's client name, or the staff member's role.
    """

    kind: PersonKind
    person_id: str
    name: str
    detail: str | None


async def people_of_accounts(
    session: AsyncSession, keys: Iterable[AccountKey]
) -> dict[AccountKey, ChatPerson]:
    """The person behind each known account of `keys`; accounts linked to nobody (or to a deleted person) are left out."""
    wanted = set(keys)
    found: dict[AccountKey, ChatPerson] = {}
    ids = sorted({account_id for _, _, account_id in wanted})
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(
                channel_accounts.c.channel,
                channel_accounts.c.bot,
                channel_accounts.c.account_id,
                channel_accounts.c.person_kind,
                channel_accounts.c.person_id,
                contacts.c.name.label("contact_name"),
                clients.c.name.label("client_name"),
                staff.c.name.label("staff_name"),
                staff.c.role.label("staff_role"),
            )
            .select_from(channel_accounts)
            .outerjoin(
                contacts,
                and_(
                    channel_accounts.c.person_kind == PersonKind.CONTACT.value,
                    contacts.c.id == channel_accounts.c.person_id,
                ),
            )
            .outerjoin(clients, clients.c.id == contacts.c.client_id)
            .outerjoin(
                staff,
                and_(
                    channel_accounts.c.person_kind == PersonKind.STAFF.value,
                    staff.c.id == channel_accounts.c.person_id,
                ),
            )
            .where(channel_accounts.c.account_id.in_(ids[start : start + _CHUNK]))
        )
        for row in (await session.execute(query)).mappings():
            key = (row["channel"], row["bot"], row["account_id"])
            if key not in wanted:
                continue  # the same account id on another channel or bot is someone else
            if row["person_kind"] == PersonKind.STAFF.value and row["staff_name"] is not None:
                found[key] = ChatPerson(
                    PersonKind.STAFF, row["person_id"], row["staff_name"], row["staff_role"]
                )
            elif row["person_kind"] == PersonKind.CONTACT.value and row["contact_name"] is not None:
                found[key] = ChatPerson(
                    PersonKind.CONTACT, row["person_id"], row["contact_name"], row["client_name"]
                )
    return found
