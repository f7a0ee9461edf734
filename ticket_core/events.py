"""Domain events: past-tense facts that use cases record. They are the audit log and drive notifications."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ticket_core.enums import Role
from ticket_core.model import Actor


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base event: which ticket, who, when, and event-specific data in the subclass fields."""

    name: ClassVar[str] = "event"
    ticket_id: str | None
    actor: Actor
    at: datetime

    def data(self) -> dict[str, Any]:
        """Event-specific fields as a JSON-safe dict (without ticket_id, actor and at)."""
        raw = asdict(self)
        for key in ("ticket_id", "actor", "at"):
            raw.pop(key, None)
        return raw


@dataclass(frozen=True, kw_only=True)
class TicketOpened(DomainEvent):
    name: ClassVar[str] = "ticket_opened"
    number: int
    category: str
    priority: str


@dataclass(frozen=True, kw_only=True)
class TicketOffered(DomainEvent):
    name: ClassVar[str] = "ticket_offered"
    engineer_id: str
    offer_id: str
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class NoEngineerAvailable(DomainEvent):
    name: ClassVar[str] = "no_engineer_available"
    reason: str


@dataclass(frozen=True, kw_only=True)
class OfferAccepted(DomainEvent):
    name: ClassVar[str] = "offer_accepted"
    engineer_id: str


@dataclass(frozen=True, kw_only=True)
class OfferDeclined(DomainEvent):
    name: ClassVar[str] = "offer_declined"
    engineer_id: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class OfferExpired(DomainEvent):
    name: ClassVar[str] = "offer_expired"
    engineer_id: str


@dataclass(frozen=True, kw_only=True)
class TicketReturnedToQueue(DomainEvent):
    name: ClassVar[str] = "ticket_returned_to_queue"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WorkStarted(DomainEvent):
    name: ClassVar[str] = "work_started"


@dataclass(frozen=True, kw_only=True)
class EngineerOnTheWay(DomainEvent):
    name: ClassVar[str] = "engineer_on_the_way"


@dataclass(frozen=True, kw_only=True)
class EngineerOnSite(DomainEvent):
    name: ClassVar[str] = "engineer_on_site"
    lat: float | None = None
    lon: float | None = None
    distance_km: float | None = None


@dataclass(frozen=True, kw_only=True)
class TicketHandedOver(DomainEvent):
    name: ClassVar[str] = "ticket_handed_over"
    from_engineer_id: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class TicketLevelRaised(DomainEvent):
    """The job needs a more senior engineer (L1 -> L2 -> L3); it is routed again among those levels.

    `from_engineer_id` is the engineer who escalated their own job (None when a supervisor raised it);
    `returned_to_queue` tells whether the job left its assignee and waits for routing again.
    """

    name: ClassVar[str] = "ticket_level_raised"
    from_level: int
    to_level: int
    reason: str | None = None
    from_engineer_id: str | None = None
    returned_to_queue: bool = False


@dataclass(frozen=True, kw_only=True)
class TicketPutOnHold(DomainEvent):
    name: ClassVar[str] = "ticket_put_on_hold"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WorkResumed(DomainEvent):
    name: ClassVar[str] = "work_resumed"


@dataclass(frozen=True, kw_only=True)
class TicketResolved(DomainEvent):
    name: ClassVar[str] = "ticket_resolved"
    note: str
    time_spent_min: int | None = None
    checklist: tuple[tuple[str, str], ...] = ()
    """The checklist items ticked before Done, each as (Russian, English): shown in the reader's language."""
    offered_to: tuple[str, ...] = ()
    """Engineers whose pending offers the resolution withdrew (a monitoring recovery before anyone took it)."""


@dataclass(frozen=True, kw_only=True)
class TicketClosed(DomainEvent):
    name: ClassVar[str] = "ticket_closed"


@dataclass(frozen=True, kw_only=True)
class TicketCancelled(DomainEvent):
    name: ClassVar[str] = "ticket_cancelled"
    reason: str | None = None
    previous_assignee_id: str | None = None
    offered_to: tuple[str, ...] = ()
    """Engineers whose pending offers the cancellation withdrew (they are told)."""


@dataclass(frozen=True, kw_only=True)
class TicketReopened(DomainEvent):
    name: ClassVar[str] = "ticket_reopened"
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class CommentAdded(DomainEvent):
    name: ClassVar[str] = "comment_added"
    comment_id: str
    visibility: str
    text: str


@dataclass(frozen=True, kw_only=True)
class TicketFollowed(DomainEvent):
    """A contact of the ticket's client began (or stopped) hearing about it as its own contact does."""

    name: ClassVar[str] = "ticket_followed"
    contact_id: str
    following: bool = True


@dataclass(frozen=True, kw_only=True)
class PersonAsked(DomainEvent):
    """The client asked to talk to a person about the ticket (/human): their messages now go to its engineer."""

    name: ClassVar[str] = "person_asked"


@dataclass(frozen=True, kw_only=True)
class TicketRated(DomainEvent):
    name: ClassVar[str] = "ticket_rated"
    score: int
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class RatingCommented(DomainEvent):
    name: ClassVar[str] = "rating_commented"
    comment: str


@dataclass(frozen=True, kw_only=True)
class StaffProfileChanged(DomainEvent):
    """An admin changed an engineer's profile (an event without a ticket).

    `changes` maps each changed field to `{"before": ..., "after": ...}`, JSON-safe (lists, schedule text).
    """

    name: ClassVar[str] = "staff_profile_changed"
    staff_id: str
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ContactChanged(DomainEvent):
    """A supervisor or an admin changed a client's contact (an event without a ticket): `changes` maps each
    field (email, manager, site_id) to `{"before": ..., "after": ...}`."""

    name: ClassVar[str] = "contact_changed"
    contact_id: str
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ContactsImported(DomainEvent):
    """A client's contacts were imported from a CSV file (an event without a ticket): how many were created and
    updated, which (up to 1,000 ids), and the ids of contacts moved here from a private client the bot had
    registered (a person who wrote before their company listed them)."""

    name: ClassVar[str] = "contacts_imported"
    client_id: str
    created: int
    updated: int
    contact_ids: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class MailNotificationsChanged(DomainEvent):
    """A contact stopped (unsubscribed: a mail's one-click link, or a mail saying "unsubscribe") or restarted
    (the portal) notifications by mail to one of their addresses (an event without a ticket)."""

    name: ClassVar[str] = "mail_notifications_changed"
    contact_id: str
    address: str
    on: bool
    via: str  # "link", "mail" or "portal"


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.name: cls
    for cls in (
        TicketOpened,
        TicketOffered,
        NoEngineerAvailable,
        OfferAccepted,
        OfferDeclined,
        OfferExpired,
        TicketReturnedToQueue,
        WorkStarted,
        EngineerOnTheWay,
        EngineerOnSite,
        TicketHandedOver,
        TicketLevelRaised,
        TicketPutOnHold,
        WorkResumed,
        TicketResolved,
        TicketClosed,
        TicketCancelled,
        TicketReopened,
        CommentAdded,
        TicketFollowed,
        TicketRated,
        RatingCommented,
        StaffProfileChanged,
        ContactChanged,
        ContactsImported,
        MailNotificationsChanged,
    )
}


def actor_to_dict(actor: Actor) -> dict[str, Any]:
    """Serialise an actor for the event log."""
    return {"role": str(actor.role), "id": actor.id, "client_id": actor.client_id, "name": actor.name}


def actor_from_dict(data: dict[str, Any]) -> Actor:
    """Rebuild an actor from `actor_to_dict` output."""
    return Actor(Role(data["role"]), data["id"], data.get("client_id"), data.get("name"))
