"""What a handler on the engine's bus gets: `Reaction`, the context of one dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from ticket_core.bus import MessageBus


@dataclass(frozen=True, slots=True)
class Reaction:
    """The unit of work the events were recorded in, the messages it queues and the time of the change."""

    uow: DialogueUnitOfWork
    out: Outgoing
    now: datetime


ChatBus = MessageBus[Reaction]
"""The engine's bus: every handler gets a `Reaction` (`dialogue.chat_bus.chat_bus` builds it)."""
