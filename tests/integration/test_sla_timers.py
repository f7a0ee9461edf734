"""SLA timers and alerts: claims with SKIP LOCKED and leases, alerts once per level.

The store's contract (`port_sla_uows`) runs on memory, SQLite and PostgreSQL; races between workers in
concurrent transactions and the statements an opening sends (`sla_uows`) are SQL's alone.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import storage.sla_tables  # noqa: F401  (the SLA tables are part of the schema under test)
from storage.uow import UnitOfWorkFactory
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory, SlaMemoryUnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import Priority
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.config import DEFAULT_CONFIG
from ticket_core.sla.ports import TimerStatus
from ticket_core.usecases.sla import check_sla, reschedule

LEASE = timedelta(seconds=60)


async def _with_acme(uows: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    async with uows() as uow:
        await uow.directory.add_client(seed.client())
        await uow.directory.add_contact(seed.contact())
        await uow.commit()
    return uows


@pytest.fixture
async def sla_uows(live_uow_factory: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    """SQL units that really commit, for races between concurrent transactions (SQL only)."""
    return await _with_acme(UnitOfWorkFactory(live_uow_factory.sessionmaker, sla_config=DEFAULT_CONFIG), seed)


@pytest.fixture
async def port_sla_uows(port_uows: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    """Units tracking SLA on every implementation of the store: memory, SQLite, PostgreSQL."""
    if isinstance(port_uows, MemoryUnitOfWorkFactory):
        memory = SlaMemoryUnitOfWorkFactory(port_uows.state)
        return await _with_acme(memory, seed)  # type: ignore[arg-type]  # the same ports, not the same class
    return await _with_acme(UnitOfWorkFactory(port_uows.sessionmaker, sla_config=DEFAULT_CONFIG), seed)


async def add_due_tickets(uows: UnitOfWorkFactory, seed: Seed, n: int) -> list[str]:
    ids = []
    async with uows() as uow:
        for i in range(n):
            ticket = seed.ticket(5000 + i, created_at=NOW - timedelta(hours=30), priority=Priority.P1)
            await uow.tickets.add(ticket)
            await uow.sla.set_timer(ticket.id, NOW - timedelta(minutes=i), 0, TimerStatus.PENDING, NOW)
            ids.append(ticket.id)
        await uow.commit()
    return ids


async def claim(uows: UnitOfWorkFactory, worker: str, at_s: float = 0, limit: int = 10) -> list[str]:
    async with uows() as uow:
        timers = await uow.sla.claim_due(NOW + timedelta(seconds=at_s), worker, LEASE, limit)
        # hold the transaction a moment so the other claimer really overlaps with it
        await asyncio.sleep(0.05)
        await uow.commit()
    return [t.ticket_id for t in timers]


async def test_two_concurrent_workers_never_claim_the_same_timer(sla_uows, seed) -> None:
    # SQL only: SKIP LOCKED between concurrent transactions.
    ids = await add_due_tickets(sla_uows, seed, 40)
    got = await asyncio.gather(*(claim(sla_uows, f"w{i}") for i in range(6)))
    flat = [t for batch in got for t in batch]
    assert len(flat) == len(set(flat)) == 40
    assert set(flat) == set(ids)
    # oldest first: the earliest due timers went out in the first claims
    assert await claim(sla_uows, "late") == []


async def test_a_lease_that_runs_out_lets_another_worker_take_the_timer(port_sla_uows, seed) -> None:
    sla_uows = port_sla_uows
    ids = await add_due_tickets(sla_uows, seed, 3)
    assert sorted(await claim(sla_uows, "dead")) == sorted(ids)
    assert await claim(sla_uows, "other", at_s=59) == []  # the dead worker's lease still holds
    assert sorted(await claim(sla_uows, "other", at_s=61)) == sorted(ids)
    async with sla_uows() as uow:
        timer = await uow.sla.get_timer(ids[0])
        assert timer is not None and timer.claimed_by == "other" and timer.attempts == 2
        assert await uow.sla.holds_claim(ids[0], "other", NOW + timedelta(seconds=62))
        assert not await uow.sla.holds_claim(ids[0], "dead", NOW + timedelta(seconds=62))


async def test_each_alert_is_stored_once_per_level_and_records_who_acknowledged(port_sla_uows, seed) -> None:
    sla_uows = port_sla_uows
    [tid] = await add_due_tickets(sla_uows, seed, 1)
    async with sla_uows() as uow:
        assert await uow.sla.add_alert(tid, SlaKind.RESOLUTION, 1, "supervisor", NOW)
        assert not await uow.sla.add_alert(
            tid, SlaKind.RESOLUTION, 1, "supervisor", NOW + timedelta(minutes=1)
        )
        assert await uow.sla.add_alert(tid, SlaKind.RESPONSE, 1, "supervisor", NOW)
        await uow.commit()
    async with sla_uows() as uow:
        assert not await uow.sla.acknowledge(tid, SlaKind.RESOLUTION, 2, "sup", NOW)  # never sent
        assert await uow.sla.acknowledge(tid, SlaKind.RESOLUTION, 1, "sup", NOW)
        assert not await uow.sla.acknowledge(tid, SlaKind.RESOLUTION, 1, "boss", NOW)
        await uow.commit()
    async with sla_uows() as uow:
        alerts = {a.key: a for a in await uow.sla.alerts(tid)}
    assert set(alerts) == {(SlaKind.RESOLUTION, 1), (SlaKind.RESPONSE, 1)}
    assert alerts[(SlaKind.RESOLUTION, 1)].acknowledged_by == "sup"
    assert alerts[(SlaKind.RESOLUTION, 1)].acknowledged_at == NOW


async def test_concurrent_evaluations_of_one_ticket_send_each_level_once(sla_uows, seed) -> None:
    # SQL only: two evaluations in concurrent transactions.
    [tid] = await add_due_tickets(sla_uows, seed, 1)  # P1 opened 30 h ago: every rung is due

    async def evaluate() -> list[tuple[SlaKind, int]]:
        async with sla_uows() as uow:
            keys = await check_sla(uow, tid, NOW)
            await asyncio.sleep(0.05)
            await uow.commit()
            return keys

    results = await asyncio.gather(evaluate(), evaluate(), return_exceptions=True)
    sent = [k for r in results if isinstance(r, list) for k in r]
    async with sla_uows() as uow:
        stored = [a.key for a in await uow.sla.alerts(tid)]
        events = [e["name"] for e in await uow.events.list_for_ticket(tid) if e["name"].startswith("sla_")]
        timer = await uow.sla.get_timer(tid)
    levels = sorted(level for _, level in stored)
    assert len(stored) == len(set(stored)) == len(sent) == len(events)
    assert levels == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]  # both clocks, every rung, once
    # nothing left to wait for: every rung of both clocks was sent
    assert timer is not None and timer.status is TimerStatus.IDLE


async def test_reschedule_and_the_sweep_of_tickets_without_timer(port_sla_uows, seed) -> None:
    sla_uows = port_sla_uows
    async with sla_uows() as uow:
        ticket = seed.ticket(6000, created_at=NOW, priority=Priority.P1)
        await uow.tickets.add(ticket)
        await uow.commit()
    async with sla_uows() as uow:
        assert await uow.sla.open_tickets_without_timer(10) == [ticket.id]
        at = await reschedule(uow, ticket, NOW)
        await uow.commit()
    assert at == NOW + timedelta(minutes=22, seconds=30)  # 75 % of the 30 min P1 response target
    async with sla_uows() as uow:
        assert await uow.sla.open_tickets_without_timer(10) == []
        timer = await uow.sla.get_timer(ticket.id)
    assert timer is not None and timer.due_at == at and timer.status is TimerStatus.PENDING


async def test_a_ticket_opened_in_the_unit_has_its_sla_evaluated_without_reading_its_log(
    sla_uows, seed
) -> None:
    """An opening evaluates its SLA for its timer and for the offer card's badge: its event log and its SLA
    alerts could only be empty (the unit opened it), so neither is read, and the answer is the stored one's."""
    # SQL only: the statements sent.
    from sqlalchemy import event

    from ticket_core.model import Actor
    from ticket_core.usecases.opening import TicketDraft, open_ticket
    from ticket_core.usecases.sla import sla_badge_for, sla_of

    async with sla_uows() as uow:
        bind = uow.session.get_bind()
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            draft = TicketDraft(client_id=seed.client().id, category="hvac", description="Leak")
            ticket = await open_ticket(uow, Actor.system(), draft, NOW)
            at = await reschedule(uow, ticket, NOW)
            fresh = await sla_of(uow, ticket, NOW + timedelta(minutes=5))
            badge = await sla_badge_for(uow, ticket, NOW + timedelta(minutes=5), "en")
        finally:
            event.remove(bind, "before_cursor_execute", listener)
        await uow.commit()
    assert not [s for s in sent if "FROM ticket_events" in s or "FROM sla_alerts" in s]
    assert at is not None and badge
    async with sla_uows() as uow:  # read back from the log, as a later unit does
        stored = await uow.tickets.get(ticket.id)
        assert stored is not None
        again = await sla_of(uow, stored, NOW + timedelta(minutes=5))
        assert again.state == fresh.state and again.next_at == fresh.next_at
        assert await sla_badge_for(uow, stored, NOW + timedelta(minutes=5), "en") == badge
