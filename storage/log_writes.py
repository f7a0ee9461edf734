"""The logs a commit writes: the ticket events a unit recorded and the API audit entries of its request.

Each was a statement of its own (and each event too): on PostgreSQL every one is a round trip, which is most
of what a small change such as a repeated monitoring alert costs (docs/equipment.md). Here the events go in
one multi-row INSERT, and on PostgreSQL the audit entries ride along in the same statement as a
data-modifying CTE. SQLite (no DML in a WITH, and no network between) gets one INSERT per table.

A commit writes one of a few shapes (one event; two events and an audit entry...), so each shape's statement
is built once, with a bind parameter per value: building a multi-row INSERT from the values each time cost
more CPU than the database spent running it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.api_tables import api_audit
from storage.tables import ticket_events

_COLUMNS = {
    "e": ("ticket_id", "name", "actor", "at", "data"),
    "a": ("at", "token_name", "method", "path", "action", "target", "detail"),
}
_CACHED_ROWS = 16  # a larger batch (an import) goes as an executemany of a plain INSERT per table


def _rows_insert(table: Table, prefix: str, rows: int) -> Insert:
    """INSERT of `rows` rows whose values are the bind parameters `<prefix><row>_<column>`."""
    columns = _COLUMNS[prefix]
    return insert(table).values(
        [
            {name: bindparam(f"{prefix}{i}_{name}", type_=table.c[name].type) for name in columns}
            for i in range(rows)
        ]
    )


@lru_cache(maxsize=128)
def _statement(events: int, audit: int, together: bool) -> Insert | tuple[Insert | None, Insert | None]:
    """The statement (or the two statements) that write `events` events and `audit` audit entries."""
    event_stmt = _rows_insert(ticket_events, "e", events) if events else None
    audit_stmt = _rows_insert(api_audit, "a", audit) if audit else None
    if together and event_stmt is not None and audit_stmt is not None:
        return event_stmt.add_cte(audit_stmt.cte("api_audit_rows"))
    return event_stmt, audit_stmt


def _params(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = _COLUMNS[prefix]
    return {f"{prefix}{i}_{name}": row.get(name) for i, row in enumerate(rows) for name in columns}


async def write_logs(
    session: AsyncSession, event_rows: list[dict[str, Any]], audit_rows: list[dict[str, Any]]
) -> None:
    """Insert `event_rows` into `ticket_events` (in their order) and `audit_rows` into `api_audit`."""
    if not event_rows and not audit_rows:
        return
    if len(event_rows) > _CACHED_ROWS or len(audit_rows) > _CACHED_ROWS:
        for table, rows in ((ticket_events, event_rows), (api_audit, audit_rows)):
            if rows:
                await session.execute(insert(table), rows)
        return
    together = session.get_bind().dialect.name == "postgresql"
    built = _statement(len(event_rows), len(audit_rows), together)
    if not isinstance(built, tuple):
        await session.execute(built, {**_params("e", event_rows), **_params("a", audit_rows)})
        return
    event_stmt, audit_stmt = built
    if event_stmt is not None:
        await session.execute(event_stmt, _params("e", event_rows))
    if audit_stmt is not None:
        await session.execute(audit_stmt, _params("a", audit_rows))
