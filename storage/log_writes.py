"""The logs a commit writes: the ticket events a unit recorded and the API audit entries of its request.

Each was a statement of its own (and each event too): on PostgreSQL every one is a round trip, which is most
of what a small change such as a repeated monitoring alert costs (docs/equipment.md). Here the events go in
one multi-row INSERT, and on PostgreSQL the audit entries ride along in the same statement as a
data-modifying CTE. SQLite (no DML in a WITH, and no network between) gets one INSERT per table.

A commit writes one of a few shapes (one event; two events and an audit entry...), so each shape's statement
is built once, with a bind parameter per value: building a multi-row INSERT from the values each time cost
more CPU than the database spent running it. It is a `text()` with typed bind parameters, not `insert()`:
SQLAlchemy gives a multi-row `insert().values()` (and one with a CTE) no cache key, so it compiled that
statement again on every commit (a tenth of a repeated alert's CPU); a `text()` has one, and is compiled once
per shape and dialect.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage import driver_sql
from storage.api_tables import api_audit
from storage.tables import ticket_events

_COLUMNS = {
    "e": ("ticket_id", "name", "actor", "at", "data"),
    "a": ("at", "token_name", "method", "path", "action", "target", "detail"),
}
_CACHED_ROWS = 16  # a larger batch (an import) goes as an executemany of a plain INSERT per table


def _rows_insert(table: Table, prefix: str, rows: int) -> tuple[str, list[Any]]:
    """INSERT of `rows` rows whose values are the bind parameters `:<prefix><row>_<column>`, and those
    parameters with their columns' types."""
    columns = _COLUMNS[prefix]
    values = ", ".join("(" + ", ".join(f":{prefix}{i}_{name}" for name in columns) + ")" for i in range(rows))
    binds = [
        bindparam(f"{prefix}{i}_{name}", type_=table.c[name].type) for i in range(rows) for name in columns
    ]
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}", binds


@lru_cache(maxsize=128)
def _statement(
    events: int, audit: int, together: bool
) -> TextClause | tuple[TextClause | None, TextClause | None]:
    """The statement (or the two statements) that write `events` events and `audit` audit entries."""
    event_sql = _rows_insert(ticket_events, "e", events) if events else None
    audit_sql = _rows_insert(api_audit, "a", audit) if audit else None
    if together and event_sql is not None and audit_sql is not None:
        sql = f"WITH api_audit_rows AS ({audit_sql[0]}) {event_sql[0]}"
        return text(sql).bindparams(*event_sql[1], *audit_sql[1])
    return (
        text(event_sql[0]).bindparams(*event_sql[1]) if event_sql else None,
        text(audit_sql[0]).bindparams(*audit_sql[1]) if audit_sql else None,
    )


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
        await driver_sql.fetch(session, built, {**_params("e", event_rows), **_params("a", audit_rows)})
        return
    event_stmt, audit_stmt = built
    if event_stmt is not None:
        await driver_sql.fetch(session, event_stmt, _params("e", event_rows))
    if audit_stmt is not None:
        await driver_sql.fetch(session, audit_stmt, _params("a", audit_rows))
