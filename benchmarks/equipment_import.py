"""`helpdesk bench equipment-import`: a CSV of 10,000 units imported through the registry's use case.

On a fresh SQLite file and a fresh PostgreSQL database of the run's own, each with the demo company and two
equipment types, the bench times `import_units` (parse, check every line against sites, types and inventory
numbers, insert, commit: what `helpdesk equipment import` does) on a file of `--units` good lines. Then it
imports the same file with `--bad` lines broken in different ways and checks that every bad line is named
by its number and that nothing was imported. Prints `{"units", "sqlite_s", "postgresql_s", "bad_lines",
"bad_lines_reported", "other_lines_reported", "imported_with_bad_lines", "load"}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

TYPES = (
    EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac", ("refrigerant", "btu")),
    EquipmentType("printer", "Принтер", "Printer", "printer"),
)
SITES = ("acme-wh1", "acme-office", "rom-nevsky", "rom-petrograd", "rom-vaska", "nordlog-khimki")
BREAKS = (
    lambda cells: cells.__setitem__(0, "no-such-site"),
    lambda cells: cells.__setitem__(1, "fridge"),
    lambda cells: cells.__setitem__(6, "2024-13-45"),
    lambda cells: cells.__setitem__(2, ""),
    lambda cells: cells.__setitem__(9, "warm"),
)


def make_csv(units: int, bad: int = 0, seed: int = 19) -> tuple[str, list[int]]:
    """A CSV file of `units` lines; `bad` of them broken; returns the text and the bad line numbers."""
    rng = random.Random(seed)
    broken = sorted(rng.sample(range(2, units + 2), bad))
    lines = ["site,type,name,model,serial,inventory_no,installed_on,warranty_until,location,status,field:btu"]
    for line in range(2, units + 2):
        kind = "ac" if line % 3 else "printer"
        cells = [
            SITES[line % len(SITES)],
            kind,
            f"{kind.upper()} #{line}",
            "Daikin FTXB35C" if kind == "ac" else "HP M404",
            f"SN-{line:06d}",
            f"INV-{line:06d}",
            "2024-05-01",
            "2027-05-01",
            f"floor {line % 9 + 1}",
            "in_service",
            "9000" if kind == "ac" else "",
        ]
        if line in broken:
            BREAKS[line % len(BREAKS)](cells)
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n", broken


async def _run(url: str, text: str, bad_text: str) -> tuple[float, list[int], int]:
    await upgrade(url)
    await seed_demo(Settings(database_url=url), with_kb=False)
    engine = make_engine(url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(engine))
        system = Actor.system()
        now = datetime.now(UTC)
        async with uows() as uow:
            for t in TYPES:
                await eq.save_type(uow, system, t, now)
            await uow.commit()
        reported: list[int] = []
        async with uows() as uow:
            try:
                await eq.import_units(uow, system, bad_text, now)
            except eq.ImportRejected as rejected:
                reported = [e.line for e in rejected.errors]
            await uow.commit()
        async with uows() as uow:
            after_bad = await uow.equipment.count(UnitFilter())
        started = time.perf_counter()
        async with uows() as uow:
            await eq.import_units(uow, system, text, now)
            await uow.commit()
        seconds = time.perf_counter() - started
        return seconds, reported, after_bad
    finally:
        await engine.dispose()


def register(bench: click.Group) -> None:
    """Attach `equipment-import` to the `helpdesk bench` group."""

    @bench.command("equipment-import")
    @click.option("--units", default=10_000, show_default=True)
    @click.option("--bad", default=50, show_default=True, help="Broken lines in the second file.")
    @click.option("--db-url", default=None, help="PostgreSQL URL (a database of the run's own is made).")
    @click.option("--no-postgres", is_flag=True, help="SQLite only.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def equipment_import(units: int, bad: int, db_url: str | None, no_postgres: bool, as_json: bool) -> None:
        """Seconds to import a CSV of --units units; every bad line named and nothing imported with one."""
        text, _ = make_csv(units)
        bad_text, broken = make_csv(units, bad)
        result: dict[str, Any] = {"units": units, "bad_lines": len(broken)}

        async def main() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                s, reported, after = await _run(
                    f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", text, bad_text
                )
            result.update(
                sqlite_s=round(s, 2),
                bad_lines_reported=len(set(reported) & set(broken)),
                other_lines_reported=len(set(reported) - set(broken)),
                imported_with_bad_lines=after,
            )
            if not no_postgres:
                url = own_database(bench_pg_url(db_url))
                await fresh_pg_database(url)
                try:
                    s, reported, after = await _run(url, text, bad_text)
                finally:
                    await drop_pg_database(url)
                result.update(postgresql_s=round(s, 2))
                result["bad_lines_reported"] = min(
                    result["bad_lines_reported"], len(set(reported) & set(broken))
                )
                result["other_lines_reported"] += len(set(reported) - set(broken))
                result["imported_with_bad_lines"] += after

        asyncio.run(main())
        result["load"] = [round(x, 2) for x in os.getloadavg()]
        click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
