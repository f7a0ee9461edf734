"""Random report data: rows for the SQL tables and the same facts for the Python reference."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.repositories.dialogue import SqlOutbox
from storage.sla_tables import sla_alerts
from storage.tables import clients, contacts, inbound_log, interactions, outbox, sites, staff, tickets
from ticket_core.reports.reference import InboundFact, KbFact, TicketFacts

STATUSES = (
    "new",
    "offered",
    "accepted",
    "in_progress",
    "on_hold",
    "resolved",
    "closed",
    "cancelled",
    "reopened",
)
CATEGORIES = ("it", "hvac", "electrical")
KB_KINDS = ("kb_answer", "kb_no_answer", "kb_helped", "kb_not_helped")
QUERIES = ("printer", "vpn", "wifi", "mail")


@dataclass
class ReportData:
    """Rows to insert and the facts the reference reads."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tickets: list[TicketFacts] = field(default_factory=list)
    kb: list[KbFact] = field(default_factory=list)
    inbound: list[InboundFact] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    async def insert(self, engine: AsyncEngine) -> None:
        """Insert every row (directory first) and commit.

        Replies go through `SqlOutbox`, as in the application, so the inbound messages' `answered` flag is
        kept by the code under test, not by the data.
        """
        order = [clients, contacts, sites, staff, tickets, sla_alerts, interactions, inbound_log]
        async with AsyncSession(engine) as session, session.begin():
            for table in order:
                rows = self.rows.get(table.name) or []
                if rows:
                    await session.execute(insert(table), rows)
            box = SqlOutbox(session)
            for row in self.rows.get(outbox.name) or []:
                await box.add(
                    row["channel"],
                    row["bot"],
                    row["chat_id"],
                    row["payload"],
                    row["created_at"],
                    row["inbound_key"],
                )


def _at(rng: random.Random, start: datetime, span: timedelta) -> datetime:
    return start + timedelta(seconds=rng.randrange(int(span.total_seconds())))


def random_data(rng: random.Random, start: datetime, span: timedelta, n: int) -> ReportData:
    """`n` tickets (and KB interactions, inbound messages) created at random in [start, start + span)."""
    data = ReportData()
    client_ids = ["c1", "c2", "c3"]
    data.rows["clients"] = [{"id": c, "name": f"Client {c}", "kind": "company"} for c in client_ids]
    site_of = {"s1": "c1", "s2": "c1", "s3": "c2", "s4": "c3"}
    data.rows["sites"] = [
        {"id": s, "client_id": c, "name": f"Site {s}", "address": "-"} for s, c in site_of.items()
    ]
    contact_of = {"k1": "c1", "k2": "c1", "k3": "c2", "k4": "c3"}
    data.rows["contacts"] = [{"id": k, "client_id": c, "name": k} for k, c in contact_of.items()]
    engineers = ["e1", "e2", "e3"]
    data.rows["staff"] = [{"id": e, "name": f"Eng {e}", "role": "engineer", "skills": []} for e in engineers]
    data.labels = {
        **{c: f"Client {c}" for c in client_ids},
        **{s: f"Site {s}" for s in site_of},
        **{e: f"Eng {e}" for e in engineers},
    }
    ticket_rows, alert_rows = [], []
    for i in range(n):
        created = _at(rng, start, span)
        status = rng.choice(STATUSES)
        site = rng.choice([*site_of, None])
        client = site_of[site] if site else rng.choice(client_ids)
        assignee = None if status in ("new", "offered") and rng.random() < 0.8 else rng.choice(engineers)
        first = created + timedelta(seconds=rng.randrange(30, 20_000)) if rng.random() < 0.7 else None
        resolved = (
            created + timedelta(seconds=rng.randrange(60, 10 * 86_400))
            if status in ("resolved", "closed") or (status == "reopened" and rng.random() < 0.5)
            else None
        )
        cancelled = created + timedelta(seconds=rng.randrange(60, 86_400)) if status == "cancelled" else None
        hold = created + timedelta(seconds=rng.randrange(60, 3600)) if rng.random() < 0.2 else None
        rating = rng.randint(1, 5) if resolved and rng.random() < 0.6 else None
        reopens = rng.choice((0, 0, 0, 1, 2)) if resolved else 0
        breached = rng.random() < 0.25
        tid = f"t{i}"
        ticket_rows.append(
            {
                "id": tid,
                "number": 1001 + i,
                "client_id": client,
                "category": rng.choice(CATEGORIES),
                "priority": "P3",
                "description": "-",
                "created_at": created,
                "status": status,
                "site_id": site,
                "assignee_id": assignee,
                "attachments": [],
                "first_response_at": first,
                "resolved_at": resolved,
                "cancelled_at": cancelled,
                "on_hold_at": hold,
                "rating": rating,
                "reopen_count": reopens,
            }
        )
        if breached:
            alert_rows.append(
                {"ticket_id": tid, "kind": "response", "level": rng.choice((1, 2)), "notify": "x"}
            )
            if rng.random() < 0.5:
                alert_rows.append({"ticket_id": tid, "kind": "resolution", "level": 1, "notify": "x"})
        elif rng.random() < 0.3:  # a warning alone is not a breach
            alert_rows.append({"ticket_id": tid, "kind": "resolution", "level": 0, "notify": "x"})
        data.tickets.append(
            TicketFacts(
                tid,
                created,
                status,
                ticket_rows[-1]["category"],
                client,
                site,
                assignee,
                first,
                resolved,
                cancelled,
                hold,
                rating,
                reopens,
                breached,
            )
        )
    for row in alert_rows:
        row["sent_at"] = start
    data.rows["tickets"] = ticket_rows
    data.rows["sla_alerts"] = alert_rows
    kb_rows = []
    for _ in range(n):
        contact = rng.choice([*contact_of, None])
        kind, query, at = rng.choice(KB_KINDS), rng.choice(QUERIES), _at(rng, start, span)
        kb_rows.append({"kind": kind, "at": at, "contact_id": contact, "query": query})
        data.kb.append(KbFact(kind, at, contact, contact_of.get(contact) if contact else None, query))
    data.rows["interactions"] = kb_rows
    in_rows, out_rows = [], []
    for i in range(n):
        # System jobs keep their run-once keys in the same log (the daily digest): not client requests either.
        prefixes = ("tg:client:", "tg:staff:", "wa:", "web:client:x:", "web:staff:y:", "digest:2026-03-")
        key = rng.choice(prefixes) + str(i)
        at = _at(rng, start, span)
        answered = rng.random() < 0.8
        in_rows.append({"dedup_key": key, "at": at})
        for _ in range(rng.choice((1, 2)) if answered else 0):
            out_rows.append(
                {
                    "channel": "telegram",
                    "bot": "client",
                    "chat_id": "1",
                    "payload": {},
                    "status": "sent",
                    "next_attempt_at": at,
                    "created_at": at,
                    "inbound_key": key,
                }
            )
        data.inbound.append(InboundFact(key, at, answered))
    data.rows["inbound_log"] = in_rows
    data.rows["outbox"] = out_rows
    return data
