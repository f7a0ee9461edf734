"""The logs a commit writes: the ticket events a unit recorded and the API audit entries of its request.

Each was a statement of its own (and each event too): on PostgreSQL every one is a round trip, which is most
of what a small change such as a repeated monitoring alert costs (docs/equipment.md). Here the events go in
one multi-row INSERT, and on PostgreSQL the audit entries ride along in the same statement as a
data-modifying CTE. SQLite (no DML in a WITH, and no network between) gets one INSERT per table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.api_tables import api_audit
from storage.tables import ticket_events


async def write_logs(
    session: AsyncSession, event_rows: list[dict[str, Any]], audit_rows: list[dict[str, Any]]
) -> None:
    """Insert `event_rows` into `ticket_events` (in their order) and `audit_rows` into `api_audit`."""
    events = insert(ticket_events).values(event_rows) if event_rows else None
    audit = insert(api_audit).values(audit_rows) if audit_rows else None
    if events is not None and audit is not None and session.get_bind().dialect.name == "postgresql":
        await session.execute(events.add_cte(audit.cte("api_audit_rows")))
        return
    for statement in (events, audit):
        if statement is not None:
            await session.execute(statement)
