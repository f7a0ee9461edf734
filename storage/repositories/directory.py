"""`SqlDirectoryRepository`: clients, contacts, sites, contracts and staff."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import clients, contacts, contracts, sites, staff
from ticket_core.enums import Role
from ticket_core.model import DEFAULT_TIMEZONE, Client, Contact, Contract, Site, StaffMember
from ticket_core.working_hours import parse_hours

_GET_CONTACT = select(contacts).where(contacts.c.id == bindparam("id"))  # built once: on every message
# Built once (every new chat registers a client and its contact): a statement built per call costs its cache
# key and most of its compile lookup again.
_ADD_CLIENT = clients.insert()
_ADD_CONTACT = contacts.insert()
# Built once too: a new ticket reads its client, site, contract and engineers several times (routing, the SLA
# clock, the offer card), and building a statement costs more CPU than running it.
_GET_CLIENT = select(clients).where(clients.c.id == bindparam("id"))
_GET_SITE = select(sites).where(sites.c.id == bindparam("id"))
_GET_CONTRACT = (
    select(contracts)
    .where(contracts.c.client_id == bindparam("client_id"), contracts.c.active.is_(True))
    .order_by(contracts.c.id)
    .limit(1)
)
_GET_STAFF = select(staff).where(staff.c.id == bindparam("id"))


def _contact(row: RowMapping) -> Contact:
    return Contact(
        row["id"],
        row["client_id"],
        row["name"],
        row["phone"],
        row["lang"],
        row["created_at"],
        row["email"],
        bool(row["manager"]),
        row["site_id"],
    )


def _client(row: RowMapping) -> Client:
    return Client(row["id"], row["name"], row["kind"], row["created_at"])


def _site(row: RowMapping) -> Site:
    return Site(
        row["id"],
        row["client_id"],
        row["name"],
        row["address"],
        row["lat"],
        row["lon"],
        row["timezone"],
        row["region"],
    )


def contract_from_row(row: RowMapping) -> Contract:
    return Contract(
        id=row["id"],
        client_id=row["client_id"],
        name=row["name"],
        categories=tuple(row["categories"]),
        preferred_engineers=tuple(row["preferred_engineers"]),
        excluded_engineers=tuple(row["excluded_engineers"]),
        active=bool(row["active"]),
    )


def _staff(row: RowMapping) -> StaffMember:
    return StaffMember(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        skills=tuple(row["skills"]),
        home_lat=row["home_lat"],
        home_lon=row["home_lon"],
        level=row["level"],
        max_parallel_jobs=row["max_parallel_jobs"],
        on_shift=bool(row["on_shift"]),
        lang=row["lang"],
        phone=row["phone"],
        join_code=row["join_code"],
        regions=tuple(row["regions"] or ()),
        timezone=row["timezone"] or DEFAULT_TIMEZONE,
        working_hours=parse_hours(row["working_hours"]),
    )


def _contact_values(contact: Contact) -> dict[str, Any]:
    return {
        "client_id": contact.client_id,
        "name": contact.name,
        "phone": contact.phone,
        "lang": contact.lang,
        "created_at": contact.created_at,
        "email": contact.email.lower() if contact.email else None,
        "manager": contact.manager,
        "site_id": contact.site_id,
    }


class SqlDirectoryRepository:
    """Reference data in SQL; implements `ticket_core.ports.DirectoryRepository`.

    Clients, sites, contracts and staff members are read once per unit of work: opening a ticket read its
    site five times and its contract three (routing, the SLA clock twice, the offer card), each a round trip.
    The unit keeps what it read and answers with a copy; any change this repository writes to those tables
    forgets it all (nothing else in `storage` writes them).
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._read: dict[tuple[str, str], Any] = {}  # (kind, key) -> what the unit read, None if missing

    async def _once(self, kind: str, key: str, stmt: Any, params: dict[str, Any], build: Any) -> Any:
        """The row `stmt` finds, built by `build`, read once per unit (a copy each time)."""
        if (kind, key) not in self._read:
            row = (await self.session.execute(stmt, params)).mappings().first()
            self._read[kind, key] = build(row) if row else None
        found = self._read[kind, key]
        return copy.copy(found) if found is not None else None

    async def _one(self, stmt: Any) -> RowMapping | None:
        return (await self.session.execute(stmt)).mappings().first()

    async def _all(self, stmt: Any) -> list[RowMapping]:
        return list((await self.session.execute(stmt)).mappings())

    async def get_client(self, client_id: str) -> Client | None:
        """Return a client by id."""
        found: Client | None = await self._once("client", client_id, _GET_CLIENT, {"id": client_id}, _client)
        return found

    async def get_clients(self, client_ids: Sequence[str]) -> dict[str, Client]:
        """Many clients by id, in one statement per 5,000 ids (a monthly run over every client's act)."""
        ids = list(dict.fromkeys(client_ids))
        found: dict[str, Client] = {}
        for i in range(0, len(ids), 5000):
            for row in await self._all(select(clients).where(clients.c.id.in_(ids[i : i + 5000]))):
                found[row["id"]] = Client(row["id"], row["name"], row["kind"], row["created_at"])
        return found

    async def add_client(self, client: Client) -> None:
        """Insert a client."""
        self._read.clear()
        await self.session.execute(
            _ADD_CLIENT,
            {"id": client.id, "name": client.name, "kind": client.kind, "created_at": client.created_at},
        )

    async def get_contact(self, contact_id: str) -> Contact | None:
        """Return a contact by id."""
        row = (await self.session.execute(_GET_CONTACT, {"id": contact_id})).mappings().first()
        return _contact(row) if row else None

    async def add_contact(self, contact: Contact) -> None:
        """Insert a contact."""
        await self.session.execute(_ADD_CONTACT, {"id": contact.id, **_contact_values(contact)})

    async def update_contact(self, contact: Contact) -> None:
        """Store every field of an existing contact."""
        await self.session.execute(
            update(contacts).where(contacts.c.id == contact.id).values(**_contact_values(contact))
        )

    async def find_contact_by_phone(self, phone: str) -> Contact | None:
        """Return the first contact with this phone number."""
        row = await self._one(
            select(contacts).where(contacts.c.phone == phone).order_by(contacts.c.id).limit(1)
        )
        return _contact(row) if row else None

    async def find_contact_by_email(self, email: str) -> Contact | None:
        """Return the first contact with this mail address (addresses are kept lower-cased)."""
        row = (
            (
                await self.session.execute(
                    select(contacts).where(contacts.c.email == email.lower()).order_by(contacts.c.id).limit(1)
                )
            )
            .mappings()
            .first()
        )
        return _contact(row) if row else None

    async def list_contacts(self, client_id: str | None = None) -> list[Contact]:
        """Contacts, of one client or all, by name."""
        stmt = select(contacts)
        if client_id is not None:
            stmt = stmt.where(contacts.c.client_id == client_id)
        return [_contact(r) for r in await self._all(stmt.order_by(contacts.c.name, contacts.c.id))]

    async def get_site(self, site_id: str) -> Site | None:
        """Return a site by id."""
        found: Site | None = await self._once("site", site_id, _GET_SITE, {"id": site_id}, _site)
        return found

    async def add_site(self, site: Site) -> None:
        """Insert a site."""
        self._read.clear()
        await self.session.execute(
            sites.insert().values(
                id=site.id,
                client_id=site.client_id,
                name=site.name,
                address=site.address,
                lat=site.lat,
                lon=site.lon,
                timezone=site.timezone,
                region=site.region,
            )
        )

    async def list_sites(self, client_id: str) -> list[Site]:
        """Sites of one client, by name."""
        stmt = select(sites).where(sites.c.client_id == client_id).order_by(sites.c.name, sites.c.id)
        return [_site(r) for r in await self._all(stmt)]

    async def get_contract(self, client_id: str) -> Contract | None:
        """The client's active contract, if any."""
        found: Contract | None = await self._once(
            "contract", client_id, _GET_CONTRACT, {"client_id": client_id}, contract_from_row
        )
        return found

    async def add_contract(self, contract: Contract) -> None:
        """Insert a contract."""
        self._read.clear()
        await self.session.execute(
            contracts.insert().values(
                id=contract.id,
                client_id=contract.client_id,
                name=contract.name,
                categories=list(contract.categories),
                preferred_engineers=list(contract.preferred_engineers),
                excluded_engineers=list(contract.excluded_engineers),
                active=contract.active,
            )
        )

    async def get_staff(self, staff_id: str) -> StaffMember | None:
        """Return a staff member by id."""
        found: StaffMember | None = await self._once("staff", staff_id, _GET_STAFF, {"id": staff_id}, _staff)
        return found

    async def add_staff(self, member: StaffMember) -> None:
        """Insert a staff member."""
        self._read.clear()
        await self.session.execute(
            staff.insert().values(
                id=member.id,
                name=member.name,
                role=str(member.role),
                skills=list(member.skills),
                home_lat=member.home_lat,
                home_lon=member.home_lon,
                level=member.level,
                max_parallel_jobs=member.max_parallel_jobs,
                on_shift=member.on_shift,
                lang=member.lang,
                phone=member.phone,
                join_code=member.join_code,
                regions=list(member.regions) or None,
                working_hours=member.working_hours.spec() if member.working_hours else None,
                timezone=member.timezone,
            )
        )

    async def set_on_shift(self, staff_id: str, on_shift: bool) -> None:
        """Mark a staff member on or off shift (routing offers jobs only to engineers on shift)."""
        self._read.clear()
        await self.session.execute(update(staff).where(staff.c.id == staff_id).values(on_shift=on_shift))

    async def update_staff_profile(self, member: StaffMember) -> None:
        """Save an engineer's profile fields (not the name, role, shift or join code)."""
        self._read.clear()
        await self.session.execute(
            update(staff)
            .where(staff.c.id == member.id)
            .values(
                skills=list(member.skills),
                level=member.level,
                regions=list(member.regions) or None,
                timezone=member.timezone,
                working_hours=member.working_hours.spec() if member.working_hours else None,
                max_parallel_jobs=member.max_parallel_jobs,
                home_lat=member.home_lat,
                home_lon=member.home_lon,
                lang=member.lang,
                phone=member.phone,
            )
        )

    async def list_staff(self, role: Role | None = None) -> list[StaffMember]:
        """Staff members, of one role or all, by id."""
        stmt = select(staff)
        if role is not None:
            stmt = stmt.where(staff.c.role == str(role))
        return [_staff(r) for r in await self._all(stmt.order_by(staff.c.id))]

    async def find_staff_by_join_code(self, code: str) -> StaffMember | None:
        """Return the staff member whose join code this is."""
        if not code:
            return None
        row = await self._one(select(staff).where(staff.c.join_code == code))
        return _staff(row) if row else None
