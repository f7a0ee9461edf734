"""A ticket's audit events as an admin reads them, in their language: what happened in words and the details
that matter by name (not `offer_declined` with `engineer_id: e-kozlov reason: far offer_id: 0035...`).

The event names and detail fields come from the domain (`ticket_core.events`); an event or field this table
does not know yet is shown as it is stored, never hidden. Engineers are named, categories, priorities and
decline reasons read as the bots say them (`dialogue.texts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from dialogue import texts as bot_texts
from dialogue.i18n import say
from dialogue.reason_texts import read_stored, say_reason
from helpdesk.admin.i18n import Texts, _
from ticket_core.billing.acts import coverage_text
from ticket_core.billing.ledger import Coverage
from ticket_core.billing.money import DEFAULT_CURRENCY, format_money
from ticket_core.i18n import format_decimal

EVENTS = {
    "ticket_opened": _("Ticket opened"),
    "ticket_offered": _("Offered to an engineer"),
    "no_engineer_available": _("No engineer available"),
    "offer_accepted": _("Offer accepted"),
    "offer_declined": _("Offer declined"),
    "offer_expired": _("Offer expired"),
    "ticket_returned_to_queue": _("Back in the queue"),
    "work_started": _("Work started"),
    "engineer_on_the_way": _("Engineer on the way"),
    "engineer_on_site": _("Engineer on site"),
    "ticket_handed_over": _("Handed over"),
    "ticket_level_raised": _("Passed to a higher level"),
    "ticket_put_on_hold": _("Put on hold"),
    "work_resumed": _("Work resumed"),
    "ticket_resolved": _("Ticket resolved"),
    "ticket_closed": _("Ticket closed"),
    "ticket_cancelled": _("Ticket cancelled"),
    "ticket_reopened": _("Ticket reopened"),
    "comment_added": _("Comment added"),
    "person_asked": _("Client asked for a person"),
    "ticket_rated": _("Ticket rated"),
    "rating_commented": _("Rating comment"),
    "sla_warning": _("SLA warning"),
    "sla_breached": _("SLA breached"),
    "sla_escalated": _("SLA escalated"),
    "sla_acknowledged": _("SLA alert taken in charge"),
    "sla_extended": _("SLA deadline extended"),
    "priority_changed": _("Priority changed"),
    "ticket_reassigned": _("Ticket reassigned"),
    "job_charged": _("Job charged"),
    "estimate_requested": _("Estimate sent to the client"),
    "estimate_answered": _("Estimate answered"),
    "job_held_for_debt": _("Held: client in debt"),
    "debt_hold_decided": _("Debtor's job decided"),
    "parts_recorded": _("Parts recorded"),
}
FIELDS = {
    "category": _("category"),
    "priority": _("priority"),
    "engineer_id": _("engineer"),
    "from_engineer_id": _("from"),
    "to_engineer_id": _("to"),
    "previous_assignee_id": _("previous engineer"),
    "reasons": _("why"),
    "reason": _("reason"),
    "distance_km": _("distance, km"),
    "note": _("note"),
    "time_spent_min": _("minutes spent"),
    "checklist": _("checklist"),
    "visibility": _("visibility"),
    "text": _("text"),
    "score": _("score"),
    "comment": _("comment"),
    "old": _("was"),
    "new": _("now"),
    "kind": _("clock"),
    "clock": _("clock"),
    "level": _("level"),
    "minutes": _("minutes"),
    "from_level": _("from level"),
    "to_level": _("to level"),
    "total": _("to pay"),
    "lines": _("lines"),
    "approved": _("approved"),
    "rate": _("rate"),
    "on_behalf": _("answered for the client"),
}
HIDDEN = frozenset(
    {"ticket_id", "offer_id", "comment_id", "number", "lat", "lon", "offered_to", "client_id", "currency"}
)
"""Fields that say nothing to a person (ids; the number is the page's title; the place is the site)."""
STAFF_FIELDS = frozenset({"engineer_id", "from_engineer_id", "to_engineer_id", "previous_assignee_id"})
CLOCKS = {"response": _("first response"), "resolution": _("resolution")}
QUEUE_REASONS = {"offer declined": _("the offer was declined"), "offer expired": _("the offer expired")}
"""The reasons `ticket_core.usecases.offers` gives a ticket back to the queue with (stored as these words)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline: when, what happened, who did it and the details as (name, value) pairs."""

    at: datetime | None
    what: str
    who: str
    role: str
    details: tuple[tuple[str, str], ...]


def staff_ids(events: Iterable[dict[str, Any]]) -> set[str]:
    """The staff the events name in their details (to look their names up once)."""
    return {str(e["data"][k]) for e in events for k in STAFF_FIELDS if (e.get("data") or {}).get(k)}


def entries(events: Iterable[dict[str, Any]], tr: Texts, names: dict[str, str]) -> list[Entry]:
    """The events (as `helpdesk.api.serialize.event` gives them) in the reader's language; `names` maps
    staff ids to names."""
    out = []
    for e in events:
        actor = e.get("actor") or {}
        name = str(e.get("name") or "")
        data = e.get("data") or {}
        details = tuple(
            (tr(FIELDS[k]) if k in FIELDS else k, _value(k, v, tr, names, str(data.get("currency") or "")))
            for k, v in data.items()
            if k not in HIDDEN and v not in (None, "", [], {})
        )
        out.append(
            Entry(
                e.get("at"),
                tr(EVENTS[name]) if name in EVENTS else name,
                str(actor.get("name") or actor.get("id") or ""),
                str(actor.get("role") or ""),
                details,
            )
        )
    return out


VISIBILITY = {"public": _("to the client"), "internal": _("staff only")}


def _value(key: str, value: Any, tr: Texts, names: dict[str, str], currency: str = "") -> str:
    lang = tr.lang
    if key == "total" and currency:
        return _money(value, currency, lang)
    if key == "lines" and isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "; ".join(_charge_line(line, currency, lang) for line in value)  # it showed the dicts
    if key in STAFF_FIELDS:
        return names.get(str(value), str(value))
    if key == "category":
        return bot_texts.category_name(lang, str(value))
    if key in ("priority", "old", "new") and str(value) in bot_texts.PRIORITIES:
        return f"{value} · {bot_texts.priority_name(lang, str(value))}"
    if key == "reason" and str(value) in bot_texts.DECLINE_REASONS:
        return say(lang, bot_texts.DECLINE_REASONS[str(value)])
    if key == "visibility" and str(value) in VISIBILITY:  # it read "видимость: public"
        return tr(VISIBILITY[str(value)])
    if key in ("kind", "clock") and str(value) in CLOCKS:
        return tr(CLOCKS[str(value)])
    if key == "checklist" and isinstance(value, list):
        # Each item is stored in both languages (ru, en): the reader's.
        return "; ".join(_pick(item, lang) for item in value)
    if key == "reasons" and isinstance(value, list):  # routing's reasons, stored in English
        return ", ".join(say_reason(read_stored(str(v)), lang) for v in value)
    if key == "reason" and value in QUEUE_REASONS:
        return tr(QUEUE_REASONS[str(value)])
    if key == "reason" and isinstance(value, str):
        return say_reason(read_stored(value), lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    if isinstance(value, float):  # "расстояние, км: 0,602", never Python's "0.602" in a Russian page
        return format_decimal(value, lang, "#,##0.###")
    return str(value)


def _money(value: Any, currency: str, lang: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency or DEFAULT_CURRENCY, lang)
    except ArithmeticError:
        return str(value)


def _charge_line(line: dict[str, Any], currency: str, lang: str) -> str:
    """ "Работа инженера L2 × 0,75 — по договору": a charge line of the ticket (its ref is the page's title)."""
    text = str(line.get("text_en" if lang == "en" else "text_ru") or line.get("key") or "")
    text = REF_SUFFIX.sub("", text)
    quantity = str(line.get("quantity") or "")
    if quantity:
        text += " × " + (quantity.rstrip("0").rstrip(".") if "." in quantity else quantity).replace(
            ".", "," if lang == "ru" else "."
        )
    amount = line.get("amount")
    coverage = str(line.get("coverage") or "")
    if coverage in set(Coverage) and coverage != Coverage.BILLABLE:
        return f"{text} — {coverage_text(Coverage(coverage), 'en' if lang == 'en' else 'ru')}"
    return f"{text} — {_money(amount, currency, lang)}"


REF_SUFFIX = re.compile(r",\s*HD-\d+$")


def _pick(item: Any, lang: str) -> str:
    if isinstance(item, list | tuple) and len(item) == 2:
        return str(item[1] if lang == "en" else item[0])
    return str(item)
