"""The supervisors' daily digest: what happened yesterday and what waits now, in each reader's language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from dialogue.i18n import say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from ticket_core.enums import Role
from ticket_core.ports import UnitOfWork

COUNTED = (
    "ticket_opened",
    "ticket_resolved",
    "ticket_cancelled",
    "ticket_reopened",
    "sla_breached",
    "no_engineer_available",
    "ticket_rated",
)


@dataclass(frozen=True, slots=True)
class DigestFigures:
    """The numbers of one digest."""

    counts: Counter[str]
    rating_average: float | None
    waiting: int
    active: int


async def digest_figures(uow: UnitOfWork, since: datetime, until: datetime) -> DigestFigures:
    """Count the day's events and the current backlog."""
    events = await uow.events.list_between(COUNTED, since, until)
    counts = Counter(str(e["name"]) for e in events)
    scores = [
        int(e["data"]["score"])
        for e in events
        if e["name"] == "ticket_rated" and "score" in (e["data"] or {})
    ]
    waiting = len(await uow.tickets.list_waiting(limit=10_000))
    active = sum((await uow.tickets.count_active_by_assignee()).values())
    average = round(sum(scores) / len(scores), 1) if scores else None
    return DigestFigures(counts, average, waiting, active)


async def send_digest(uow: UnitOfWork, out: Outgoing, figures: DigestFigures, day: str) -> int:
    """Queue the digest to every supervisor; return how many got it."""
    sent = 0
    c = figures.counts
    for member in await uow.directory.list_staff(Role.SUPERVISOR):
        lang = member.lang
        average = (
            say(lang, " (average {value})", value=figures.rating_average) if figures.rating_average else ""
        )
        text = say(
            lang,
            "Digest for {day}:\n• new tickets: {opened}\n• resolved: {resolved}\n• cancelled: {cancelled}\n"
            "• reopened: {reopened}\n• SLA breaches: {breached}\n• no engineer free: {unassignable}\n"
            "• ratings: {ratings}{average}\nWaiting for an engineer now: {waiting}, in progress: {active}.",
            day=day,
            opened=c["ticket_opened"],
            resolved=c["ticket_resolved"],
            cancelled=c["ticket_cancelled"],
            reopened=c["ticket_reopened"],
            breached=c["sla_breached"],
            unassignable=c["no_engineer_available"],
            ratings=c["ticket_rated"],
            average=average,
            waiting=figures.waiting,
            active=figures.active,
        )
        sent += await out.to_person(uow, member.id, Bot.STAFF, text, lang=lang) > 0
    return sent


__all__ = ["DigestFigures", "digest_figures", "send_digest"]
