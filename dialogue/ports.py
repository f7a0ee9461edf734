"""Ports the dialogue engine needs beyond ticket_core's: outbox, inbound dedup, conversation state, interactions.

`storage/` implements these structurally (Protocols need no import), on the same transaction as the
ticket changes, so a reply and the change that caused it commit together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ticket_core.ports import UnitOfWork


class Outbox(Protocol):
    """Messages waiting to be sent."""

    async def add(
        self,
        channel: str,
        bot: str,
        chat_id: str,
        payload: dict[str, Any],
        at: datetime,
        inbound_key: str | None = None,
    ) -> None:
        """Queue one outgoing message (an `Outbound.to_dict()`); `inbound_key` names the message that caused it."""
        ...


class InboundLog(Protocol):
    """Platform update ids already handled."""

    async def first_time(self, dedup_key: str, at: datetime) -> bool:
        """Record `dedup_key`; return False when it was recorded before (the update is a repeat)."""
        ...


class ConversationStore(Protocol):
    """Per-chat conversation state as a JSON-safe dict."""

    async def load(self, key: str) -> dict[str, Any] | None: ...

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None: ...

    async def clear(self, key: str) -> None: ...


class InteractionLog(Protocol):
    """What happened to each inbound request outside tickets (KB answers, deflections), for reports."""

    async def add(
        self,
        kind: str,
        at: datetime,
        *,
        contact_id: str | None = None,
        channel: str | None = None,
        query: str | None = None,
        article_id: str | None = None,
        ticket_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None: ...


class DialogueUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the engine runs in: ticket_core's plus the dialogue ports."""

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbound(self) -> InboundLog: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def interactions(self) -> InteractionLog: ...
