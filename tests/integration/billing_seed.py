"""A billed client for the billing tests: price list, contract with terms, an engineer and a job in progress."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from ticket_core.billing.terms import ContractTerms, Service, ServiceKind
from ticket_core.enums import Priority, Role, TicketStatus
from ticket_core.model import Actor, Client, Contract, StaffMember, Ticket

D = Decimal
PRICE_LIST = (
    Service("hour-l1", ServiceKind.HOUR, "Час работы инженера L1", "Hour of work, L1", D(2000), level=1),
    Service("hour-l2", ServiceKind.HOUR, "Час работы инженера L2", "Hour of work, L2", D(2500), level=2),
    Service("callout", ServiceKind.CALLOUT, "Выезд инженера", "Engineer call-out", D(1500)),
    Service("parts", ServiceKind.PART, "Запчасти", "Parts", margin_pct=D(20)),
)
ENGINEER = Actor(Role.ENGINEER, "smirnov", name="Smirnov")
SUPERVISOR = Actor(Role.SUPERVISOR, "sokolova", name="Sokolova")


def terms(client_id: str, **fields: object) -> ContractTerms:
    """Terms of the client's contract `k-<client>`: IT included, 2 h and 1 call-out a month, 10 % off."""
    values: dict[str, object] = {
        "included_categories": ("it",),
        "hours_per_month": D(2),
        "callouts_per_month": 1,
        "discount_pct": D(10),
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2027, 12, 31),
        "vat_pct": D(20),
    }
    values.update(fields)
    return ContractTerms(f"k-{client_id}", client_id, **values)  # type: ignore[arg-type]


async def add_billed_client(uow: SqlUnitOfWork, client_id: str, now: datetime, **fields: object) -> None:
    """The client, its contract with terms, the price list and the engineer (each once)."""
    await uow.directory.add_client(Client(client_id, f"Client {client_id}", "company", now))
    await uow.directory.add_contract(Contract(f"k-{client_id}", client_id, "Service", ("it", "network")))
    await uow.billing.put_terms(terms(client_id, **fields))
    for service in PRICE_LIST:
        await uow.billing.put_service(service)
    if await uow.directory.get_staff(ENGINEER.id) is None:
        await uow.directory.add_staff(StaffMember(ENGINEER.id, "Smirnov", Role.ENGINEER, level=2))


async def add_job(
    factory: UnitOfWorkFactory, client_id: str, number: int, now: datetime, category: str = "it"
) -> str:
    """A job in progress by the engineer; returns its id."""
    ticket = Ticket(
        id=f"t-{client_id}-{number}",
        number=number,
        client_id=client_id,
        contact_id=None,
        category=category,
        priority=Priority.P3,
        description="Printer does not print",
        created_at=now - timedelta(hours=3),
        status=TicketStatus.IN_PROGRESS,
        assignee_id=ENGINEER.id,
        accepted_at=now - timedelta(hours=2),
        started_at=now - timedelta(hours=2),
    )
    async with factory() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    return ticket.id


async def back_to_work(factory: UnitOfWorkFactory, ticket_id: str) -> None:
    """A reopened job taken again by the engineer (routing and Accept are not what these tests are about)."""
    async with factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.assignee_id = ENGINEER.id
        await uow.tickets.update(ticket)
        await uow.commit()
