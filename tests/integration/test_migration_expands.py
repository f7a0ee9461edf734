"""A rolling upgrade: the previous release's code keeps working on the newest schema (issue #17).

While a deploy replaces processes one by one, the old version still serves on the schema the new
version's `helpdesk migrate` just made. So a migration only *expands* (new tables, new columns that are
nullable or have a server default, new indexes and functions); it *contracts* (drops or renames a table,
a column or a function, changes a column's type, makes a column required) only in a later release, once
no running code uses what it removes, and names each such thing in a module-level `CONTRACTS` set.

The test builds the schema at the newest migration's parent and at the newest migration on a scratch
PostgreSQL database and compares what the previous release could use: every table, column and function it
had must still be there, of the same type, no more required than before, and every column the newest
migration adds to an existing table must be one an old INSERT may leave out. What `CONTRACTS` names is
allowed to go only if the current code (`storage.db.metadata`) no longer knows it.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

import storage.schema  # noqa: F401  (every table in metadata)
from benchmarks.db import drop_pg_database
from storage.db import metadata
from storage.migrate import upgrade
from tests.integration.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Column:
    """What an old INSERT or SELECT depends on in one column."""

    type: str
    nullable: bool
    has_default: bool


@dataclass
class Schema:
    """The parts of a schema that running code names: tables, their columns, and functions it calls."""

    tables: dict[str, dict[str, Column]] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)  # "name(identity args)", the ones code can call
    triggers: set[str] = field(default_factory=set)  # "trigger table.name": behaviour old code relies on


def breaks(before: Schema, after: Schema, contracts: frozenset[str] = frozenset()) -> list[str]:
    """What code written for `before` would find broken in `after`, leaving out what `contracts` names.

    `contracts` holds "table", "table.column" or "function(args)" names a contracting migration removes
    or changes on purpose.
    """
    found: list[str] = []
    for table, columns in before.tables.items():
        if table not in after.tables:
            if table not in contracts:
                found.append(f"table {table} dropped or renamed")
            continue
        now = after.tables[table]
        for name, old in columns.items():
            new = now.get(name)
            if f"{table}.{name}" in contracts:
                continue
            if new is None:
                found.append(f"column {table}.{name} dropped or renamed")
            elif new.type != old.type:
                found.append(f"column {table}.{name} changed type {old.type} -> {new.type}")
            elif old.nullable and not new.nullable and not new.has_default:
                found.append(f"column {table}.{name} became required")
        for name, new in now.items():
            if name not in columns and not new.nullable and not new.has_default:
                if f"{table}.{name}" not in contracts:
                    found.append(f"column {table}.{name} added as required with no default")
    for function in sorted(before.functions - after.functions):
        if function not in contracts:
            found.append(f"function {function} dropped or its arguments changed")
    for trigger in sorted(before.triggers - after.triggers):
        if trigger not in contracts:
            found.append(f"{trigger} dropped")
    return found


async def snapshot(url: str) -> Schema:
    """Read the schema of the database at `url` (public schema, without Alembic's own table)."""
    conn = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        schema = Schema()
        for row in await conn.fetch(
            "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, is_identity"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name <> 'alembic_version'"
        ):
            schema.tables.setdefault(row["table_name"], {})[row["column_name"]] = Column(
                type=f"{row['data_type']}/{row['udt_name']}",
                nullable=row["is_nullable"] == "YES",
                has_default=row["column_default"] is not None or row["is_identity"] == "YES",
            )
        for row in await conn.fetch(
            "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        ):
            schema.functions.add(row["sig"])
        for row in await conn.fetch(
            "SELECT c.relname AS tbl, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal"
        ):
            schema.triggers.add(f"trigger {row['tbl']}.{row['name']}")
        return schema
    finally:
        await conn.close()


# Contractions of migrations written before this rule, which cannot carry CONTRACTS themselves any more.
# 0024 drops the outbox NOTIFY trigger (the app rings it now): while old processes still serve, the
# replies they queue wake the workers at their 0.5 s poll instead of at once; nothing is lost.
DECLARED_HERE: dict[str, frozenset[str]] = {
    "0024": frozenset({"trigger outbox.outbox_notify"}),
}


def _newest() -> tuple[str, str, frozenset[str]]:
    """The newest revision, its parent and the names its module declares in `CONTRACTS`."""
    scripts = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    head = scripts.get_revision(scripts.get_current_head())
    assert head is not None and head.path is not None and isinstance(head.down_revision, str)
    spec = importlib.util.spec_from_file_location(f"migration_{head.revision}", head.path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    declared = frozenset(getattr(module, "CONTRACTS", frozenset())) | DECLARED_HERE.get(
        head.revision, frozenset()
    )
    return head.revision, head.down_revision, declared


def test_the_checker_sees_each_kind_of_break() -> None:
    old = Schema(
        tables={"t": {"a": Column("text/text", True, False), "b": Column("integer/int4", True, False)}},
        functions={"f(integer)"},
    )
    assert breaks(old, old) == []
    dropped = Schema(tables={"t": {"a": Column("text/text", True, False)}}, functions=set())
    assert breaks(old, dropped) == [
        "column t.b dropped or renamed",
        "function f(integer) dropped or its arguments changed",
    ]
    assert breaks(old, dropped, frozenset({"t.b", "f(integer)"})) == []
    retyped = Schema(
        tables={"t": {"a": Column("text/text", False, False), "b": Column("bigint/int8", True, False)}},
        functions={"f(integer)"},
    )
    assert breaks(old, retyped) == [
        "column t.a became required",
        "column t.b changed type integer/int4 -> bigint/int8",
    ]
    grown = Schema(
        tables={
            "t": {
                **old.tables["t"],
                "c": Column("text/text", False, False),  # an old INSERT leaves it out: fails
                "d": Column("text/text", False, True),  # has a default: fine
                "e": Column("text/text", True, False),  # nullable: fine
            },
            "new": {"x": Column("text/text", False, False)},  # old code does not know the table
        },
        functions={"f(integer)", "g()"},
    )
    assert breaks(old, grown) == ["column t.c added as required with no default"]
    assert breaks(old, Schema(functions={"f(integer)"})) == ["table t dropped or renamed"]
    triggered = Schema(tables=old.tables, functions=old.functions, triggers={"trigger t.notify"})
    assert breaks(triggered, old) == ["trigger t.notify dropped"]
    assert breaks(triggered, old, frozenset({"trigger t.notify"})) == []


@pytest.mark.postgres
async def test_the_previous_release_still_runs_on_the_newest_schema() -> None:
    head, parent, contracts = _newest()
    url = make_url(PG_ADMIN_URL).set(database=f"helpdesk_test_{os.getpid()}_expand")
    url_s = url.render_as_string(hide_password=False)
    known = {
        name
        for table in metadata.tables.values()
        for name in (table.name, *(f"{table.name}.{c.name}" for c in table.columns))
    }
    still_used = sorted(name for name in contracts if name in known)
    assert not still_used, f"migration {head} contracts what the current code still uses: {still_used}"
    await drop_pg_database(url_s)
    try:
        # The schema the previous release ran on, then the newest migration on top of it.
        await _create(url_s)
        await upgrade(url_s, parent)
        before = await snapshot(url_s)
        await upgrade(url_s, head)
        after = await snapshot(url_s)
    finally:
        await drop_pg_database(url_s)
    assert before.tables and before.functions, "the snapshot read nothing: the check would pass on anything"
    assert breaks(before, after, contracts) == [], (
        f"migration {head} breaks code written for {parent}: expand now, contract in a later release "
        "(docs/scaling.md, 'Rolling upgrades'), or name it in CONTRACTS once no running code uses it"
    )


async def _create(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()
