"""`helpdesk bench accept-race`: many engineers press Accept on one broadcast job at once, on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import click

from benchmarks.db import bench_pg_url, fresh_pg_database
from helpdesk.cli.bench import bench
from storage.db import make_engine, make_sessionmaker
from storage.uow import UnitOfWorkFactory
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import AlreadyTaken
from ticket_core.model import Actor, Client, Offer, StaffMember


async def _setup(uows: UnitOfWorkFactory, engineers: int) -> list[str]:
    async with uows() as uow:
        await uow.directory.add_client(Client("race", "Race Ltd"))
        ids = [f"race-e{i}" for i in range(engineers)]
        for staff_id in ids:
            await uow.directory.add_staff(StaffMember(staff_id, staff_id, Role.ENGINEER, ("it",)))
        await uow.commit()
    return ids


async def _broadcast_job(uows: UnitOfWorkFactory, engineer_ids: list[str]) -> str:
    now = datetime.now(UTC)
    async with uows() as uow:
        ticket = await uc.open_ticket(uow, Actor.system(), uc.TicketDraft("race", "it", "broadcast job"), now)
        for staff_id in engineer_ids:
            await uow.offers.add(
                Offer(
                    str(uuid.uuid4()),
                    ticket.id,
                    staff_id,
                    OfferStatus.PENDING,
                    now,
                    now + timedelta(minutes=10),
                )
            )
        ticket.status = TicketStatus.OFFERED
        ticket.offered_at = now
        await uow.tickets.update(ticket)
        await uow.commit()
    return ticket.id


async def _press(uows: UnitOfWorkFactory, go: asyncio.Event, ticket_id: str, staff_id: str) -> bool:
    await go.wait()
    async with uows() as uow:
        try:
            await uc.accept_offer(uow, Actor(Role.ENGINEER, staff_id), ticket_id, datetime.now(UTC))
            await uow.commit()
            return True
        except AlreadyTaken:
            return False


async def _run(url: str, trials: int, engineers: int) -> dict[str, object]:
    await fresh_pg_database(url)
    db = make_engine(url, pool_size=engineers + 5, max_overflow=0)
    uows = UnitOfWorkFactory(make_sessionmaker(db))
    violations = 0
    started = time.perf_counter()
    try:
        ids = await _setup(uows, engineers)
        for _ in range(trials):
            ticket_id = await _broadcast_job(uows, ids)
            go = asyncio.Event()
            tasks = [asyncio.create_task(_press(uows, go, ticket_id, staff_id)) for staff_id in ids]
            await asyncio.sleep(0)
            go.set()
            winners = sum(await asyncio.gather(*tasks))
            async with uows() as uow:
                ticket = await uow.tickets.get(ticket_id)
                accepted = [
                    o for o in await uow.offers.list_for_ticket(ticket_id) if o.status is OfferStatus.ACCEPTED
                ]
            stored_ok = ticket is not None and ticket.status is TicketStatus.ACCEPTED and len(accepted) == 1
            if winners != 1 or not stored_ok or (accepted and accepted[0].engineer_id != ticket.assignee_id):  # type: ignore[union-attr]
                violations += 1
    finally:
        await db.dispose()
    return {
        "trials": trials,
        "engineers": engineers,
        "violations": violations,
        "seconds": round(time.perf_counter() - started, 1),
    }


@bench.command("accept-race")
@click.option("--trials", default=1000, show_default=True)
@click.option("--engineers", default=50, show_default=True, help="Engineers pressing Accept at once.")
@click.option("--db-url", default=None, help="PostgreSQL URL of a scratch database (dropped and re-created).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def accept_race(trials: int, engineers: int, db_url: str | None, as_json: bool) -> None:
    """Count trials in which anything but exactly one engineer won the same job."""
    result = asyncio.run(_run(bench_pg_url(db_url), trials, engineers))
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
