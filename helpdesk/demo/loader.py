"""Load the demo directory (clients, sites, contracts, staff, web chat accounts) and the demo KB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticket_core.enums import PersonKind, Role
from ticket_core.model import DEFAULT_TIMEZONE, ChannelAccount, Client, Contact, Contract, Site, StaffMember
from ticket_core.ports import UnitOfWork
from ticket_core.working_hours import parse_hours

DEMO_DIR = Path(__file__).resolve().parent
DIRECTORY_FILE = DEMO_DIR / "directory.json"
KB_FILE = DEMO_DIR / "kb.jsonl"


def read_directory(path: Path = DIRECTORY_FILE) -> dict[str, Any]:
    """Read the demo directory file."""
    return json.loads(path.read_text(encoding="utf-8"))


async def load_directory(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, int]:
    """Insert what is missing of the demo directory (existing rows are left alone); return counts added."""
    now = datetime.now(UTC)
    added = {"clients": 0, "contacts": 0, "sites": 0, "contracts": 0, "staff": 0, "accounts": 0}
    d = uow.directory
    for row in data["clients"]:
        if await d.get_client(row["id"]) is None:
            await d.add_client(Client(row["id"], row["name"], row.get("kind", "company"), now))
            added["clients"] += 1
    for row in data["contacts"]:
        if await d.get_contact(row["id"]) is None:
            await d.add_contact(
                Contact(
                    row["id"],
                    row["client_id"],
                    row["name"],
                    row.get("phone"),
                    row.get("lang", "ru"),
                    now,
                    row.get("email"),
                    bool(row.get("manager", False)),
                    row.get("site_id"),
                )
            )
            added["contacts"] += 1
    existing_sites = {s.id for c in data["clients"] for s in await d.list_sites(c["id"])}
    for row in data["sites"]:
        if row["id"] not in existing_sites:
            await d.add_site(Site(**row))
            added["sites"] += 1
    for row in data["contracts"]:
        if await d.get_contract(row["client_id"]) is None:
            await d.add_contract(
                Contract(
                    row["id"],
                    row["client_id"],
                    row["name"],
                    tuple(row.get("categories", ())),
                    tuple(row.get("preferred_engineers", ())),
                    tuple(row.get("excluded_engineers", ())),
                )
            )
            added["contracts"] += 1
    for row in data["staff"]:
        if await d.get_staff(row["id"]) is None:
            await d.add_staff(
                StaffMember(
                    id=row["id"],
                    name=row["name"],
                    role=Role(row["role"]),
                    skills=tuple(row.get("skills", ())),
                    home_lat=row.get("home_lat"),
                    home_lon=row.get("home_lon"),
                    level=row.get("level", 1),
                    max_parallel_jobs=row.get("max_parallel_jobs", 3),
                    lang=row.get("lang", "ru"),
                    join_code=row.get("join_code"),
                    regions=tuple(row.get("regions", ())),
                    timezone=row.get("timezone", DEFAULT_TIMEZONE),
                    working_hours=parse_hours(row.get("working_hours")),
                )
            )
            added["staff"] += 1
    for bot, people in data.get("web_accounts", {}).items():
        kind = PersonKind.CONTACT if bot == "client" else PersonKind.STAFF
        for person_id in people:
            if await uow.accounts.find("web", bot, person_id) is None:
                await uow.accounts.link(ChannelAccount("web", bot, person_id, kind, person_id, person_id))
                added["accounts"] += 1
    return added
