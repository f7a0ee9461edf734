"""`SqlTicketThreads`: each ticket's thread in the staff group, and what the delivery loop records in it.

The dialogue side asks for a thread (state `opening`) in the transaction that opens the ticket; the
delivery loop fills in the forum topic id or the card's message id in the transaction that marks the
creating outbox row sent, so a crash between the two re-sends the row rather than losing the link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import ticket_threads
from ticket_core.model import ThreadState, TicketThread


def _thread(row: RowMapping) -> TicketThread:
    return TicketThread(
        ticket_id=row["ticket_id"],
        channel=row["channel"],
        bot=row["bot"],
        chat_id=row["chat_id"],
        forum=bool(row["forum"]),
        state=ThreadState(row["state"]),
        thread_id=row["thread_id"],
        root_message_id=row["root_message_id"],
        created_at=row["created_at"],
    )


async def get_thread(session: AsyncSession, ticket_id: str) -> TicketThread | None:
    """Return a ticket's thread, or None when it has none."""
    row = (
        (await session.execute(select(ticket_threads).where(ticket_threads.c.ticket_id == ticket_id)))
        .mappings()
        .first()
    )
    return _thread(row) if row else None


async def record_created(
    session: AsyncSession, ticket_id: str, *, thread_id: str | None, message_id: str | None, at: datetime
) -> None:
    """Store the topic id and the card's message id the channel reported; an `opening` thread becomes open."""
    values: dict[str, object] = {"updated_at": at}
    if thread_id is not None:
        values["thread_id"] = thread_id
    if message_id is not None:
        values["root_message_id"] = message_id
    await session.execute(
        update(ticket_threads).where(ticket_threads.c.ticket_id == ticket_id).values(**values)
    )
    await session.execute(
        update(ticket_threads)
        .where(ticket_threads.c.ticket_id == ticket_id, ticket_threads.c.state == ThreadState.OPENING.value)
        .values(state=ThreadState.OPEN.value)
    )


class SqlTicketThreads:
    """Ticket threads in SQL; implements `dialogue.ports.TicketThreadStore`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, thread: TicketThread, at: datetime) -> None:
        """Insert a ticket's thread."""
        await self.session.execute(
            ticket_threads.insert().values(
                ticket_id=thread.ticket_id,
                channel=thread.channel,
                bot=thread.bot,
                chat_id=thread.chat_id,
                forum=thread.forum,
                thread_id=thread.thread_id,
                root_message_id=thread.root_message_id,
                state=str(thread.state),
                created_at=thread.created_at or at,
                updated_at=at,
            )
        )

    async def get(self, ticket_id: str) -> TicketThread | None:
        """Return a ticket's thread."""
        return await get_thread(self.session, ticket_id)

    async def find(
        self, channel: str, bot: str, chat_id: str, *, thread_id: str | None = None, root: str | None = None
    ) -> TicketThread | None:
        """The thread a group message belongs to: by forum topic id, or by the root of its reply thread."""
        if thread_id is None and root is None:
            return None
        c = ticket_threads.c
        stmt = select(ticket_threads).where(c.channel == channel, c.bot == bot, c.chat_id == chat_id)
        stmt = (
            stmt.where(c.thread_id == thread_id)
            if thread_id is not None
            else stmt.where(c.root_message_id == root)
        )
        row = (await self.session.execute(stmt.limit(1))).mappings().first()
        return _thread(row) if row else None

    async def set_state(self, ticket_id: str, state: ThreadState, at: datetime) -> None:
        """Mark a thread open or closed."""
        await self.session.execute(
            update(ticket_threads)
            .where(ticket_threads.c.ticket_id == ticket_id)
            .values(state=str(state), updated_at=at)
        )
