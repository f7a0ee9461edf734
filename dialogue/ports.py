"""Ports the dialogue engine needs beyond ticket_core's: outbox, inbound dedup, conversation state, interactions.

`storage/` implements these structurally (Protocols need no import), on the same transaction as the
ticket changes, so a reply and the change that caused it commit together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from kb_search.ports import KbUnitOfWork
from ticket_core.model import ThreadState, TicketThread
from ticket_core.ports import UnitOfWork


class OutboxMessage(NamedTuple):
    """One message for `Outbox.add_many`: where it goes and its `Outbound.to_dict()`."""

    channel: str
    bot: str
    chat_id: str
    payload: dict[str, Any]


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

    async def add_many(
        self, messages: Sequence[OutboxMessage], at: datetime, inbound_key: str | None = None
    ) -> None:
        """Queue several outgoing messages at once (one statement), in order; like `add` for each."""
        ...


class SenderReads(Protocol):
    """The short read before a turn, in one round trip outside a transaction (PostgreSQL)."""

    async def client_and_state(
        self, channel: str, bot: str, account_id: str, key: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The client of the contact that account (channel, bot, account_id) names, if any, and the state kept
        for conversation `key`, if any: as committed, from one statement."""
        ...


class InboundLog(Protocol):
    """Platform update ids already handled."""

    async def first_time(self, dedup_key: str, at: datetime) -> bool:
        """Record `dedup_key` as handled in this transaction; return False when it was before (a repeat).

        Committed with the turn, this also marks the message's row in the durable inbox done.
        """
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


class TicketThreadStore(Protocol):
    """Each ticket's thread in the staff group (a forum topic, or the replies to its card): `uow.threads`."""

    async def add(self, thread: TicketThread, at: datetime) -> None: ...

    async def get(self, ticket_id: str) -> TicketThread | None: ...

    async def find(
        self, channel: str, bot: str, chat_id: str, *, thread_id: str | None = None, root: str | None = None
    ) -> TicketThread | None:
        """The thread a group message belongs to: by forum topic id, or by the root of its reply thread."""
        ...

    async def set_state(self, ticket_id: str, state: ThreadState, at: datetime) -> None: ...


class WebhookOutbox(Protocol):
    """The REST API's outgoing webhooks in the unit's transaction: `uow.webhooks_out`.

    A delivery is queued beside the chat outbox but is not a chat message: its row has a kind of its own,
    and only the webhook deliverer sends it. The subscriber that renders the bodies (`helpdesk.api`)
    listens on the engine's bus.
    """

    async def subscribers(self, event: str) -> Sequence[str]:
        """The ids of the subscriptions that want `event` (a webhook event name), oldest first."""
        ...

    async def add(self, subscription_id: str, body: Mapping[str, Any], at: datetime) -> None:
        """Queue one delivery of `body` (the JSON envelope) to a subscription, due at `at`."""
        ...


class PortalLinks(Protocol):
    """Sign-in links of the client portal (`storage.portal_store`): a chat's `/portal` asks for one
    (`dialogue.portal_link`), within the limit the portal's sign-in page keeps in the same table."""

    async def add_link(self, link_id: str, contact_id: str, now: datetime, expires_at: datetime) -> None:
        """Store a link's hashed secret, usable once until `expires_at`."""
        ...

    async def add_request(self, now: datetime, ip: str, contact_id: str | None) -> None:
        """Count a request for a link (from an address, or a chat as `chat:<channel>`)."""
        ...

    async def requests_for(self, contact_id: str, since: datetime) -> int:
        """How many links were asked for the contact since `since`."""
        ...


class DialogueUnitOfWork(UnitOfWork, KbUnitOfWork, Protocol):
    """The unit of work the engine runs in: ticket_core's, the KB's and the dialogue ports.

    Confirmed KB phrasings (a client's Helped, an engineer's link) are kept in the turn.
    """

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbound(self) -> InboundLog: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def interactions(self) -> InteractionLog: ...

    @property
    def threads(self) -> TicketThreadStore: ...

    @property
    def webhooks_out(self) -> WebhookOutbox: ...

    @property
    def portal(self) -> PortalLinks: ...
