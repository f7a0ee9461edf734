"""An in-memory unit of work implementing every port, for fast unit tests of use cases and dialogue.

Commits copy the working set over the committed state; rollback discards it. Optimistic locking and
inbound dedup behave like the SQL implementation.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from storage.repositories._sql import json_safe
from tests.fakes.memory_lists import MemoryArticleLists, MemoryDirectoryLists, MemoryTicketLists
from tests.unit.kb_search.fakes import (
    MemoryArticleRepository,
    MemoryGapLog,
    MemoryKbAudit,
    MemoryPhrasingRepository,
)
from ticket_core.enums import (
    ACTIVE_JOB_STATUSES,
    WAITING_STATUSES,
    OfferStatus,
    Role,
    TicketStatus,
    Visibility,
)
from ticket_core.equipment.model import (
    AlertThread,
    EquipmentType,
    PartReplaced,
    Unit,
    UnitFault,
    UnitFilter,
    UnitTicket,
)
from ticket_core.errors import StaleTicket
from ticket_core.events import DomainEvent, actor_to_dict
from ticket_core.log_context import bind
from ticket_core.maintenance import MaintenancePlan
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
    ThreadState,
    Ticket,
    TicketQuery,
    TicketThread,
    parse_ref,
)
from ticket_core.staff_profile import PROFILE_FIELDS


@dataclass
class MemoryState:
    """Everything the memory database holds."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    followers: dict[str, list[str]] = field(default_factory=dict)
    offers: dict[str, Offer] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    accounts: dict[tuple[str, str, str], ChannelAccount] = field(default_factory=dict)
    portal_links: dict[str, tuple[str, datetime, datetime]] = field(default_factory=dict)
    portal_requests: list[tuple[datetime, str, str | None]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    webhook_subscriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> events wanted
    webhook_deliveries: list[dict[str, Any]] = field(default_factory=list)
    inbound: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)  # inbound keys replied to (inbound_log.answered)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    threads: dict[str, TicketThread] = field(default_factory=dict)
    phrasings: dict[int, Any] = field(default_factory=dict)
    equipment_types: dict[str, EquipmentType] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    unit_tickets: dict[str, tuple[str, bool]] = field(default_factory=dict)
    parts: list[PartReplaced] = field(default_factory=list)
    alert_threads: dict[str, AlertThread] = field(default_factory=dict)
    plans: dict[str, MaintenancePlan] = field(default_factory=dict)
    counter: int = 1000


def _in_utc(row: Any) -> Any:
    """Every aware timestamp of a stored row in UTC, as the SQL repositories read them back."""
    for f in fields(row):
        value = getattr(row, f.name)
        if isinstance(value, datetime) and value.tzinfo is not None:
            setattr(row, f.name, value.astimezone(UTC))
    return row


def _bound(ticket: Ticket) -> Ticket:
    """The ticket a turn loaded is the one its log lines name (ticket_core.log_context), as in SQL."""
    bind(ticket=ticket.number)
    return ticket


def _refused(what: str) -> IntegrityError:
    """What the database raises for a row that breaks a constraint (the SQL repositories let it through)."""
    return IntegrityError(what, None, ValueError(what))


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> MemoryState:
        return self._uow.work


class MemoryTickets(_Repo):
    async def next_number(self) -> int:
        self.s.counter += 1
        return self.s.counter

    async def add(self, ticket: Ticket) -> None:
        ticket.version = 1
        self.s.tickets[ticket.id] = _in_utc(copy.deepcopy(ticket))
        bind(ticket=ticket.number)  # the turn's later log lines name it, as SQL's do

    async def get(self, ticket_id: str) -> Ticket | None:
        t = self.s.tickets.get(ticket_id)
        return _bound(copy.deepcopy(t)) if t else None

    async def get_by_number(self, number: int) -> Ticket | None:
        for t in self.s.tickets.values():
            if t.number == number:
                return _bound(copy.deepcopy(t))
        return None

    async def update(self, ticket: Ticket) -> None:
        stored = self.s.tickets.get(ticket.id)
        committed = self._uow.committed.tickets.get(ticket.id)
        if committed is not None and stored is not None and committed.version > stored.version:
            raise StaleTicket(ticket.id)  # another unit committed a change since this one read
        if stored is None or stored.version != ticket.version:
            raise StaleTicket(ticket.id)
        ticket.version += 1
        self.s.tickets[ticket.id] = _in_utc(copy.deepcopy(ticket))

    async def list_for_client(
        self, client_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 20
    ) -> list[Ticket]:
        found = [
            t
            for t in self.s.tickets.values()
            if t.client_id == client_id and (not statuses or t.status in statuses)
        ]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: -t.number)[:limit]]

    async def list_for_assignee(
        self, engineer_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 50
    ) -> list[Ticket]:
        found = [
            t
            for t in self.s.tickets.values()
            if t.assignee_id == engineer_id and (not statuses or t.status in statuses)
        ]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: -t.number)[:limit]]

    async def add_follower(self, ticket_id: str, contact_id: str, at: datetime) -> bool:
        if ticket_id not in self.s.tickets:
            raise _refused(f"follower of unknown ticket {ticket_id}")
        kept = self.s.followers.setdefault(ticket_id, [])
        if contact_id in kept:
            return False
        kept.append(contact_id)
        return True

    async def remove_follower(self, ticket_id: str, contact_id: str) -> bool:
        kept = self.s.followers.get(ticket_id, [])
        if contact_id not in kept:
            return False
        kept.remove(contact_id)
        return True

    async def followers(self, ticket_id: str) -> list[str]:
        return list(self.s.followers.get(ticket_id, []))

    async def search_for_client(
        self, client_id: str, contact_id: str, scope: SiteScope, query: TicketQuery
    ) -> list[Ticket]:
        text = (query.text or "").lower()
        number = parse_ref(text) if text else None

        def matches(t: Ticket) -> bool:
            return (
                t.client_id == client_id
                and scope.covers(contact_id, t.site_id, t.contact_id)
                and (not query.statuses or t.status in query.statuses)
                and (query.site_id is None or t.site_id == query.site_id)
                and (query.before is None or t.number < query.before)
                and (not text or text in t.description.lower() or t.number == number)
            )

        found = [t for t in self.s.tickets.values() if matches(t)]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: -t.number)[: query.limit]]

    async def list_waiting(self, limit: int = 50) -> list[Ticket]:
        found = [t for t in self.s.tickets.values() if t.status in WAITING_STATUSES]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: (t.priority, t.number))[:limit]]

    async def count_active_by_assignee(self) -> dict[str, int]:
        loads: dict[str, int] = {}
        for t in self.s.tickets.values():
            if t.assignee_id and t.status in ACTIVE_JOB_STATUSES:
                loads[t.assignee_id] = loads.get(t.assignee_id, 0) + 1
        return loads


class MemoryOffers(_Repo):
    async def add(self, offer: Offer) -> None:
        self.s.offers[offer.id] = _in_utc(copy.deepcopy(offer))

    async def get(self, offer_id: str) -> Offer | None:
        o = self.s.offers.get(offer_id)
        return copy.deepcopy(o) if o else None

    async def list_for_ticket(self, ticket_id: str, status: OfferStatus | None = None) -> list[Offer]:
        found = [
            o
            for o in self.s.offers.values()
            if o.ticket_id == ticket_id and (status is None or o.status is status)
        ]
        return [copy.deepcopy(o) for o in sorted(found, key=lambda o: o.created_at)]

    async def set_status(
        self, offer_id: str, status: OfferStatus, at: datetime, reason: str | None = None
    ) -> None:
        o = self.s.offers[offer_id]
        o.status, o.decided_at, o.reason = status, at, reason

    async def last_offered_at(self, engineer_ids: Sequence[str]) -> dict[str, datetime]:
        latest: dict[str, datetime] = {}
        for o in self.s.offers.values():
            if o.engineer_id in engineer_ids and (
                o.engineer_id not in latest or o.created_at > latest[o.engineer_id]
            ):
                latest[o.engineer_id] = o.created_at
        return latest

    async def list_expired(self, now: datetime, limit: int = 100) -> list[Offer]:
        found = [o for o in self.s.offers.values() if o.status is OfferStatus.PENDING and o.expires_at <= now]
        return [copy.deepcopy(o) for o in sorted(found, key=lambda o: o.expires_at)[:limit]]

    async def list_pending_for_engineer(self, engineer_id: str, limit: int = 20) -> list[Offer]:
        found = [
            o
            for o in self.s.offers.values()
            if o.status is OfferStatus.PENDING and o.engineer_id == engineer_id
        ]
        return [
            copy.deepcopy(o) for o in sorted(found, key=lambda o: (-o.created_at.timestamp(), o.id))[:limit]
        ]


class MemoryDirectory(_Repo):
    async def get_client(self, client_id: str) -> Client | None:
        return self.s.clients.get(client_id)

    async def get_clients(self, client_ids: Sequence[str]) -> dict[str, Client]:
        return {i: self.s.clients[i] for i in client_ids if i in self.s.clients}

    async def add_client(self, client: Client) -> None:
        self.s.clients[client.id] = client

    async def get_contact(self, contact_id: str) -> Contact | None:
        c = self.s.contacts.get(contact_id)
        return copy.deepcopy(c) if c else None

    async def add_contact(self, contact: Contact) -> None:
        if contact.client_id not in self.s.clients:
            raise _refused(f"contact {contact.id} of unknown client {contact.client_id}")
        self.s.contacts[contact.id] = _kept(contact)

    async def update_contact(self, contact: Contact) -> None:
        self.s.contacts[contact.id] = _kept(contact)

    async def find_contact_by_phone(self, phone: str) -> Contact | None:
        return next((copy.deepcopy(c) for c in self.s.contacts.values() if c.phone == phone), None)

    async def find_contact_by_email(self, email: str) -> Contact | None:
        found = sorted(
            (c for c in self.s.contacts.values() if c.email and c.email.lower() == email.lower()),
            key=lambda c: c.id,
        )
        return copy.deepcopy(found[0]) if found else None

    async def list_contacts(self, client_id: str | None = None) -> list[Contact]:
        return [c for c in self.s.contacts.values() if client_id is None or c.client_id == client_id]

    async def get_site(self, site_id: str) -> Site | None:
        return self.s.sites.get(site_id)

    async def add_site(self, site: Site) -> None:
        self.s.sites[site.id] = site

    async def list_sites(self, client_id: str) -> list[Site]:
        return sorted((s for s in self.s.sites.values() if s.client_id == client_id), key=lambda s: s.name)

    async def get_contract(self, client_id: str) -> Contract | None:
        return next((c for c in self.s.contracts.values() if c.client_id == client_id and c.active), None)

    async def add_contract(self, contract: Contract) -> None:
        self.s.contracts[contract.id] = contract

    async def get_staff(self, staff_id: str) -> StaffMember | None:
        return self.s.staff.get(staff_id)

    async def add_staff(self, member: StaffMember) -> None:
        if member.join_code and any(m.join_code == member.join_code for m in self.s.staff.values()):
            raise _refused(f"join code of {member.id} is taken")
        self.s.staff[member.id] = member

    async def set_on_shift(self, staff_id: str, on_shift: bool) -> None:
        self.s.staff[staff_id].on_shift = on_shift

    async def update_staff_profile(self, member: StaffMember) -> None:
        stored = self.s.staff[member.id]
        for name in PROFILE_FIELDS:
            setattr(stored, name, getattr(member, name))

    async def list_staff(self, role: Role | None = None) -> list[StaffMember]:
        return sorted(
            (m for m in self.s.staff.values() if role is None or m.role is role), key=lambda m: m.id
        )

    async def find_staff_by_join_code(self, code: str) -> StaffMember | None:
        return next((m for m in self.s.staff.values() if m.join_code and m.join_code == code), None)


class MemoryAccounts(_Repo):
    async def find(self, channel: str, bot: str, account_id: str) -> ChannelAccount | None:
        return self.s.accounts.get((channel, bot, account_id))

    async def find_with_contact(
        self, channel: str, bot: str, account_id: str
    ) -> tuple[ChannelAccount | None, Contact | None]:
        account = self.s.accounts.get((channel, bot, account_id))
        contact = self.s.contacts.get(account.person_id) if account is not None else None
        return account, copy.deepcopy(contact) if contact is not None else None

    async def link(self, account: ChannelAccount) -> None:
        key = (account.channel, account.bot, account.account_id)
        before = self.s.accounts.get(key)
        self.s.accounts[key] = replace(account, muted=before.muted) if before is not None else account

    async def set_muted(self, channel: str, bot: str, account_id: str, muted: bool) -> None:
        key = (channel, bot, account_id)
        if key in self.s.accounts:
            self.s.accounts[key] = replace(self.s.accounts[key], muted=muted)

    async def list_for_person(self, person_id: str, bot: str | None = None) -> list[ChannelAccount]:
        return [
            a for a in self.s.accounts.values() if a.person_id == person_id and (bot is None or a.bot == bot)
        ]


class MemoryComments(_Repo):
    async def add(self, comment: Comment) -> None:
        self.s.comments.append(comment)

    async def list_for_ticket(self, ticket_id: str, include_internal: bool) -> list[Comment]:
        found = [
            c
            for c in self.s.comments
            if c.ticket_id == ticket_id and (include_internal or c.visibility is Visibility.PUBLIC)
        ]
        return sorted(found, key=lambda c: (c.created_at, c.id))  # oldest first, as SQL orders them


class MemoryEvents(_Repo):
    async def append(self, event: DomainEvent) -> None:
        self.s.events.append(
            {
                "name": event.name,
                "ticket_id": event.ticket_id,
                "actor": actor_to_dict(event.actor),
                "at": event.at,
                "data": event.data(),
            }
        )

    async def list_for_ticket(self, ticket_id: str) -> list[dict[str, Any]]:
        return [e for e in self.s.events if e["ticket_id"] == ticket_id]

    async def list_between(
        self, names: Sequence[str], since: datetime, until: datetime, limit: int = 50_000
    ) -> list[dict[str, Any]]:
        return [e for e in self.s.events if e["name"] in names and since <= e["at"] < until][:limit]


class MemoryOutbox(_Repo):
    async def add(
        self,
        channel: str,
        bot: str,
        chat_id: str,
        payload: dict[str, Any],
        at: datetime,
        inbound_key: str | None = None,
    ) -> None:
        # Stored as the JSON column keeps it (timestamps as ISO strings, a copy the caller cannot change).
        row = {"channel": channel, "bot": bot, "chat_id": chat_id, "payload": json_safe(payload), "at": at}
        self.s.outbox.append({**row, "inbound_key": inbound_key})
        if inbound_key is not None and inbound_key in self.s.inbound:
            self.s.answered.add(inbound_key)

    async def add_many(
        self,
        messages: Sequence[tuple[str, str, str, dict[str, Any]]],
        at: datetime,
        inbound_key: str | None = None,
    ) -> None:
        for channel, bot, chat_id, payload in messages:
            await self.add(channel, bot, chat_id, payload, at, inbound_key)


class MemoryWebhookOutbox(_Repo):
    """`dialogue.ports.WebhookOutbox`: deliveries kept apart from the chat outbox, as the SQL rows' kind does."""

    async def subscribers(self, event: str) -> list[str]:
        return [sid for sid, events in self.s.webhook_subscriptions.items() if event in events]

    async def add(self, subscription_id: str, body: Mapping[str, Any], at: datetime) -> None:
        self.s.webhook_deliveries.append({"subscription_id": subscription_id, "body": dict(body), "at": at})


class MemoryPortalLinks(_Repo):
    """`dialogue.ports.PortalLinks`: sign-in links and the requests counted against the per-contact limit."""

    async def add_link(self, link_id: str, contact_id: str, now: datetime, expires_at: datetime) -> None:
        self.s.portal_links[link_id] = (contact_id, now, expires_at)

    async def add_request(self, now: datetime, ip: str, contact_id: str | None) -> None:
        self.s.portal_requests.append((now, ip, contact_id))

    async def requests_for(self, contact_id: str, since: datetime) -> int:
        return sum(1 for at, _ip, who in self.s.portal_requests if who == contact_id and at >= since)


class MemoryInbound(_Repo):
    async def first_time(self, dedup_key: str, at: datetime) -> bool:
        if dedup_key in self.s.inbound:
            return False
        self.s.inbound.add(dedup_key)
        return True


class MemoryConversations(_Repo):
    async def load(self, key: str) -> dict[str, Any] | None:
        st = self.s.conversations.get(key)
        return copy.deepcopy(st) if st is not None else None

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None:
        self.s.conversations[key] = json_safe(state)  # a JSON column: what a later load gets back

    async def clear(self, key: str) -> None:
        self.s.conversations.pop(key, None)


class MemoryInteractions(_Repo):
    async def add(self, kind: str, at: datetime, **fields: Any) -> None:
        if fields.get("data") is not None:
            fields["data"] = json_safe(fields["data"])  # a JSON column, as SqlInteractionLog stores it
        self.s.interactions.append({"kind": kind, "at": at, **fields})


class MemoryThreads(_Repo):
    """Implements `dialogue.ports.TicketThreadStore` in memory."""

    async def add(self, thread: TicketThread, at: datetime) -> None:
        self.s.threads[thread.ticket_id] = copy.deepcopy(thread)

    async def get(self, ticket_id: str) -> TicketThread | None:
        thread = self.s.threads.get(ticket_id)
        return copy.deepcopy(thread) if thread else None

    async def find(
        self, channel: str, bot: str, chat_id: str, *, thread_id: str | None = None, root: str | None = None
    ) -> TicketThread | None:
        if thread_id is None and root is None:
            return None
        for th in self.s.threads.values():
            if (th.channel, th.bot, th.chat_id) != (channel, bot, chat_id):
                continue
            if (thread_id is not None and th.thread_id == thread_id) or (
                thread_id is None and th.root_message_id == root
            ):
                return copy.deepcopy(th)
        return None

    async def set_state(self, ticket_id: str, state: ThreadState, at: datetime) -> None:
        self.s.threads[ticket_id].state = state

    def created(self, ticket_id: str, *, thread_id: str | None = None, message_id: str | None = None) -> None:
        """What the delivery loop records once the channel created the thread (tests call it by hand)."""
        thread = self.s.threads[ticket_id]
        thread.thread_id = thread_id or thread.thread_id
        thread.root_message_id = message_id or thread.root_message_id
        if thread.state is ThreadState.OPENING:
            thread.state = ThreadState.OPEN


class MemoryPhrasings(MemoryPhrasingRepository):
    """Confirmed KB phrasings in the unit's working state (committed or rolled back with it)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__()
        self._uow = uow

    def rows(self) -> dict[int, Any]:
        return self._uow.work.phrasings


class MemoryEquipment(_Repo):
    """Implements `ticket_core.equipment.ports.EquipmentRepository` in memory."""

    async def save_type(self, equipment_type: EquipmentType) -> None:
        self.s.equipment_types[equipment_type.id] = copy.deepcopy(equipment_type)

    async def get_type(self, type_id: str) -> EquipmentType | None:
        return copy.deepcopy(self.s.equipment_types.get(type_id))

    async def list_types(self) -> list[EquipmentType]:
        return [copy.deepcopy(t) for _, t in sorted(self.s.equipment_types.items())]

    async def add_units(self, units: Sequence[Unit]) -> None:
        for u in units:
            if u.id in self.s.units or any(o.code == u.code for o in self.s.units.values()):
                raise ValueError(f"unit {u.id} exists")
            self.s.units[u.id] = copy.deepcopy(u)

    async def update_units(self, units: Sequence[Unit]) -> None:
        for u in units:
            self.s.units[u.id] = copy.deepcopy(u)

    async def get(self, unit_id: str) -> Unit | None:
        return copy.deepcopy(self.s.units.get(unit_id))

    async def get_by_code(self, code: str) -> Unit | None:
        return next((copy.deepcopy(u) for u in self.s.units.values() if u.code == code), None)

    async def get_many(self, unit_ids: Sequence[str]) -> dict[str, Unit]:
        return {i: copy.deepcopy(self.s.units[i]) for i in unit_ids if i in self.s.units}

    async def find_with_type(self, code_or_id: str) -> tuple[Unit, EquipmentType | None] | None:
        unit = await self.get_by_code(code_or_id) or await self.get(code_or_id)
        return (unit, await self.get_type(unit.type_id)) if unit is not None else None

    async def inventory_numbers(self, client_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        return {
            (u.client_id, u.inventory_no): u.id
            for u in self.s.units.values()
            if u.client_id in client_ids and u.inventory_no
        }

    def _matching(self, f: UnitFilter) -> list[Unit]:
        text = (f.text or "").lower()
        found = [
            u
            for u in self.s.units.values()
            if (f.client_id is None or u.client_id == f.client_id)
            and (f.site_id is None or u.site_id == f.site_id)
            and (f.type_id is None or u.type_id == f.type_id)
            and (f.status is None or u.status is f.status)
            and (
                f.warranty_expired_on is None
                or (u.warranty_until is not None and u.warranty_until < f.warranty_expired_on)
            )
            and (
                not text
                or any(text in (v or "").lower() for v in (u.name, u.model, u.serial, u.inventory_no))
            )
        ]
        return sorted(found, key=lambda u: (u.site_id, u.name, u.id))

    async def find(self, where: UnitFilter, limit: int = 50, offset: int = 0) -> list[Unit]:
        return [copy.deepcopy(u) for u in self._matching(where)[offset : offset + limit]]

    async def count(self, where: UnitFilter) -> int:
        return len(self._matching(where))

    async def link_ticket(self, ticket_id: str, unit_id: str, *, visitor: bool) -> None:
        self.s.unit_tickets[ticket_id] = (unit_id, visitor)

    async def unit_of_ticket(self, ticket_id: str) -> tuple[str, bool] | None:
        return self.s.unit_tickets.get(ticket_id)

    async def history(self, unit_id: str, limit: int = 50) -> list[UnitTicket]:
        found = [
            UnitTicket(
                t.id, unit_id, t.number, t.category, str(t.status), t.created_at, visitor, t.description
            )
            for tid, (uid, visitor) in self.s.unit_tickets.items()
            if uid == unit_id and (t := self.s.tickets.get(tid)) is not None
        ]
        return sorted(found, key=lambda h: (h.created_at, h.number), reverse=True)[:limit]

    async def faults(self, since: datetime, until: datetime) -> list[UnitFault]:
        found = [
            UnitFault(
                u.id,
                u.name,
                u.type_id,
                u.model,
                u.warranty_until,
                t.id,
                t.number,
                str(t.status),
                t.created_at,
                t.resolved_at,
                t.source_channel == "maintenance",
            )
            for tid, (uid, _visitor) in self.s.unit_tickets.items()
            if (t := self.s.tickets.get(tid)) is not None
            and (u := self.s.units.get(uid)) is not None
            and since <= t.created_at < until
        ]
        return sorted(found, key=lambda f: (f.unit_id, f.opened_at, f.number))

    async def add_parts(self, parts: Sequence[PartReplaced]) -> None:
        self.s.parts.extend(parts)

    async def parts(self, unit_id: str) -> list[PartReplaced]:
        return sorted(
            (p for p in self.s.parts if p.unit_id == unit_id), key=lambda p: p.recorded_at, reverse=True
        )


class MemoryUnitOfWork:
    """A unit of work over a shared `MemoryState`; implements `dialogue.ports.DialogueUnitOfWork`.

    KB articles and gaps are shared by every unit of one factory and not rolled back. SLA tracking and
    billing are off (None); `SlaMemoryUnitOfWork` turns SLA on. Maintenance plans are always there, as in SQL.
    """

    sla: MemorySlaStore | None = None
    billing: None = None

    def __init__(
        self,
        state: MemoryState,
        articles: MemoryArticleRepository | None = None,
        kb_gaps: MemoryGapLog | None = None,
        kb_audit: MemoryKbAudit | None = None,
    ) -> None:
        self.committed = state
        self.work = copy.deepcopy(state)
        self.tickets = MemoryTickets(self)
        self.offers = MemoryOffers(self)
        self.directory = MemoryDirectory(self)
        self.accounts = MemoryAccounts(self)
        self.comments = MemoryComments(self)
        self.events = MemoryEvents(self)
        self.outbox = MemoryOutbox(self)
        self.webhooks_out = MemoryWebhookOutbox(self)
        self.portal = MemoryPortalLinks(self)
        self.inbound = MemoryInbound(self)
        self.conversations = MemoryConversations(self)
        self.interactions = MemoryInteractions(self)
        self.threads = MemoryThreads(self)
        self.phrasings = MemoryPhrasings(self)
        self.equipment = MemoryEquipment(self)
        self.maintenance = MemoryMaintenancePlans(self)
        self.articles = articles or MemoryArticleRepository()
        self.kb_gaps = kb_gaps or MemoryGapLog()
        self.kb_audit = kb_audit or MemoryKbAudit()
        self.ticket_lists = MemoryTicketLists(lambda: self.work, self._alert_levels)
        self.directory_lists = MemoryDirectoryLists(lambda: self.work)
        self.article_lists = MemoryArticleLists(self.articles)
        self._recorded: list[DomainEvent] = []
        self._written = 0

    def record(self, event: DomainEvent) -> None:
        self._recorded.append(event)

    def _alert_levels(self) -> dict[str, set[int]]:
        """Each ticket's recorded SLA alert levels, for the ticket lists (none while SLA is off)."""
        return {}

    @property
    def collected(self) -> list[DomainEvent]:
        return list(self._recorded)

    async def commit(self) -> None:
        for event in self._recorded[self._written :]:
            await self.events.append(event)
        self._written = len(self._recorded)
        for name in vars(self.committed):
            setattr(self.committed, name, copy.deepcopy(getattr(self.work, name)))

    async def rollback(self) -> None:
        self.work = copy.deepcopy(self.committed)

    async def __aenter__(self) -> MemoryUnitOfWork:
        self.work = copy.deepcopy(self.committed)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()


class MemoryUnitOfWorkFactory:
    """Callable returning fresh units of work over one shared state."""

    def __init__(
        self, state: MemoryState | None = None, articles: MemoryArticleRepository | None = None
    ) -> None:
        self.state = state or MemoryState()
        # Shared by every unit (not rolled back), as the KB's tests expect of a repository they seed.
        self.articles = articles or MemoryArticleRepository()
        self.kb_gaps = MemoryGapLog()
        self.kb_audit = MemoryKbAudit()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state, self.articles, self.kb_gaps, self.kb_audit)


# --- SLA runtime (timers, alerts): added for issue 7. Maintenance plans are every unit's, as in SQL.

from dataclasses import replace as _replace  # noqa: E402
from datetime import timedelta  # noqa: E402

from ticket_core.enums import OPEN_STATUSES  # noqa: E402
from ticket_core.sla.clock import SlaKind  # noqa: E402
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfig  # noqa: E402
from ticket_core.sla.ports import SLA_TIMER, AlertRecord, TimerRecord, TimerStatus  # noqa: E402


@dataclass
class MemorySlaState:
    """Timers and alerts of the memory database."""

    timers: dict[str, TimerRecord] = field(default_factory=dict)
    alerts: dict[tuple[str, str, int], AlertRecord] = field(default_factory=dict)


class MemorySlaStore:
    """Implements `ticket_core.sla.ports.SlaStore` in memory (one worker: no lease races)."""

    def __init__(self, uow: SlaMemoryUnitOfWork, config: SlaConfig) -> None:
        self._uow = uow
        self._config = config

    @property
    def s(self) -> MemorySlaState:
        return self._uow.sla_work

    @property
    def config(self) -> SlaConfig:
        return self._config

    async def set_timer(
        self, ticket_id: str, due_at: datetime | None, level: int | None, status: TimerStatus, now: datetime
    ) -> None:
        old = self.s.timers.get(ticket_id)
        self.s.timers[ticket_id] = TimerRecord(
            ticket_id, SLA_TIMER, due_at, level, status, None, None, old.attempts if old else 0
        )

    async def get_timer(self, ticket_id: str) -> TimerRecord | None:
        return self.s.timers.get(ticket_id)

    async def claim_due(self, now: datetime, worker: str, lease: timedelta, limit: int) -> list[TimerRecord]:
        due = sorted(
            (
                t
                for t in self.s.timers.values()
                if t.status is TimerStatus.PENDING
                and t.due_at is not None
                and t.due_at <= now
                and (t.claimed_until is None or t.claimed_until <= now)
            ),
            key=lambda t: (t.due_at, t.ticket_id),
        )[:limit]
        claimed = [
            _replace(t, claimed_by=worker, claimed_until=now + lease, attempts=t.attempts + 1) for t in due
        ]
        for t in claimed:
            self.s.timers[t.ticket_id] = t
        return claimed

    async def holds_claim(self, ticket_id: str, worker: str, now: datetime) -> bool:
        t = self.s.timers.get(ticket_id)
        return (
            t is not None and t.claimed_by == worker and t.claimed_until is not None and t.claimed_until > now
        )

    async def alerts(self, ticket_id: str) -> list[AlertRecord]:
        return [a for a in self.s.alerts.values() if a.ticket_id == ticket_id]

    async def add_alert(self, ticket_id: str, kind: SlaKind, level: int, notify: str, at: datetime) -> bool:
        key = (ticket_id, str(kind), level)
        if key in self.s.alerts:
            return False
        self.s.alerts[key] = AlertRecord(ticket_id, SlaKind(kind), level, notify, at)
        return True

    async def acknowledge(self, ticket_id: str, kind: SlaKind, level: int, by: str, at: datetime) -> bool:
        key = (ticket_id, str(kind), level)
        alert = self.s.alerts.get(key)
        if alert is None or alert.acknowledged_by is not None:
            return False
        self.s.alerts[key] = _replace(alert, acknowledged_by=by, acknowledged_at=at)
        return True

    async def open_tickets_without_timer(self, limit: int) -> list[str]:
        found = [
            t.id
            for t in self._uow.work.tickets.values()
            if t.status in OPEN_STATUSES and t.id not in self.s.timers
        ]
        return found[:limit]


class MemoryMaintenancePlans:
    """Implements `ticket_core.sla.ports.MaintenanceStore` in memory."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, plan: MaintenancePlan) -> None:
        self._uow.work.plans[plan.id] = copy.deepcopy(plan)

    async def get(self, plan_id: str) -> MaintenancePlan | None:
        plan = self._uow.work.plans.get(plan_id)
        return copy.deepcopy(plan) if plan else None

    async def due(self, now: datetime, limit: int) -> list[MaintenancePlan]:
        found = sorted(
            (p for p in self._uow.work.plans.values() if p.is_due(now)), key=lambda p: p.opens_at()
        )
        return [copy.deepcopy(p) for p in found[:limit]]

    async def update(self, plan: MaintenancePlan) -> None:
        self._uow.work.plans[plan.id] = copy.deepcopy(plan)

    async def list(self, client_id: str | None = None) -> list[MaintenancePlan]:
        return [
            copy.deepcopy(p)
            for p in sorted(self._uow.work.plans.values(), key=lambda p: p.id)
            if client_id is None or p.client_id == client_id
        ]


class SlaMemoryUnitOfWork(MemoryUnitOfWork):
    """The memory unit of work plus `sla`, committed and rolled back with the rest."""

    def __init__(
        self,
        state: MemoryState,
        sla_state: MemorySlaState,
        config: SlaConfig,
        articles: MemoryArticleRepository | None = None,
        kb_gaps: MemoryGapLog | None = None,
    ) -> None:
        super().__init__(state, articles, kb_gaps)
        self.sla_committed = sla_state
        self.sla_work = copy.deepcopy(sla_state)
        self.sla = MemorySlaStore(self, config)

    def _alert_levels(self) -> dict[str, set[int]]:
        levels: dict[str, set[int]] = {}
        for alert in self.sla_work.alerts.values():
            levels.setdefault(alert.ticket_id, set()).add(alert.level)
        return levels

    async def commit(self) -> None:
        await super().commit()
        for name in vars(self.sla_committed):
            setattr(self.sla_committed, name, copy.deepcopy(getattr(self.sla_work, name)))

    async def rollback(self) -> None:
        await super().rollback()
        self.sla_work = copy.deepcopy(self.sla_committed)

    async def __aenter__(self) -> SlaMemoryUnitOfWork:
        await super().__aenter__()
        self.sla_work = copy.deepcopy(self.sla_committed)
        return self


class SlaMemoryUnitOfWorkFactory(MemoryUnitOfWorkFactory):
    """Memory units of work with the SLA store attached, over shared state."""

    def __init__(
        self,
        state: MemoryState | None = None,
        sla_state: MemorySlaState | None = None,
        config: SlaConfig | None = None,
    ) -> None:
        super().__init__(state)
        self.sla_state = sla_state or MemorySlaState()
        self.config = config or DEFAULT_CONFIG

    def __call__(self) -> SlaMemoryUnitOfWork:
        return SlaMemoryUnitOfWork(self.state, self.sla_state, self.config, self.articles, self.kb_gaps)


def _kept(contact: Contact) -> Contact:
    """A contact as the directory keeps it: a copy, its mail address lower-cased (as the SQL one stores it)."""
    kept = copy.deepcopy(contact)
    kept.email = kept.email.lower() if kept.email else None
    return kept
