"""The message bus: `{EventType: [handlers]}`, as in "Architecture Patterns with Python" (chapter 8).

Use cases record domain events on the unit of work (`uow.record`); the unit writes them to the event log
(the audit) in the transaction it commits. Before that commit, `MessageBus.dispatch` hands each recorded
event to the handlers subscribed to its type, in the order they subscribed, in that same transaction.
Events the handlers record in turn (routing a new ticket records `TicketOffered`) are dispatched too,
until none are left; then the settled subscribers see every event of the unit at once.

Who subscribes what (each in one file, so adding a reaction to an event touches that file only):
- `ticket_core.handlers`: domain reactions (routing, SLA timers);
- `dialogue.notifications` and the staff group's poster: messages to people;
- `helpdesk.api.webhook_queue`: outgoing webhooks, a settled subscriber.

A handler gets the event, the ticket it names (read once per event; events of no ticket reach nobody)
and the context of the dispatch (`C`: at least the unit of work and the time). A refusal of a follow-up
(`DomainError`: the offer was taken meanwhile) is logged and skipped; it is not an error of the change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from ticket_core.errors import DomainError
from ticket_core.events import DomainEvent
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork

log = logging.getLogger(__name__)


class EventContext(Protocol):
    """What every handler gets besides the event: the unit the event was recorded in, and the time."""

    @property
    def uow(self) -> UnitOfWork: ...

    @property
    def now(self) -> datetime: ...


C = TypeVar("C", bound=EventContext)
E = TypeVar("E", bound=DomainEvent)

Handler = Callable[[E, Ticket, C], Awaitable[None]]
"""`handler(event, ticket, context)`: one reaction to one event."""

SettledHandler = Callable[[Sequence[DomainEvent], C], Awaitable[None]]
"""`handler(events, context)`: sees each event of the unit once, when the handlers recorded no more."""


class MessageBus(Generic[C]):
    """Maps event types to their handlers and dispatches a unit's recorded events to them."""

    def __init__(self) -> None:
        self._subscriptions: list[tuple[type[DomainEvent], Callable[[Any, Ticket, C], Awaitable[None]]]] = []
        self._settled: list[SettledHandler[C]] = []
        self._by_type: dict[type[DomainEvent], list[Callable[[Any, Ticket, C], Awaitable[None]]]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E, Ticket, C], Awaitable[None]]) -> None:
        """Call `handler` for every event of `event_type` (subclasses included), after those subscribed before."""
        self._subscriptions.append((event_type, handler))
        self._by_type.clear()

    def subscribe_many(
        self, event_types: Sequence[type[E]], handler: Callable[[E, Ticket, C], Awaitable[None]]
    ) -> None:
        """Subscribe one handler to several event types."""
        for event_type in event_types:
            self.subscribe(event_type, handler)

    def subscribe_settled(self, handler: SettledHandler[C]) -> None:
        """Call `handler` once per dispatch, after all other handlers, with every event that dispatch handled
        (those recorded since the dispatch before it, and the follow-ups they caused)."""
        self._settled.append(handler)

    def handlers(self, event_type: type[DomainEvent]) -> list[Callable[[Any, Ticket, C], Awaitable[None]]]:
        """The handlers an event of this type reaches, in the order they subscribed."""
        found = self._by_type.get(event_type)
        if found is None:
            found = [h for t, h in self._subscriptions if issubclass(event_type, t)]
            self._by_type[event_type] = found
        return found

    async def dispatch(self, context: C, start: int = 0) -> int:
        """Hand the events recorded from index `start` on to their handlers until none are left.

        Returns the index after the last event handled. The settled subscribers run afterwards, once.
        """
        uow = context.uow
        i = start
        while i < len(uow.collected):
            event = uow.collected[i]
            i += 1
            handlers = self.handlers(type(event))
            if not handlers or event.ticket_id is None:
                continue
            ticket = await uow.tickets.get(event.ticket_id)
            if ticket is None:
                continue
            for handler in handlers:
                try:
                    await handler(event, ticket, context)
                except DomainError as exc:  # a follow-up that no longer applies is not an error of the change
                    log.info("%s of %s skipped: %s", _name(handler), event.name, exc)
        if self._settled:
            events = uow.collected[start:i]  # each event once, however many dispatches the unit has
            for settled in self._settled:
                await settled(events, context)
        return i


def _name(handler: object) -> str:
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__
