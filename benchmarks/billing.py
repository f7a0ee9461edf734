"""`helpdesk bench billing`: acts for 1,000 clients over 100,000 charged tickets in one month; balance reads.

On a fresh database of the run's own (PostgreSQL by default, or SQLite with --sqlite) the bench makes
`--clients` clients with contracts, money terms (2 included hours and 1 call-out a month, 10 % off, 20 %
VAT) and one prepaid package each, the price list, and a payment per client. Then `--tickets` done jobs
spread over the month are priced by `ticket_core.billing.pricing.price_job` against each client's
allowance and package as it runs down (what `charge_job` computes when a job is done) and their charge
lines are inserted in bulk (the use case's per-ticket unit of work is not what is measured here).

Measured: `acts_s`, the seconds to produce every client's act for the month as PDF and CSV (`month_acts`
reads the month's ledger in one pass, as `helpdesk billing act --all` does; `act_pdf` and `act_csv` in a
process per core), and `balance_read_ms_p95`
over `--reads` reads of a random client's balance, each in a unit of work of its own (`balance_read_cpu_ms`:
this process's CPU per read, which the load does not change; the rest of a read is three round trips). `acts_read_s` is the
reading part, `acts_render_cpu_s` the CPU seconds the PDFs and CSVs took (what the load does not change).
Prints `{"clients", "tickets", "ledger_rows", "acts_s", "acts_read_s", "acts_render_cpu_s", "act_pages", "balance_read_ms_p50", "balance_read_ms_p95",
"balance_read_cpu_ms", "backend", "load"}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from helpdesk.billing.act_pdf import act_pdf
from storage.billing_store import entry_values
from storage.billing_tables import ledger_entries
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory
from ticket_core.billing.accounts import buy_package, record_payment
from ticket_core.billing.acts import Act, act_csv
from ticket_core.billing.pricing import Allowance, JobWork, Part, price_job
from ticket_core.billing.queries import month_acts
from ticket_core.billing.terms import ContractTerms, PriceList, Service, ServiceKind
from ticket_core.enums import Role
from ticket_core.model import Actor, Client, Contract, StaffMember

D = Decimal
MONTH = "2026-11"
START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
SYSTEM = Actor.system()
SERVICES = (
    Service("hour-l1", ServiceKind.HOUR, "Час работы инженера L1", "Hour of work, L1", D(2000), level=1),
    Service("hour-l2", ServiceKind.HOUR, "Час работы инженера L2", "Hour of work, L2", D(2500), level=2),
    Service("hour-l3", ServiceKind.HOUR, "Час работы инженера L3", "Hour of work, L3", D(3500), level=3),
    Service("callout", ServiceKind.CALLOUT, "Выезд инженера", "Engineer call-out", D(1500)),
    Service(
        "fix-printer", ServiceKind.FIXED, "Ремонт принтера", "Printer repair", D(4000), category="printer"
    ),
    Service("parts", ServiceKind.PART, "Запчасти", "Parts", margin_pct=D(20)),
)
CATEGORIES = ("it", "network", "printer", "hvac")
ENGINEERS = tuple(f"bench-e{i}" for i in range(20))


def _terms(client_id: str) -> ContractTerms:
    return ContractTerms(
        f"k-{client_id}",
        client_id,
        included_categories=("it", "network"),
        hours_per_month=D(2),
        callouts_per_month=1,
        discount_pct=D(10),
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
        vat_pct=D(20),
    )


async def _seed(uows: UnitOfWorkFactory, clients: int, tickets: int) -> int:
    prices = PriceList.of("RUB", SERVICES)
    ids = [f"bc-{i:04d}" for i in range(clients)]
    async with uows() as uow:
        for service in SERVICES:
            await uow.billing.put_service(service)
        for i, engineer in enumerate(ENGINEERS):
            await uow.directory.add_staff(
                StaffMember(engineer, f"Engineer {i}", Role.ENGINEER, level=1 + i % 3)
            )
        for client_id in ids:
            await uow.directory.add_client(Client(client_id, f"ООО «Клиент {client_id}»", "company", START))
            await uow.directory.add_contract(Contract(f"k-{client_id}", client_id, "Service", CATEGORIES))
            await uow.billing.put_terms(_terms(client_id))
            await record_payment(uow, SYSTEM, client_id, D(100_000), START)
            await buy_package(uow, SYSTEM, client_id, D(5), D(10_000), 3, START)
        await uow.commit()
    rng = random.Random(20)
    async with uows() as uow:
        packages = {client_id: list(await uow.billing.packages(client_id)) for client_id in ids}
    allowance = {client_id: Allowance(D(2), 1) for client_id in ids}
    rows: list[dict[str, Any]] = []
    step = timedelta(seconds=29 * 24 * 3600 / tickets)
    for n in range(tickets):
        client_id = ids[n % clients]
        done = START + step * n
        work = JobWork(
            ticket_id=f"bt-{n}",
            ref=f"HD-{100_000 + n}",
            client_id=client_id,
            category=rng.choice(CATEGORIES),
            engineer_id=ENGINEERS[n % len(ENGINEERS)],
            level=1 + n % 3,
            minutes=rng.choice((30, 45, 60, 90, 120, 180)),
            callouts=rng.choice((0, 1)),
            done_at=done,
            parts=(Part("Кабель UTP 5e", D("350.00"), 2),) if n % 7 == 0 else (),
        )
        lines = price_job(work, _terms(client_id), prices, allowance[client_id], packages[client_id])
        for line in lines:
            if line.account.startswith("allowance:"):
                left = allowance[client_id]
                allowance[client_id] = Allowance(left.hours - line.hours, left.callouts - line.callouts)
            elif line.account.startswith("package:"):
                pkgs = packages[client_id]
                pkgs[0] = type(pkgs[0])(**{**_fields(pkgs[0]), "used_hours": pkgs[0].used_hours + line.hours})
        rows.extend(entry_values(line) for line in lines)
    async with uows() as uow:
        for i in range(0, len(rows), 5000):
            await uow.session.execute(ledger_entries.insert(), rows[i : i + 5000])
        await uow.commit()
    return len(rows)


def _render(act: Act) -> tuple[int, float]:
    """Both files of one act; returns the PDF's page count and the CPU seconds they took."""
    cpu = time.process_time()
    pdf = act_pdf(act, "ru")
    act_csv(act, "ru")
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page"), time.process_time() - cpu


def _fields(package: Any) -> dict[str, Any]:
    return {name: getattr(package, name) for name in package.__slots__}


async def _measure(url: str, clients: int, tickets: int, reads: int) -> dict[str, Any]:
    await upgrade(url)
    engine = make_engine(url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(engine))
        rows = await _seed(uows, clients, tickets)
        ids = [f"bc-{i:04d}" for i in range(clients)]
        started = time.perf_counter()
        async with uows() as uow:  # the monthly run: one pass over the month's ledger, not a read per client
            acts = await month_acts(uow, SYSTEM, MONTH)
        assert len(acts) == clients
        read_s = time.perf_counter() - started
        # PDFs are CPU work: one process per core, as a monthly run of every client's act would do
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            rendered = list(pool.map(_render, acts, chunksize=8))
        pages, render_cpu_s = sum(p for p, _ in rendered), sum(c for _, c in rendered)
        acts_s = time.perf_counter() - started
        rng = random.Random(5)
        samples = []
        cpu = time.process_time()
        for _ in range(reads):
            client_id = rng.choice(ids)
            t0 = time.perf_counter()
            async with uows() as uow:
                await uow.billing.balance(client_id)
            samples.append((time.perf_counter() - t0) * 1000)
        read_cpu_ms = (time.process_time() - cpu) * 1000 / max(reads, 1)
        samples.sort()
        return {
            "ledger_rows": rows,
            "acts_s": round(acts_s, 2),
            "acts_read_s": round(read_s, 2),
            "acts_render_cpu_s": round(render_cpu_s, 2),
            "act_pages": pages,
            "balance_read_ms_p50": round(statistics.median(samples), 2),
            "balance_read_ms_p95": round(samples[int(len(samples) * 0.95) - 1], 2),
            "balance_read_cpu_ms": round(read_cpu_ms, 3),
        }
    finally:
        await engine.dispose()


def register(bench: click.Group) -> None:
    """Attach `billing` to the `helpdesk bench` group."""

    @bench.command("billing")
    @click.option("--clients", default=1000, show_default=True)
    @click.option("--tickets", default=100_000, show_default=True, help="Charged tickets in the month.")
    @click.option("--reads", default=1000, show_default=True, help="Balance reads timed.")
    @click.option("--sqlite", is_flag=True, help="On a SQLite file instead of PostgreSQL.")
    @click.option("--db-url", default=None, help="PostgreSQL URL (a database of the run's own is made).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def billing(
        clients: int, tickets: int, reads: int, sqlite: bool, db_url: str | None, as_json: bool
    ) -> None:
        """Seconds for every client's act of a month (PDF and CSV), and one client's balance read p95."""
        result: dict[str, Any] = {"clients": clients, "tickets": tickets}

        async def main() -> None:
            if sqlite:
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                    result.update(await _measure(url, clients, tickets, reads), backend="sqlite")
                return
            url = own_database(bench_pg_url(db_url))
            await fresh_pg_database(url)
            try:
                result.update(await _measure(url, clients, tickets, reads), backend="postgresql")
            finally:
                await drop_pg_database(url)

        asyncio.run(main())
        result["load"] = [round(x, 2) for x in os.getloadavg()]
        click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
