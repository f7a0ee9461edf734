"""`SqlAccountRepository`: chat accounts linked to contacts and staff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories._sql import upsert_insert
from storage.tables import channel_accounts
from ticket_core.enums import PersonKind
from ticket_core.model import ChannelAccount


def _account(row: RowMapping) -> ChannelAccount:
    return ChannelAccount(
        row["channel"],
        row["bot"],
        row["account_id"],
        PersonKind(row["person_kind"]),
        row["person_id"],
        row["chat_id"],
    )


class SqlAccountRepository:
    """Channel accounts in SQL; implements `ticket_core.ports.AccountRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, channel: str, bot: str, account_id: str) -> ChannelAccount | None:
        """Return the link of one platform account, if any."""
        c = channel_accounts.c
        stmt = select(channel_accounts).where(c.channel == channel, c.bot == bot, c.account_id == account_id)
        row = (await self.session.execute(stmt)).mappings().first()
        return _account(row) if row else None

    async def link(self, account: ChannelAccount) -> None:
        """Create or replace the link for (channel, bot, account_id) in one statement."""
        linked = {
            "person_kind": str(account.person_kind),
            "person_id": account.person_id,
            "chat_id": account.chat_id,
        }
        stmt = upsert_insert(self.session, channel_accounts).values(
            channel=account.channel, bot=account.bot, account_id=account.account_id, **linked
        )
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["channel", "bot", "account_id"], set_=linked)
        )

    async def list_for_person(self, person_id: str, bot: str | None = None) -> list[ChannelAccount]:
        """Accounts of one contact or staff member, optionally on one bot, oldest link first."""
        stmt = select(channel_accounts).where(channel_accounts.c.person_id == person_id)
        if bot is not None:
            stmt = stmt.where(channel_accounts.c.bot == bot)
        stmt = stmt.order_by(channel_accounts.c.id)
        return [_account(row) for row in (await self.session.execute(stmt)).mappings()]
