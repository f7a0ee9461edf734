"""`SqlAccountRepository`: chat accounts linked to contacts and staff."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage import driver_sql
from storage.repositories._sql import dialect_insert, statement
from storage.tables import channel_accounts, contacts
from ticket_core.enums import PersonKind
from ticket_core.model import ChannelAccount, Contact

_FIND = select(channel_accounts).where(
    channel_accounts.c.channel == bindparam("channel"),
    channel_accounts.c.bot == bindparam("bot"),
    channel_accounts.c.account_id == bindparam("account_id"),
)  # built once: every inbound message looks its sender up
_FIND_WITH_CONTACT = _FIND.add_columns(*(c.label(f"contact_{c.name}") for c in contacts.c)).outerjoin_from(
    channel_accounts, contacts, contacts.c.id == channel_accounts.c.person_id
)


def _link(dialect: str) -> Executable:
    """Create or replace the link of (channel, bot, account_id): built once per dialect (`statement`), as every
    new chat links its sender."""
    stmt = dialect_insert(dialect, channel_accounts)
    return stmt.on_conflict_do_update(
        index_elements=["channel", "bot", "account_id"],
        set_={name: stmt.excluded[name] for name in ("person_kind", "person_id", "chat_id")},
    )


def _account(row: RowMapping) -> ChannelAccount:
    return ChannelAccount(
        row["channel"],
        row["bot"],
        row["account_id"],
        PersonKind(row["person_kind"]),
        row["person_id"],
        row["chat_id"],
        bool(row["muted"]),
    )


class SqlAccountRepository:
    """Channel accounts in SQL; implements `ticket_core.ports.AccountRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, channel: str, bot: str, account_id: str) -> ChannelAccount | None:
        """Return the link of one platform account, if any."""
        params = {"channel": channel, "bot": bot, "account_id": account_id}
        row = (await self.session.execute(_FIND, params)).mappings().first()
        return _account(row) if row else None

    async def find_with_contact(
        self, channel: str, bot: str, account_id: str
    ) -> tuple[ChannelAccount | None, Contact | None]:
        """The link of one platform account and the contact it names, if that exists, in one query."""
        params = {"channel": channel, "bot": bot, "account_id": account_id}
        found = await driver_sql.fetch(self.session, _FIND_WITH_CONTACT, params)
        if not found:
            return None, None
        row = found[0]
        contact = (
            Contact(
                row["contact_id"],
                row["contact_client_id"],
                row["contact_name"],
                row["contact_phone"],
                row["contact_lang"],
                row["contact_created_at"],
                row["contact_email"],
            )
            if row["contact_id"] is not None
            else None
        )
        return _account(row), contact

    async def link(self, account: ChannelAccount) -> None:
        """Create or replace the link for (channel, bot, account_id) in one statement."""
        await self.session.execute(
            statement(self.session, _link),
            {
                "channel": account.channel,
                "bot": account.bot,
                "account_id": account.account_id,
                "person_kind": str(account.person_kind),
                "person_id": account.person_id,
                "chat_id": account.chat_id,
            },
        )

    async def set_muted(self, channel: str, bot: str, account_id: str, muted: bool) -> None:
        """Turn notifications to one account off or on again (`link` leaves the flag as it is)."""
        c = channel_accounts.c
        await self.session.execute(
            update(channel_accounts)
            .where(c.channel == channel, c.bot == bot, c.account_id == account_id)
            .values(muted=muted)
        )

    async def list_for_person(self, person_id: str, bot: str | None = None) -> list[ChannelAccount]:
        """Accounts of one contact or staff member, optionally on one bot, oldest link first."""
        stmt = select(channel_accounts).where(channel_accounts.c.person_id == person_id)
        if bot is not None:
            stmt = stmt.where(channel_accounts.c.bot == bot)
        stmt = stmt.order_by(channel_accounts.c.id)
        return [_account(row) for row in (await self.session.execute(stmt)).mappings()]
