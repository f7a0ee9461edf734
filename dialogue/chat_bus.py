"""The bus the engine dispatches a turn's events on, with the chat's subscribers.

`chat_bus` subscribes, in this order, the messages to people (`dialogue.notifications`), the staff group's
thread (`dialogue.staff_group`), routing and SLA timers (`ticket_core.handlers`); the composition root adds
its own subscribers (outgoing webhooks) to the bus it gets.
"""

from __future__ import annotations

from dialogue import notifications
from dialogue.reaction import ChatBus, Reaction
from dialogue.staff_group import StaffGroup, StaffGroupPoster
from ticket_core.bus import MessageBus
from ticket_core.events import DomainEvent
from ticket_core.handlers import RoutingPolicy, subscribe_routing, subscribe_sla
from ticket_core.model import Ticket


def chat_bus(routing: RoutingPolicy | None = None, staff_group: StaffGroup | None = None) -> ChatBus:
    """A bus with the chat's and the domain's subscribers (people hear of a change before its follow-ups)."""
    bus: ChatBus = MessageBus()
    notifications.subscribe(bus)
    if staff_group is not None:
        poster = StaffGroupPoster(staff_group)

        async def post_to_thread(event: DomainEvent, ticket: Ticket, ctx: Reaction) -> None:
            await poster.on_event(ctx.uow, ctx.out, ticket, event, ctx.now)

        bus.subscribe(DomainEvent, post_to_thread)
    subscribe_routing(bus, routing or RoutingPolicy())
    subscribe_sla(bus)
    return bus
