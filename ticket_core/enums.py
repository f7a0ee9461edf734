"""Enumerations of the domain."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.OFFERED,
        TicketStatus.ACCEPTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.ON_HOLD,
        TicketStatus.REOPENED,
    }
)
"""Statuses in which somebody still owes the client work."""

WAITING_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OFFERED, TicketStatus.REOPENED})
"""Statuses in which a ticket waits for an engineer to take it."""

ACTIVE_JOB_STATUSES = frozenset({TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD})
"""Statuses that count towards an engineer's load."""


class Priority(StrEnum):
    """P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Role(StrEnum):
    """Who is acting."""

    CLIENT = "client"
    ENGINEER = "engineer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"


class OfferStatus(StrEnum):
    """The state of one job offer to one engineer."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Visibility(StrEnum):
    """Who may read a comment."""

    PUBLIC = "public"
    INTERNAL = "internal"


class PersonKind(StrEnum):
    """What a chat account belongs to."""

    CONTACT = "contact"
    STAFF = "staff"
