"""Domain entities: plain dataclasses with no framework attached."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ticket_core.enums import OfferStatus, PersonKind, Priority, Role, TicketStatus, Visibility
from ticket_core.working_hours import WeeklyHours

DEFAULT_TIMEZONE = "Europe/Moscow"
"""The company's time zone: sites and engineers without one of their own use it."""

MAX_LEVEL = 3
"""Engineer levels run L1 (first line) to L3 (the most senior specialists)."""


@dataclass(frozen=True, slots=True)
class SiteScope:
    """Which of its client's tickets a contact sees: a manager every site's, anyone else their own site's and
    the tickets they opened themselves (`site_id` None: only those)."""

    manager: bool = False
    site_id: str | None = None

    @classmethod
    def of(cls, contact: Contact) -> SiteScope:
        """The scope of a contact as the directory knows them."""
        return cls(contact.manager, contact.site_id)

    def covers(self, contact_id: str, site_id: str | None, opened_by: str | None) -> bool:
        """Whether a ticket at `site_id` opened by `opened_by` is in this scope of contact `contact_id`."""
        if self.manager or opened_by == contact_id:
            return True
        return self.site_id is not None and site_id == self.site_id


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a use case.

    Attributes:
        role: the actor's role.
        id: a contact id (clients) or a staff member id; "system" for the machine.
        client_id: for clients, the client organisation the contact belongs to.
        name: display name for messages and the audit log.
    """

    role: Role
    id: str
    client_id: str | None = None
    name: str | None = None
    scope: SiteScope | None = None

    @classmethod
    def system(cls) -> Actor:
        """The application itself (timers, routing)."""
        return cls(Role.SYSTEM, "system", name="system")

    def may_see_site_of(self, ticket: Ticket) -> bool:
        """Whether a client actor's site scope covers `ticket` (always, without a scope)."""
        return self.scope is None or self.scope.covers(self.id, ticket.site_id, ticket.contact_id)

    @property
    def is_staff(self) -> bool:
        """Tell whether the actor works for the service company."""
        return self.role in (Role.ENGINEER, Role.SUPERVISOR, Role.ADMIN)


@dataclass(slots=True)
class Client:
    """A customer organisation (or a private person registered by the bot)."""

    id: str
    name: str
    kind: str = "company"  # company | individual
    created_at: datetime | None = None


@dataclass(slots=True)
class Contact:
    """A person who writes to the bot on behalf of a client."""

    id: str
    client_id: str
    name: str
    phone: str | None = None
    lang: str = "ru"
    created_at: datetime | None = None
    email: str | None = None  # lower-cased; a mail from it is this contact's (bots/email, docs/email.md)
    manager: bool = False  # the client's manager: sees every site's tickets in the portal (docs/portal.md)
    site_id: str | None = None  # the contact's own site; others see its tickets and their own


@dataclass(slots=True)
class Site:
    """A place where work is done: an office, a shop, a warehouse."""

    id: str
    client_id: str
    name: str
    address: str
    lat: float | None = None
    lon: float | None = None
    timezone: str = DEFAULT_TIMEZONE
    region: str | None = None  # a service region code, e.g. MOW; routing matches engineers' regions


@dataclass(slots=True)
class Contract:
    """What the client bought: categories covered and engineers preferred or excluded."""

    id: str
    client_id: str
    name: str
    categories: tuple[str, ...] = ()
    preferred_engineers: tuple[str, ...] = ()
    excluded_engineers: tuple[str, ...] = ()
    active: bool = True


@dataclass(slots=True)
class StaffMember:
    """An employee of the service company: engineer, supervisor or admin.

    Engineer fields (skills, location, level, load, regions, hours) are empty for other roles.
    `regions` are the service region codes the engineer covers (empty: any region); `working_hours` is
    the weekly schedule on the engineer's own `timezone` (None: available whenever on shift).
    """

    id: str
    name: str
    role: Role
    skills: tuple[str, ...] = ()
    home_lat: float | None = None
    home_lon: float | None = None
    level: int = 1
    max_parallel_jobs: int = 3
    on_shift: bool = True
    lang: str = "ru"
    phone: str | None = None
    join_code: str | None = None
    regions: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    working_hours: WeeklyHours | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo, video or document attached to a ticket."""

    kind: str
    file_id: str
    channel: str
    caption: str | None = None


@dataclass(slots=True)
class Ticket:
    """A request for service.

    `version` increases with every saved change; repositories refuse a save whose
    expected version is stale, which makes concurrent changes (two accepts) safe.
    """

    id: str
    number: int
    client_id: str
    contact_id: str | None
    category: str
    priority: Priority
    description: str
    created_at: datetime
    status: TicketStatus = TicketStatus.NEW
    site_id: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    assignee_id: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    source_channel: str | None = None
    updated_at: datetime | None = None
    offered_at: datetime | None = None
    accepted_at: datetime | None = None
    started_at: datetime | None = None
    on_hold_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    reopened_at: datetime | None = None
    first_response_at: datetime | None = None
    resolution_note: str | None = None
    time_spent_min: int | None = None
    rating: int | None = None
    rating_comment: str | None = None
    reopen_count: int = 0
    min_level: int = 1  # the lowest engineer level that may take the job (raised by escalation)
    version: int = 0

    @property
    def ref(self) -> str:
        """The number people see and type, e.g. HD-1042."""
        return format_ref(self.number)


def format_ref(number: int) -> str:
    """Format a ticket number the way people see it."""
    return f"HD-{number}"


def parse_ref(text: str) -> int | None:
    """The ticket number in a search text that is only a number: "1042", "HD-1042", "hd 1042" (else None)."""
    raw = text.strip().upper().removeprefix("HD").strip(" -#")
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """A page of a client's tickets: filters, a text to find, and where the page starts.

    `before` is a ticket number: the page holds tickets numbered below it (newest first), so the next page
    is as fast as the first whatever the list's length.
    """

    statuses: tuple[TicketStatus, ...] = ()
    site_id: str | None = None
    text: str | None = None
    before: int | None = None
    limit: int = 20


@dataclass(slots=True)
class Offer:
    """A job offered to one engineer; several may be pending at once for a broadcast."""

    id: str
    ticket_id: str
    engineer_id: str
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    reason: str | None = None
    decided_at: datetime | None = None
    score: float | None = None


@dataclass(slots=True)
class Comment:
    """A note on a ticket; internal ones are never shown to the client."""

    id: str
    ticket_id: str
    author: Actor
    text: str
    visibility: Visibility
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelAccount:
    """Links a chat account on a platform to a contact or a staff member."""

    channel: str
    bot: str
    account_id: str
    person_kind: PersonKind
    person_id: str
    chat_id: str
    muted: bool = False  # its person unsubscribed: notifications skip it, answers and sign-in links do not


class ThreadState(StrEnum):
    """Where a ticket's thread in the staff group is."""

    OPENING = "opening"  # asked for; the channel has not created it yet
    OPEN = "open"
    CLOSED = "closed"


@dataclass(slots=True)
class TicketThread:
    """A ticket's thread in the staff group: a forum topic, or the replies to its card message.

    `thread_id` (the topic) or `root_message_id` (the card) are known once the channel has created it.
    """

    ticket_id: str
    channel: str
    bot: str
    chat_id: str
    forum: bool
    state: ThreadState = ThreadState.OPENING
    thread_id: str | None = None
    root_message_id: str | None = None
    created_at: datetime | None = None
