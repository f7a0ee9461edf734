"""The message bus: handlers per event type, in subscription order, follow-ups dispatched, refusals skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tests.fakes.memory_uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import CLIENT, NOW
from ticket_core import events as ev
from ticket_core import usecases as uc
from ticket_core.bus import MessageBus
from ticket_core.enums import TicketStatus
from ticket_core.errors import AlreadyTaken
from ticket_core.handlers import RoutingPolicy, subscribe_routing
from ticket_core.model import Ticket


@dataclass(frozen=True)
class Ctx:
    uow: MemoryUnitOfWork
    now: datetime


async def _opened(uow: MemoryUnitOfWork) -> Ticket:
    draft = uc.TicketDraft(client_id="acme", category="it", description="Printer jams", site_id="acme-hq")
    return await uc.open_ticket(uow, CLIENT, draft, NOW)


async def test_handlers_run_in_subscription_order_and_a_base_type_reaches_every_event(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    seen: list[str] = []
    bus: MessageBus[Ctx] = MessageBus()

    async def first(event: ev.TicketOpened, ticket: Ticket, ctx: Ctx) -> None:
        seen.append(f"first:{event.name}:{ticket.ref}")

    async def every(event: ev.DomainEvent, ticket: Ticket, ctx: Ctx) -> None:
        seen.append(f"every:{event.name}")

    async def second(event: ev.TicketOpened, ticket: Ticket, ctx: Ctx) -> None:
        seen.append(f"second:{event.name}")

    bus.subscribe(ev.TicketOpened, first)
    bus.subscribe(ev.DomainEvent, every)
    bus.subscribe(ev.TicketOpened, second)
    async with uows() as uow:
        ticket = await _opened(uow)
        assert await bus.dispatch(Ctx(uow, NOW)) == 1
    assert seen == [f"first:ticket_opened:{ticket.ref}", "every:ticket_opened", "second:ticket_opened"]


async def test_events_recorded_by_handlers_are_dispatched_too_and_settled_subscribers_see_them_all(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    bus: MessageBus[Ctx] = MessageBus()
    subscribe_routing(bus, RoutingPolicy())
    offered: list[str] = []
    settled: list[list[str]] = []

    async def on_offer(event: ev.TicketOffered, ticket: Ticket, ctx: Ctx) -> None:
        offered.append(event.engineer_id)

    async def at_the_end(events: Sequence[ev.DomainEvent], ctx: Ctx) -> None:
        settled.append([e.name for e in events])

    bus.subscribe(ev.TicketOffered, on_offer)
    bus.subscribe_settled(at_the_end)
    async with uows() as uow:
        ticket = await _opened(uow)
        handled = await bus.dispatch(Ctx(uow, NOW))
        assert (await uow.tickets.get(ticket.id)).status is TicketStatus.OFFERED  # type: ignore[union-attr]
    assert offered == ["e-near"]  # routing (ticket_core.handlers) offered it; the offer reached its handler
    assert handled == 2
    assert settled == [["ticket_opened", "ticket_offered"]]


async def test_a_refused_follow_up_is_skipped_and_the_next_handler_still_runs(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    bus: MessageBus[Ctx] = MessageBus()
    ran: list[str] = []

    async def refuses(event: ev.DomainEvent, ticket: Ticket, ctx: Ctx) -> None:
        raise AlreadyTaken("taken meanwhile")

    async def next_one(event: ev.DomainEvent, ticket: Ticket, ctx: Ctx) -> None:
        ran.append(event.name)

    bus.subscribe(ev.TicketOpened, refuses)
    bus.subscribe(ev.TicketOpened, next_one)
    async with uows() as uow:
        await _opened(uow)
        await bus.dispatch(Ctx(uow, NOW))
    assert ran == ["ticket_opened"]


async def test_events_without_a_ticket_or_a_handler_reach_nobody(uows: MemoryUnitOfWorkFactory) -> None:
    bus: MessageBus[Ctx] = MessageBus()
    ran: list[str] = []

    async def handler(event: ev.DomainEvent, ticket: Ticket, ctx: Ctx) -> None:
        ran.append(event.name)

    bus.subscribe(ev.TicketOffered, handler)
    async with uows() as uow:
        await _opened(uow)  # TicketOpened: nobody subscribed to it
        uow.record(ev.TicketOffered(ticket_id="no-such", actor=CLIENT, at=NOW, engineer_id="e", offer_id="o"))
        assert await bus.dispatch(Ctx(uow, NOW)) == 2
    assert ran == []


async def test_settled_subscribers_see_each_event_once_over_several_dispatches(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    bus: MessageBus[Ctx] = MessageBus()
    settled: list[list[str]] = []

    async def at_the_end(events: Sequence[ev.DomainEvent], ctx: Ctx) -> None:
        settled.append([e.name for e in events])

    bus.subscribe_settled(at_the_end)
    async with uows() as uow:
        await _opened(uow)
        after = await bus.dispatch(Ctx(uow, NOW))
        uow.record(ev.TicketOffered(ticket_id="t-x", actor=CLIENT, at=NOW, engineer_id="e", offer_id="o"))
        await bus.dispatch(Ctx(uow, NOW), after)
    # An outgoing webhook is queued once per event, not again with every later dispatch of the unit.
    assert settled == [["ticket_opened"], ["ticket_offered"]]
