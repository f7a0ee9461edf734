"""Charging done jobs and the ledger, on SQLite and PostgreSQL: lines, no double charge, payments, adjustments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from storage.uow import UnitOfWorkFactory
from tests.integration.billing_seed import ENGINEER, SUPERVISOR, add_billed_client, add_job, back_to_work
from ticket_core.billing.accounts import (
    adjust_line,
    buy_package,
    read_account,
    record_payment,
    reverse_entry,
    void_package,
)
from ticket_core.billing.ledger import BALANCE, AlreadyPosted, Coverage, EntryKind
from ticket_core.billing.pricing import Part
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.model import Actor
from ticket_core.usecases.feedback import close_ticket, reopen_ticket
from ticket_core.usecases.work import check_in_on_site, resolve_ticket

D = Decimal
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


async def test_done_job_becomes_charge_lines_and_closing_reopening_charges_no_line_twice(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await add_billed_client(uow, "acme", NOW)
        await uow.commit()
    job = await add_job(uow_factory, "acme", 1001, NOW)
    async with uow_factory() as uow:
        await check_in_on_site(uow, ENGINEER, job, NOW - timedelta(hours=1))
        await uow.commit()
    async with uow_factory() as uow:
        # 3 h of included IT work: 2 h from the allowance, 1 h billable at 2,500 - 10 %; the call-out included
        await resolve_ticket(
            uow, ENGINEER, job, NOW, "Replaced the fuser", 180, parts=[Part("Фьюзер", D(5000))]
        )
        await uow.commit()
    async with uow_factory() as uow:
        lines = await uow.billing.entries_for_ticket(job)
        assert {(line.line_key or "").split(":", 2)[2]: line.coverage for line in lines} == {
            "hours:included": Coverage.INCLUDED,
            "hours:billable": Coverage.BILLABLE,
            "callout:included": Coverage.INCLUDED,
            "part:0": Coverage.BILLABLE,
        }
        assert await uow.billing.balance("acme") == D(-2250) - D(6000)
        assert await uow.billing.allowance_used("acme", "2026-11") == (D(2), 1)
        events = [e["name"] for e in await uow.events.list_for_ticket(job)]
        assert "job_charged" in events
    client = Actor(Role.CLIENT, "c-1", client_id="acme")
    async with uow_factory() as uow:
        await close_ticket(uow, client, job, NOW + timedelta(hours=1))
        await reopen_ticket(uow, client, job, NOW + timedelta(hours=2), "still jams")
        await uow.commit()
    await back_to_work(uow_factory, job)
    async with uow_factory() as uow:  # the second round: 30 min more, no visit, no part
        await resolve_ticket(uow, ENGINEER, job, NOW + timedelta(hours=3), "Cleaned the rollers", 30)
        await close_ticket(uow, client, job, NOW + timedelta(hours=4))
        await uow.commit()
    async with uow_factory() as uow:
        lines = await uow.billing.entries_for_ticket(job)
        keys = [line.line_key for line in lines]
        assert len(keys) == len(set(keys)) == 5
        assert await uow.billing.balance("acme") == D(-8250) - D(1125)  # only the new half hour
        # charging the same round again (a retried unit) posts nothing
        ticket = await uow.tickets.get(job)
        assert ticket is not None
        from ticket_core.billing.charging import charge_job

        assert await charge_job(uow, ENGINEER, ticket, NOW + timedelta(hours=5), minutes=30) == []
        with pytest.raises(AlreadyPosted):
            await uow.billing.append([lines[-1]])  # the unique key holds even past the check


async def test_payments_packages_reversal_and_adjustment(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await add_billed_client(uow, "beta", NOW, hours_per_month=D(0), callouts_per_month=0)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(Forbidden):
            await record_payment(uow, ENGINEER, "beta", D(100), NOW)
        with pytest.raises(ValidationFailed):
            await record_payment(uow, SUPERVISOR, "beta", D(-1), NOW)
        assert await record_payment(uow, SUPERVISOR, "beta", D("10000.50"), NOW, "invoice 17") == D(
            "10000.50"
        )
        package = await buy_package(uow, SUPERVISOR, "beta", D(2), D(4000), 3, NOW)
        await uow.commit()
    assert package.valid_until.isoformat() == "2027-02-12"
    job = await add_job(uow_factory, "beta", 2001, NOW, category="network")
    async with uow_factory() as uow:  # 2.5 h: 2 from the package (used up: a warning), 0.5 billable
        await resolve_ticket(uow, ENGINEER, job, NOW + timedelta(minutes=5), "Switch replaced", 150)
        await uow.commit()
        warnings = [e for e in uow.collected if e.name == "package_threshold"]
        assert [w.share for w in warnings] == [100]  # type: ignore[attr-defined]
    async with uow_factory() as uow:
        account = await read_account(uow, SUPERVISOR, "beta", NOW)
        assert account.packages[0].left_hours == 0
        assert account.balance == D("10000.50") - D(4000) - D(1125)
        billable = next(line for line in await uow.billing.entries_for_ticket(job) if line.account == BALANCE)
        assert billable.id is not None
        with pytest.raises(Forbidden):
            await adjust_line(uow, ENGINEER, billable.id, D(0), "goodwill", NOW)
        await adjust_line(
            uow, SUPERVISOR, billable.id, D(500), "half an hour was travel", NOW + timedelta(hours=1)
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.billing.balance("beta") == D("10000.50") - D(4000) - D(500)
        with pytest.raises(AlreadyPosted):
            await adjust_line(uow, SUPERVISOR, billable.id, D(100), "again", NOW)
        payment = next(iter(await uow.billing.entries_between(NOW, NOW + timedelta(seconds=1), "beta")))
        assert payment.id is not None
        await reverse_entry(uow, SUPERVISOR, payment.id, "typed twice", NOW + timedelta(hours=2))
        await uow.commit()
        names = [e.name for e in uow.collected]
        assert names == ["ledger_entry_reversed"]
    async with uow_factory() as uow:
        account = await read_account(uow, SUPERVISOR, "beta", NOW)
        assert account.balance == D(-4500) and account.in_debt
        with pytest.raises(Forbidden):
            await read_account(uow, ENGINEER, "beta", NOW)


async def test_voiding_a_package_stops_its_hours_and_refunds_them_in_the_same_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await add_billed_client(uow, "gamma", NOW, hours_per_month=D(0), callouts_per_month=0)
        package = await buy_package(uow, SUPERVISOR, "gamma", D(10), D(20000), 3, NOW)
        await uow.commit()
    job = await add_job(uow_factory, "gamma", 3001, NOW, category="network")
    async with uow_factory() as uow:  # 2.5 h from the package: 7.5 h left
        await resolve_ticket(uow, ENGINEER, job, NOW + timedelta(minutes=5), "Switch replaced", 150)
        await uow.commit()
    async with uow_factory() as uow:
        before = await uow.billing.entries_between(NOW - timedelta(days=1), NOW + timedelta(days=1), "gamma")
        with pytest.raises(Forbidden):
            await void_package(uow, ENGINEER, "gamma", package.id, "client left", NOW + timedelta(hours=1))
        with pytest.raises(ValidationFailed, match="reason"):
            await void_package(uow, SUPERVISOR, "gamma", package.id, "  ", NOW + timedelta(hours=1))
        with pytest.raises(ValidationFailed, match="between 0 and the package's price"):
            await void_package(
                uow, SUPERVISOR, "gamma", package.id, "x", NOW + timedelta(hours=1), refund=D("20000.01")
            )
        with pytest.raises(NotFound):
            await void_package(uow, SUPERVISOR, "beta", package.id, "x", NOW + timedelta(hours=1))
        refund = await void_package(
            uow, SUPERVISOR, "gamma", package.id, "contract ended early", NOW + timedelta(hours=1)
        )
        await uow.commit()
        assert [e.name for e in uow.collected] == ["package_voided"]
    assert refund == D(15000)  # 7.5 of 10 h unused, at 20,000 for the package
    async with uow_factory() as uow:
        account = await read_account(uow, SUPERVISOR, "gamma", NOW + timedelta(hours=1))
        assert account.packages[0].left_hours == 0
        assert account.balance == D(-20000) + D(15000)
        rows = await uow.billing.entries_between(NOW - timedelta(days=1), NOW + timedelta(days=1), "gamma")
        assert rows[: len(before)] == before  # nothing edited, two rows appended
        voids = rows[len(before) :]
        assert [(r.kind, r.account, r.hours, r.amount) for r in voids] == [
            (EntryKind.VOID, f"package:{package.id}", D("7.5"), D(0)),
            (EntryKind.VOID, BALANCE, D(0), D(15000)),
        ]
        for row in voids:  # a void stays
            assert row.id is not None
            with pytest.raises(ValidationFailed, match="stays voided"):
                await reverse_entry(uow, SUPERVISOR, row.id, "undo", NOW + timedelta(hours=2))
        with pytest.raises(ValidationFailed, match="nothing to void"):
            await void_package(uow, SUPERVISOR, "gamma", package.id, "again", NOW + timedelta(hours=2))
    job = await add_job(uow_factory, "gamma", 3002, NOW + timedelta(hours=3), category="network")
    async with uow_factory() as uow:  # the voided hours pay for nothing: 1 h billable
        await resolve_ticket(uow, ENGINEER, job, NOW + timedelta(hours=3, minutes=5), "Port reset", 60)
        await uow.commit()
    async with uow_factory() as uow:
        lines = await uow.billing.entries_for_ticket(job)
        assert {line.account for line in lines} == {BALANCE}


async def test_charged_hours_are_the_categorys_latest_jobs_hour_lines_summed_per_job(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """What an estimate's expected time is read from: each job's hour lines (included, package, billable)."""
    from ticket_core.billing.approvals import expected_hours
    from ticket_core.billing.ledger import EntryKind, LedgerEntry

    def hours_line(
        ticket: str, item: str, hours: str, at: datetime, category: str = "plumbing"
    ) -> LedgerEntry:
        return LedgerEntry(
            client_id="acme",
            kind=EntryKind.CHARGE,
            account=BALANCE,
            at=at,
            currency="RUB",
            ticket_id=ticket,
            line_key=f"{ticket}:0:{item}",
            quantity=D(hours),
            category=category,
        )

    async with uow_factory() as uow:
        await add_billed_client(uow, "acme", NOW)
        await uow.billing.append(
            [
                hours_line("t1", "hours:included", "1", NOW - timedelta(days=3)),
                hours_line("t1", "hours:billable", "0.5", NOW - timedelta(days=3)),
                hours_line("t1", "callout:billable", "1", NOW - timedelta(days=3)),  # not hours
                hours_line("t2", "hours:billable", "3", NOW - timedelta(days=2)),
                hours_line("t3", "hours:package", "2", NOW - timedelta(days=1)),
                hours_line("t4", "hours:billable", "9", NOW, category="it"),  # another category
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.billing.charged_hours("plumbing") == [D(2), D(3), D("1.5")]  # newest job first
        assert await uow.billing.charged_hours("plumbing", jobs=1) == [D(2)]
        assert await uow.billing.charged_hours("hvac") == []
        assert expected_hours(await uow.billing.charged_hours("plumbing")) == D(2)
        assert expected_hours(await uow.billing.charged_hours("it")) == D(1)  # one job: the default
