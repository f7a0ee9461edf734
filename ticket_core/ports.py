"""Ports: the repository and unit-of-work Protocols the use cases need. `storage/` implements them.

Every method is async. Repositories never commit; the unit of work does, once, for the whole change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.events import DomainEvent
from ticket_core.lists import Choice, SlaFilter, TicketFilter, TicketRow
from ticket_core.model import (
    ChannelAccount,
    Client,
    Comment,
    Contact,
    Contract,
    Offer,
    Site,
    SiteScope,
    StaffMember,
    Ticket,
    TicketQuery,
)

if TYPE_CHECKING:  # ticket_core.sla.ports reaches the use cases, which import this module
    from ticket_core.billing.ports import BillingStore
    from ticket_core.equipment.ports import EquipmentRepository
    from ticket_core.sla.escalation import EscalationRule
    from ticket_core.sla.ports import MaintenanceStore, SlaStore


class TicketRepository(Protocol):
    """Tickets."""

    async def next_number(self) -> int:
        """Reserve the next ticket number (unique, increasing; safe under concurrency)."""
        ...

    async def add(self, ticket: Ticket) -> None:
        """Insert a new ticket (version 0 is stored as 1; the object's version is set to 1)."""
        ...

    async def get(self, ticket_id: str) -> Ticket | None:
        """Return a ticket by id."""
        ...

    async def get_by_number(self, number: int) -> Ticket | None:
        """Return a ticket by its number."""
        ...

    async def update(self, ticket: Ticket) -> None:
        """Save a changed ticket if nobody changed it since it was read.

        Compares the stored version with `ticket.version`; on a match stores the ticket with version + 1 and
        sets `ticket.version` to it. Raises `StaleTicket` when the stored version differs.
        """
        ...

    async def list_for_client(
        self, client_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 20
    ) -> list[Ticket]:
        """Tickets of one client, newest first."""
        ...

    async def list_for_assignee(
        self, engineer_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 50
    ) -> list[Ticket]:
        """Jobs of one engineer, newest first."""
        ...

    async def add_follower(self, ticket_id: str, contact_id: str, at: datetime) -> bool:
        """Make a contact a follower of a ticket; True when they were not one already."""
        ...

    async def remove_follower(self, ticket_id: str, contact_id: str) -> bool:
        """Stop a contact following a ticket; True when they were one."""
        ...

    async def followers(self, ticket_id: str) -> list[str]:
        """The contacts following a ticket, in the order they began."""
        ...

    async def search_for_client(
        self, client_id: str, contact_id: str, scope: SiteScope, query: TicketQuery
    ) -> list[Ticket]:
        """A page of one client's tickets that contact `contact_id` with `scope` sees, newest first.

        Matches `query`'s statuses and site; its text matches a ticket number ("1042", "HD-1042") or any part
        of the description, in any case. At most `query.limit` tickets.
        """
        ...

    async def list_waiting(self, limit: int = 50) -> list[Ticket]:
        """Tickets waiting for an engineer (new, offered, reopened), most urgent and oldest first."""
        ...

    async def count_active_by_assignee(self) -> dict[str, int]:
        """Number of active jobs (accepted, in progress, on hold) per engineer id."""
        ...


class OfferRepository(Protocol):
    """Job offers."""

    async def add(self, offer: Offer) -> None:
        """Insert an offer."""
        ...

    async def get(self, offer_id: str) -> Offer | None:
        """Return an offer by id."""
        ...

    async def list_for_ticket(self, ticket_id: str, status: OfferStatus | None = None) -> list[Offer]:
        """Offers of a ticket, oldest first, optionally of one status."""
        ...

    async def set_status(
        self, offer_id: str, status: OfferStatus, at: datetime, reason: str | None = None
    ) -> None:
        """Change an offer's status and decision time."""
        ...

    async def list_expired(self, now: datetime, limit: int = 100) -> list[Offer]:
        """Pending offers whose `expires_at` is at or before `now`."""
        ...

    async def list_pending_for_engineer(self, engineer_id: str, limit: int = 20) -> list[Offer]:
        """The offers still waiting for this engineer's answer, newest first."""
        ...

    async def last_offered_at(self, engineer_ids: Sequence[str]) -> dict[str, datetime]:
        """When each engineer last got an offer (engineers never offered anything are absent)."""
        ...


class DirectoryRepository(Protocol):
    """Clients, contacts, sites, contracts and staff: the reference data."""

    async def get_client(self, client_id: str) -> Client | None: ...

    async def get_clients(self, client_ids: Sequence[str]) -> dict[str, Client]:
        """Many clients in one read, by id (ids that match none are absent)."""
        ...

    async def add_client(self, client: Client) -> None: ...

    async def get_contact(self, contact_id: str) -> Contact | None: ...

    async def add_contact(self, contact: Contact) -> None: ...

    async def update_contact(self, contact: Contact) -> None: ...

    async def find_contact_by_phone(self, phone: str) -> Contact | None: ...

    async def find_contact_by_email(self, email: str) -> Contact | None: ...

    async def list_contacts(self, client_id: str | None = None) -> list[Contact]: ...

    async def get_site(self, site_id: str) -> Site | None: ...

    async def add_site(self, site: Site) -> None: ...

    async def list_sites(self, client_id: str) -> list[Site]: ...

    async def get_contract(self, client_id: str) -> Contract | None:
        """The client's active contract, if any."""
        ...

    async def add_contract(self, contract: Contract) -> None: ...

    async def get_staff(self, staff_id: str) -> StaffMember | None: ...

    async def add_staff(self, member: StaffMember) -> None: ...

    async def set_on_shift(self, staff_id: str, on_shift: bool) -> None:
        """Mark a staff member on or off shift."""
        ...

    async def update_staff_profile(self, member: StaffMember) -> None:
        """Save an engineer's profile fields.

        Those are skills, level, regions, time zone, working hours, job limit, home, language and phone; the
        name, role, shift and join code are left as they are.
        """
        ...

    async def list_staff(self, role: Role | None = None) -> list[StaffMember]: ...

    async def find_staff_by_join_code(self, code: str) -> StaffMember | None: ...


class AccountRepository(Protocol):
    """Chat accounts on each platform, linked to contacts and staff."""

    async def find(self, channel: str, bot: str, account_id: str) -> ChannelAccount | None: ...

    async def find_with_contact(
        self, channel: str, bot: str, account_id: str
    ) -> tuple[ChannelAccount | None, Contact | None]:
        """The link of one platform account and the contact it names, if that exists, in one read."""
        ...

    async def link(self, account: ChannelAccount) -> None:
        """Create or replace the link for (channel, bot, account_id)."""
        ...

    async def list_for_person(self, person_id: str, bot: str | None = None) -> list[ChannelAccount]: ...

    async def set_muted(self, channel: str, bot: str, account_id: str, muted: bool) -> None:
        """Turn notifications to one account off (unsubscribed) or on again; `link` keeps what this set."""
        ...


class CommentRepository(Protocol):
    """Comments on tickets."""

    async def add(self, comment: Comment) -> None: ...

    async def list_for_ticket(self, ticket_id: str, include_internal: bool) -> list[Comment]: ...


class EventLog(Protocol):
    """The append-only audit log of domain events."""

    async def append(self, event: DomainEvent) -> None: ...

    async def list_for_ticket(self, ticket_id: str) -> list[dict[str, Any]]:
        """Events of a ticket, oldest first: dicts with name, actor, at and data."""
        ...

    async def list_between(
        self, names: Sequence[str], since: datetime, until: datetime, limit: int = 50_000
    ) -> list[dict[str, Any]]:
        """Events of the given names recorded in [since, until), oldest first."""
        ...


class TicketLists(Protocol):
    """Read model: the staff's ticket lists (the admin's keyset pages, the API's offset pages) and the
    dashboard's counts. Read-only; every change goes through a use case."""

    async def page(self, where: TicketFilter, *, limit: int, offset: int) -> tuple[list[Ticket], int]:
        """One page of matching tickets, newest number first, and the number of all matches."""
        ...

    async def listing(
        self, where: TicketFilter, ladder: Iterable[EscalationRule], *, before: int | None, limit: int
    ) -> tuple[list[TicketRow], int, int | None]:
        """One page of the admin's list older than ticket number `before`, newest first, each with its SLA
        state and its client's and site's names; the number of all matches; the next page's `before`
        (None at the end)."""
        ...

    async def sla_states(
        self, page: Sequence[Ticket], ladder: Iterable[EscalationRule]
    ) -> dict[str, SlaFilter]:
        """The SLA state of each ticket on a page (by ticket id), from the alerts recorded for them."""
        ...

    async def counts_by_status(self) -> dict[str, int]:
        """How many tickets are in each status (statuses without tickets are left out)."""
        ...

    async def open_sla_counts(self, ladder: Iterable[EscalationRule]) -> dict[SlaFilter, int]:
        """How many open tickets are at risk and how many breached."""
        ...


class DirectoryLists(Protocol):
    """Read model: clients and sites as filters offer them (at most `CHOICES_MAX`), the clients page with its
    counts, a client's contracts, and the categories and regions an engineer form suggests. Read-only."""

    async def client_choices(self) -> list[Choice]:
        """Every client, by name."""
        ...

    async def site_choices(self, client_id: str | None = None) -> list[Choice]:
        """Every site (of one client when given), by name, with its client's name as the detail."""
        ...

    async def clients_page(self, *, limit: int, offset: int) -> tuple[list[Client], int]:
        """One page of clients by id, and how many there are."""
        ...

    async def client_summaries(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per client id: its `sites`, active `contracts` and `open` tickets."""
        ...

    async def contracts_of(self, client_id: str) -> list[Contract]:
        """Every contract of a client, active or not, by id."""
        ...

    async def categories_and_regions(self) -> tuple[set[str], set[str]]:
        """The categories the contracts cover and the regions of the sites."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository.

    Use cases call `record(event)`; the unit of work appends recorded events to the event log in the same
    transaction when it commits. `collected` keeps every event recorded since the unit began, for fan-out.
    `sla` is None when SLA tracking is off (no timers, no alerts); `maintenance` is None where planned
    maintenance is not kept; `billing` is None where billing is off (nothing is charged).
    """

    # Read-only properties, so an implementation may declare its concrete repository types.
    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def offers(self) -> OfferRepository: ...

    @property
    def directory(self) -> DirectoryRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def sla(self) -> SlaStore | None: ...

    @property
    def maintenance(self) -> MaintenanceStore | None: ...

    @property
    def equipment(self) -> EquipmentRepository: ...

    @property
    def billing(self) -> BillingStore | None: ...

    # Read models: the staff's lists (the admin, the REST API); no use case needs them.
    @property
    def ticket_lists(self) -> TicketLists: ...

    @property
    def directory_lists(self) -> DirectoryLists: ...

    def record(self, event: DomainEvent) -> None: ...

    @property
    def collected(self) -> list[DomainEvent]: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...
