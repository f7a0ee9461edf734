"""Domain reactions to domain events, subscribed on the message bus (`ticket_core.bus`).

- A ticket that waits for an engineer (opened, reopened, declined, expired, handed over, raised a level) is
  routed and offered (`usecases.offer_ticket`) under the configured routing policy.
- A change the SLA clock depends on moves the ticket's durable timer (`usecases.sla.reschedule`); a ticket
  that is no longer open has its timer marked done.

Messages to people about the same events are `dialogue`'s handlers; they subscribe before these, so a
person hears about a change before the follow-up it causes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ticket_core import events as ev
from ticket_core.billing.events import DebtHoldDecided, EstimateAnswered
from ticket_core.bus import C, EventContext, MessageBus
from ticket_core.enums import TicketStatus
from ticket_core.model import Actor, Ticket
from ticket_core.routing import Strategy
from ticket_core.usecases import offer_ticket
from ticket_core.usecases import sla as sla_uc

ROUTE_ON: tuple[type[ev.DomainEvent], ...] = (
    ev.TicketOpened,
    ev.TicketReopened,
    ev.OfferDeclined,
    ev.OfferExpired,
    ev.TicketHandedOver,
    ev.TicketLevelRaised,
    EstimateAnswered,
    DebtHoldDecided,
)
"""Events after which a ticket may wait for an engineer: it is routed when it does (a held job once its hold is
decided; a declined estimate or a refused debtor's job is cancelled by then and is not routed)."""

RESCHEDULE_ON: tuple[type[ev.DomainEvent], ...] = (
    ev.TicketOpened,
    ev.TicketPutOnHold,
    ev.WorkResumed,
    ev.TicketResolved,
    ev.TicketReopened,
    ev.TicketClosed,
    ev.TicketCancelled,
    ev.TicketReturnedToQueue,
    ev.TicketLevelRaised,
    ev.OfferAccepted,
)
"""Events after which a ticket's SLA timer is computed again."""

WAITING = frozenset({TicketStatus.NEW, TicketStatus.REOPENED})


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How waiting tickets are offered: offer timeout, strategy per category, broadcast size."""

    offer_timeout: timedelta = timedelta(seconds=600)
    strategies: Mapping[str, Strategy] = field(default_factory=dict)
    broadcast_size: int = 5


@dataclass(frozen=True, slots=True)
class RouteWaitingTicket:
    """Offers a ticket that waits for an engineer after the event, under `policy`."""

    policy: RoutingPolicy

    async def __call__(self, event: ev.DomainEvent, ticket: Ticket, ctx: EventContext) -> None:
        """Route and offer `ticket` when it waits (new or reopened)."""
        if ticket.status not in WAITING:
            return
        await offer_ticket(
            ctx.uow,
            Actor.system(),
            ticket.id,
            ctx.now,
            offer_timeout=self.policy.offer_timeout,
            strategy=self.policy.strategies.get(ticket.category, Strategy.BEST_MATCH),
            broadcast_size=self.policy.broadcast_size,
        )


async def reschedule_sla(event: ev.DomainEvent, ticket: Ticket, ctx: EventContext) -> None:
    """Move the ticket's SLA timer after a change its clock depends on (nothing while SLA tracking is off)."""
    if ctx.uow.sla is None:
        return
    fresh = await ctx.uow.tickets.get(ticket.id)  # as the reactions before this one left it
    if fresh is not None:
        await sla_uc.reschedule(ctx.uow, fresh, ctx.now)


def subscribe_routing(bus: MessageBus[C], policy: RoutingPolicy) -> None:
    """Route waiting tickets on `bus`."""
    bus.subscribe_many(ROUTE_ON, RouteWaitingTicket(policy))


def subscribe_sla(bus: MessageBus[C]) -> None:
    """Keep SLA timers in step with the changes on `bus`."""
    bus.subscribe_many(RESCHEDULE_ON, reschedule_sla)
