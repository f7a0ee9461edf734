"""The demo's money: a price list, each demo client's contract terms and this month's history (jobs done and
charged, a prepaid package, payments), so `/admin/billing`, the ledger and the month's act show something
real after `make run` (`helpdesk demo-data`).

The history goes through the use cases an office would have used (a client opened the job, the supervisor
gave it to an engineer, who accepted, worked, and marked it done with time and parts; the client rated it),
dated earlier this month, so each ticket has its timeline and audit events, and `resolve_ticket` prices it by
the contract. No message bus runs here, so nobody is messaged about this history. A client's history is made
once, together with its terms: a client whose terms exist already (loaded before, or set by an admin) is left
alone, so running `demo-data` again never adds jobs twice or undoes an admin's change.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ticket_core import usecases as uc
from ticket_core.billing.accounts import buy_package, record_payment
from ticket_core.billing.ports import billing_store
from ticket_core.billing.pricing import Part
from ticket_core.billing.terms import Service, ServiceKind, terms_from_mapping
from ticket_core.enums import OfferStatus, Priority, Role
from ticket_core.model import Actor, Contact
from ticket_core.ports import UnitOfWork
from ticket_core.usecases.reassign import reassign

BILLING_FILE = Path(__file__).resolve().parent / "billing.json"
SUPERVISOR_ID = "s-sokolova"
JOB_HOURS = 5  # a job's steps span up to this many hours after it was opened


def read_billing(path: Path = BILLING_FILE) -> dict[str, Any]:
    """Read the demo's money file."""
    return json.loads(path.read_text(encoding="utf-8"))


async def load_billing(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> dict[str, int]:
    """Add the price list lines that are missing, and the terms and history of each demo client that has no
    terms yet; return the counts added."""
    added = {"services": 0, "terms": 0, "jobs": 0, "payments": 0, "packages": 0}
    store = billing_store(uow)
    known = {(s.code, s.currency) for s in await store.services()}
    for row in data["services"]:
        service = _service(row)
        if (service.code, service.currency) not in known:
            await store.put_service(service)
            added["services"] += 1
    existing = await store.terms_for_clients([t["client_id"] for t in data["terms"]])
    fresh = []
    for row in data["terms"]:
        client_id = row["client_id"]
        contract = await uow.directory.get_contract(client_id)
        if client_id in existing or contract is None:
            continue
        dates = {
            "valid_from": date(now.year, 1, 1).isoformat(),
            "valid_until": date(now.year + 1, 12, 31).isoformat(),
        }
        await store.put_terms(terms_from_mapping(contract.id, client_id, {**dates, **row}))
        fresh.append(client_id)
        added["terms"] += 1
    if not fresh:
        return added
    for row in data["contacts"]:
        if row["client_id"] in fresh and await uow.directory.get_contact(row["id"]) is None:
            await uow.directory.add_contact(
                Contact(
                    row["id"],
                    row["client_id"],
                    row["name"],
                    row.get("phone"),
                    row.get("lang", "ru"),
                    now,
                    site_id=row.get("site_id"),
                )
            )
    supervisor = await _staff_actor(uow, SUPERVISOR_ID)
    for row in data["packages"]:
        if row["client_id"] in fresh:
            at = _when(now, row["days_ago"])
            await buy_package(
                uow,
                supervisor,
                row["client_id"],
                Decimal(row["hours"]),
                Decimal(row["price"]),
                int(row["months"]),
                at,
            )
            added["packages"] += 1
    for row in sorted(data["jobs"], key=lambda r: -r["days_ago"]):
        contact = await uow.directory.get_contact(row["contact_id"])
        if contact is not None and contact.client_id in fresh:
            await _done_job(uow, contact, row, _when(now, row["days_ago"]))
            added["jobs"] += 1
    for row in data["payments"]:
        if row["client_id"] in fresh:
            at = _when(now, row["days_ago"]) + timedelta(hours=JOB_HOURS)
            await record_payment(
                uow, supervisor, row["client_id"], Decimal(row["amount"]), at, row.get("note")
            )
            added["payments"] += 1
    return added


async def _staff_actor(uow: UnitOfWork, staff_id: str) -> Actor:
    """The demo staff member as the actor of their steps, named (the timeline shows who did what)."""
    member = await uow.directory.get_staff(staff_id)
    if member is None:
        raise RuntimeError(f"demo data: no staff member {staff_id}; check directory.json")
    return Actor(member.role, member.id, name=member.name)


def _service(row: dict[str, Any]) -> Service:
    return Service(
        code=row["code"],
        kind=ServiceKind(row["kind"]),
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        price=Decimal(row.get("price", "0")),
        level=row.get("level"),
        category=row.get("category"),
        margin_pct=Decimal(row.get("margin_pct", "0")),
    )


def _when(now: datetime, days_ago: int) -> datetime:
    """`days_ago` days before now, kept inside this month when the month has room for it (so the month's act
    shows the history), and early enough that the job's steps are all in the past."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    at = now - timedelta(days=days_ago)
    if at < month_start:
        at = month_start + (now - month_start) * (1 - days_ago / 10)
    return min(at, now - timedelta(hours=JOB_HOURS + 1)).replace(second=0, microsecond=0)


async def _done_job(uow: UnitOfWork, contact: Contact, row: dict[str, Any], opened: datetime) -> None:
    """One job from the client's request to their rating, each step through its use case."""
    client = Actor(Role.CLIENT, contact.id, contact.client_id, contact.name)
    supervisor = await _staff_actor(uow, SUPERVISOR_ID)
    engineer = await _staff_actor(uow, row["engineer_id"])
    draft = uc.TicketDraft(
        client_id=contact.client_id,
        category=row["category"],
        description=row["description"],
        priority=Priority.P3,
        contact_id=contact.id,
        site_id=row["site_id"],
        source_channel="web",
    )
    ticket = await uc.open_ticket(uow, client, draft, opened)
    minute = timedelta(minutes=1)
    await reassign(uow, supervisor, ticket.id, opened + 5 * minute, to_engineer_id=engineer.id)
    if not await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING):
        raise RuntimeError(f"demo data: {ticket.ref} was not offered to {engineer.id}; check billing.json")
    await uc.accept_offer(uow, engineer, ticket.id, opened + 12 * minute)
    await uc.report_on_the_way(uow, engineer, ticket.id, opened + 20 * minute)
    await uc.check_in_on_site(uow, engineer, ticket.id, opened + 70 * minute)
    catalogue = {s.code: s for s in await billing_store(uow).services()}
    parts = [
        # A catalogue part costs its listed price (as the Done card's button gives it); a typed one its cost.
        Part(
            name=p.get("name") or catalogue[p["code"]].name_ru,
            quantity=p["quantity"],
            code=p.get("code"),
            cost=catalogue[p["code"]].price if p.get("code") else Decimal(p["cost"]),
        )
        for p in row["parts"]
    ]
    done = opened + (70 + row["minutes"]) * minute
    await uc.resolve_ticket(uow, engineer, ticket.id, done, row["note"], row["minutes"], parts=parts)
    await uc.rate_ticket(uow, client, ticket.id, done + timedelta(hours=2), row["score"])
