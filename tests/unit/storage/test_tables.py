"""The tables keep up with the domain model, and the small storage helpers behave."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.migrate import ensure_sqlite_folder
from storage.tables import CORE_TABLES, offers, sites, staff, tickets
from storage.uow import UnitOfWorkFactory
from ticket_core.model import Offer, Site, StaffMember, Ticket


@pytest.mark.parametrize(
    ("model", "table"), [(Ticket, tickets), (Offer, offers), (StaffMember, staff), (Site, sites)]
)
def test_every_model_field_has_a_column(model: type, table: object) -> None:
    fields = {f.name for f in dataclasses.fields(model)}
    columns = set(table.c.keys())  # type: ignore[attr-defined]
    assert fields <= columns, f"add columns (and a migration) for {sorted(fields - columns)}"


def test_every_timestamp_is_utc_aware() -> None:
    from sqlalchemy import DateTime

    from storage.types import UtcDateTime

    for table in CORE_TABLES:
        for column in table.c:
            if isinstance(column.type, DateTime):
                pytest.fail(f"{table.name}.{column.name} must be UtcDateTime, not a plain DateTime")
            if column.name.endswith("_at") or column.name in {"at", "claimed_until"}:
                assert isinstance(column.type, UtcDateTime), f"{table.name}.{column.name}"


def test_ensure_sqlite_folder(tmp_path: Path) -> None:
    target = tmp_path / "var" / "deep" / "helpdesk.db"
    ensure_sqlite_folder(f"sqlite+aiosqlite:///{target}")
    assert target.parent.is_dir()
    assert not target.exists()  # only the folder: the database itself is made by the driver
    ensure_sqlite_folder("sqlite+aiosqlite://")  # in memory: nothing to do
    ensure_sqlite_folder("postgresql+asyncpg://postgres@127.0.0.1/test")  # not a file: nothing to do


async def test_unit_of_work_guards() -> None:
    factory = UnitOfWorkFactory(async_sessionmaker())
    uow = factory()
    with pytest.raises(RuntimeError, match="async with uow"):
        _ = uow.session
    assert uow.collected == []
