"""Property tests of the ledger (hypothesis), on SQLite and PostgreSQL.

After any sequence of payments, package purchases, done jobs, jobs closed, reopened and done again,
reversals, adjustments and voided packages (with or without a refund): the balance is the sum of the client's
balance rows, no row was ever changed or removed, no charge line or reversal was posted twice, no allowance or
package went below zero, a voided package never pays for anything again and its refund is at most its price.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.db import make_engine
from storage.uow import UnitOfWorkFactory
from tests.integration.billing_seed import ENGINEER, SUPERVISOR, add_billed_client, add_job, back_to_work
from ticket_core.billing.accounts import adjust_line, buy_package, record_payment, reverse_entry, void_package
from ticket_core.billing.charging import charge_job
from ticket_core.billing.ledger import BALANCE, AlreadyPosted, EntryKind, LedgerEntry
from ticket_core.billing.pricing import Part
from ticket_core.enums import Role
from ticket_core.errors import ValidationFailed
from ticket_core.model import Actor
from ticket_core.usecases.feedback import close_ticket, reopen_ticket
from ticket_core.usecases.work import check_in_on_site, resolve_ticket

D = Decimal
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EPOCH, FAR = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
CLIENT = Actor(Role.CLIENT, "c-prop", client_id="")
_ids = itertools.count(1)
_numbers = itertools.count(100_000)  # ticket numbers are unique across examples

amounts = st.decimals(min_value=D("0.01"), max_value=D(50_000), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), amounts),
        st.tuples(st.just("buy"), st.integers(1, 8), st.decimals(min_value=0, max_value=20_000, places=2)),
        st.tuples(
            st.just("job"),
            st.integers(0, 400),
            st.booleans(),
            st.sampled_from(["it", "network"]),
            st.booleans(),
        ),
        st.tuples(st.just("redo"), st.integers(0, 20), st.integers(0, 120), st.booleans()),
        st.tuples(st.just("reverse"), st.integers(0, 60)),
        st.tuples(st.just("adjust"), st.integers(0, 60), st.decimals(min_value=0, max_value=9_000, places=2)),
        st.tuples(
            st.just("void"),
            st.integers(0, 8),
            st.none() | st.decimals(min_value=0, max_value=20_000, places=2),
        ),
    ),
    min_size=1,
    max_size=14,
)


async def _in_rolled_back_transaction(url: str, body: Callable[[UnitOfWorkFactory], Awaitable[None]]) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            outer = await conn.begin()
            sessions = async_sessionmaker(
                bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            try:
                await body(UnitOfWorkFactory(sessions))
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


async def _rows(factory: UnitOfWorkFactory, client_id: str) -> list[LedgerEntry]:
    async with factory() as uow:
        return await uow.billing.entries_between(EPOCH, FAR, client_id)


async def _scenario(factory: UnitOfWorkFactory, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    client_id = f"prop-{next(_ids)}"
    client = Actor(Role.CLIENT, "c-prop", client_id=client_id)
    now = START
    async with factory() as uow:
        await add_billed_client(uow, client_id, now)
        await uow.commit()
    jobs: list[str] = []
    seen: list[LedgerEntry] = []
    voided: set[str] = set()
    for op in ops:
        now += timedelta(minutes=7)
        try:
            if op[0] == "void":
                await _void(factory, op, client_id, voided, now)
            else:
                await _apply(factory, op, client_id, client, jobs, seen, now)
        except AlreadyPosted:
            pass  # reversing a reversed row is refused, which is the point
        rows = await _rows(factory, client_id)
        assert rows[: len(seen)] == seen, "a ledger row was changed or removed"
        seen = rows
        async with factory() as uow:
            balance = await uow.billing.balance(client_id)
            hours, callouts = await uow.billing.allowance_used(client_id, now.strftime("%Y-%m"))
            packages = await uow.billing.packages(client_id)
        assert balance == sum((r.amount for r in rows if r.account == BALANCE), D(0))
        keys = [r.line_key for r in rows if r.line_key]
        assert len(keys) == len(set(keys)), "a charge line was posted twice"
        reversed_ = [r.reverses_id for r in rows if r.reverses_id is not None]
        assert len(reversed_) == len(set(reversed_)), "a row was reversed twice"
        assert D(0) <= hours <= D(2) and 0 <= callouts <= 1, "the allowance went below zero"
        assert all(D(0) <= p.used_hours <= p.hours for p in packages), "a package went below zero"
        assert all(p.left_hours == 0 for p in packages if p.id in voided), "a voided package has hours"
        void_rows = [r for r in rows if r.kind is EntryKind.VOID]
        assert {r.account.removeprefix("package:") for r in void_rows if r.account != BALANCE} == voided
        prices = {p.id: p.price for p in packages}
        assert all(D(0) < r.amount <= max(prices.values()) for r in void_rows if r.account == BALANCE), (
            "a refund out of range"
        )
        assert all(
            r.kind is not EntryKind.CHARGE
            or r.account.removeprefix("package:") not in voided
            or r.at <= max(v.at for v in void_rows if v.account == r.account)
            for r in rows
        ), "a voided package paid for work"


async def _void(factory, op, client_id, voided, now) -> None:  # type: ignore[no-untyped-def]
    """Void the op's package (when the client has one with hours left), with the default or a given refund."""
    async with factory() as uow:
        packages = [p for p in await uow.billing.packages(client_id) if p.left_hours > 0]
        if not packages:
            return
        package = packages[op[1] % len(packages)]
        refund = None if op[2] is None else min(op[2], package.price)
        before = await uow.billing.balance(client_id)
        back = await void_package(uow, SUPERVISOR, client_id, package.id, "test", now, refund=refund)
        await uow.commit()
        assert await uow.billing.balance(client_id) == before + back
        assert back <= package.price
    voided.add(package.id)


async def _apply(factory, op, client_id, client, jobs, seen, now) -> None:  # type: ignore[no-untyped-def]
    kind = op[0]
    if kind in ("pay", "buy", "reverse", "adjust"):
        async with factory() as uow:
            await _money(uow, op, client_id, seen, now)
            await uow.commit()
    elif kind == "job":
        _, minutes, on_site, category, with_part = op
        job = await add_job(factory, client_id, next(_numbers), now - timedelta(minutes=1), category)
        jobs.append(job)
        async with factory() as work:
            if on_site:
                await check_in_on_site(work, ENGINEER, job, now - timedelta(seconds=30))
            parts = [Part("Кабель", D("300.10"))] if with_part else []
            await resolve_ticket(work, ENGINEER, job, now, "done", minutes, parts=parts)
            await work.commit()
    elif kind == "redo" and jobs:
        job = jobs[op[1] % len(jobs)]
        async with factory() as uow:
            await close_ticket(uow, client, job, now)
            await reopen_ticket(uow, client, job, now + timedelta(seconds=1))
            await uow.commit()
        await back_to_work(factory, job)
        before = len(seen)
        async with factory() as work:
            if op[3]:
                await check_in_on_site(work, ENGINEER, job, now + timedelta(seconds=2))
            await resolve_ticket(work, ENGINEER, job, now + timedelta(seconds=3), "again", op[2])
            ticket = await work.tickets.get(job)
            assert ticket is not None
            # the same round charged again (a retried unit) posts nothing
            assert await charge_job(work, ENGINEER, ticket, now + timedelta(seconds=4), minutes=op[2]) == []
            await work.commit()
        if op[2] == 0 and not op[3]:
            rows = await _rows(factory, client_id)
            assert len(rows) == before, "a round with no work was charged"


async def _money(uow, op, client_id, seen, now) -> None:  # type: ignore[no-untyped-def]
    kind = op[0]
    if kind == "pay":
        await record_payment(uow, SUPERVISOR, client_id, op[1], now)
    elif kind == "buy":
        await buy_package(uow, SUPERVISOR, client_id, D(op[1]), op[2], 3, now)
    elif kind == "reverse" and seen:
        target = seen[op[1] % len(seen)]
        if target.kind in (EntryKind.REVERSAL, EntryKind.VOID) or target.id is None:
            return
        if target.kind is EntryKind.PACKAGE_PURCHASE:  # a package is voided, never reversed
            with pytest.raises(ValidationFailed, match="void the package"):
                await reverse_entry(uow, SUPERVISOR, target.id, "test", now)
            return
        await reverse_entry(uow, SUPERVISOR, target.id, "test", now)
    elif kind == "adjust":
        billable = [
            r for r in seen if r.kind in (EntryKind.CHARGE, EntryKind.ADJUSTMENT) and r.account == BALANCE
        ]
        if not billable:
            return
        target = billable[op[1] % len(billable)]
        assert target.id is not None
        await adjust_line(uow, SUPERVISOR, target.id, op[2], "test", now)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_ledger_properties_hold_after_any_sequence(backend: str, request: pytest.FixtureRequest) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=operations)
    def run(ops: list[tuple]) -> None:  # type: ignore[type-arg]
        asyncio.run(_in_rolled_back_transaction(url, lambda factory: _scenario(factory, ops)))

    run()
