"""UtcDateTime and json_safe, without a server (SQLite in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from storage.repositories._sql import json_safe
from storage.types import UtcDateTime
from ticket_core.enums import Priority

MOSCOW = timezone(timedelta(hours=3))


def test_bind_converts_to_utc_per_dialect() -> None:
    moment = datetime(2026, 3, 2, 12, 0, tzinfo=MOSCOW)
    kind = UtcDateTime()
    assert kind.process_bind_param(moment, sqlite.dialect()) == datetime(
        2026, 3, 2, 9, 0, tzinfo=UTC
    ).replace(tzinfo=None)
    stored = kind.process_bind_param(moment, postgresql.dialect())
    assert stored == moment and stored is not None and stored.tzinfo is UTC
    assert kind.process_bind_param(None, sqlite.dialect()) is None


def test_naive_datetime_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"datetime.now\(UTC\)"):
        UtcDateTime().process_bind_param(datetime(2026, 3, 2, 9, 0), sqlite.dialect())  # noqa: DTZ001


def test_result_is_aware_utc() -> None:
    kind = UtcDateTime()
    assert kind.process_result_value(datetime(2026, 3, 2, 9, 0), sqlite.dialect()) == datetime(  # noqa: DTZ001
        2026, 3, 2, 9, 0, tzinfo=UTC
    )
    back = kind.process_result_value(datetime(2026, 3, 2, 12, 0, tzinfo=MOSCOW), postgresql.dialect())
    assert back is not None and back.tzinfo is UTC and back.hour == 9
    assert kind.process_result_value(None, sqlite.dialect()) is None


async def test_round_trip_and_ordering_in_sqlite() -> None:
    meta = MetaData()
    table = Table("t", meta, Column("id", Integer, primary_key=True), Column("at", UtcDateTime()))
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(meta.create_all)
            # 10:00 in Moscow is earlier than 08:00 UTC; stored as UTC, SQL comparisons stay right.
            await conn.execute(
                insert(table),
                [
                    {"id": 1, "at": datetime(2026, 3, 2, 8, 0, tzinfo=UTC)},
                    {"id": 2, "at": datetime(2026, 3, 2, 10, 0, tzinfo=MOSCOW)},
                ],
            )
            rows = (await conn.execute(select(table).order_by(table.c.at))).all()
            later = (
                (
                    await conn.execute(
                        select(table.c.id).where(table.c.at > datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert [r.id for r in rows] == [2, 1]
    assert rows[0].at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert all(r.at.tzinfo is UTC for r in rows)
    assert later == [1]


@dataclass
class _Point:
    lat: float
    when: datetime


def test_json_safe_converts_nested_values() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    value = {
        "at": at,
        "day": date(2026, 3, 2),
        "priority": Priority.P1,
        "tags": ("a", "b"),
        "set": {"y", "x"},
        "point": _Point(1.5, at),
        1: None,
        "ok": [True, 2, 3.5, "s"],
    }
    assert json_safe(value) == {
        "at": "2026-03-02T09:00:00+00:00",
        "day": "2026-03-02",
        "priority": "P1",
        "tags": ["a", "b"],
        "set": ["x", "y"],
        "point": {"lat": 1.5, "when": "2026-03-02T09:00:00+00:00"},
        "1": None,
        "ok": [True, 2, 3.5, "s"],
    }
