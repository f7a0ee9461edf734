"""`/report` in the staff bot: the key figures as text and a PNG chart of the days.

`/report` covers the last 7 days, `/report 30` the last 30 (1-366), `/report month` this calendar month
(UTC) so far. Supervisors and admins get the whole company; an engineer gets their own figures (the
`get_report` use case enforces it). The report comes from a `ReportSource` and the chart from a
`ChartRenderer`; both are injected (storage and the chart engine live outside `dialogue`). When no renderer is
set, or it fails, the text goes alone.

A report reads many rows and a chart takes a while to draw, so the engine prepares the answer before the
turn's transaction opens (`ReportCommand.prepare`, like the client's NLU and KB search): on SQLite the turn
would otherwise hold the write lock, and every other chat would wait, for the report's whole duration. The
turn sends the prepared answer when it was made for the same arguments, staff member, role and language, and
computes its own otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from babel.dates import format_date

from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson
from dialogue.inline_media import inline_media
from dialogue.messages import Media
from dialogue.turn import Turn
from ticket_core.enums import Role
from ticket_core.errors import DomainError
from ticket_core.model import Actor
from ticket_core.reports import GroupBy, Report, ReportFilter, ReportSource, get_report, key_figures

log = logging.getLogger(__name__)

DEFAULT_DAYS = 7
MAX_DAYS = 366
MONTH_WORDS = ("month", "месяц")

FIGURE_LABELS = {
    "opened": N_("Opened"),
    "resolved": N_("Resolved"),
    "frt": N_("First response (median / p90)"),
    "mttr": N_("Time to resolve (median / p90)"),
    "sla": N_("SLA compliance"),
    "fcr": N_("First-contact resolution"),
    "csat": N_("CSAT"),
    "reopen": N_("Reopen rate"),
    "backlog": N_("Backlog at the end"),
    "deflection": N_("KB deflection"),
    "lost": N_("Lost requests"),
}
"""The key figures' labels (English; `say` gives them in the reader's language)."""


class ChartRenderer(Protocol):
    """Draws a report as a PNG image (off the event loop)."""

    async def render(self, report: Report, title: str, lang: str) -> bytes:
        """Return the PNG bytes of the report's chart."""
        ...


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """The answer to a `/report`, made before the turn's transaction."""

    args: str
    actor: Actor
    lang: str
    text: str
    media: tuple[Media, ...] = ()

    def fits(self, args: str, actor: Actor, lang: str) -> bool:
        """Whether this was made for these arguments, this staff member in this role, and this language."""
        return (
            self.args == args
            and self.actor.id == actor.id
            and self.actor.role is actor.role
            and self.lang == lang
        )


def parse_period(args: str, now: datetime) -> tuple[datetime, datetime, int | None] | None:
    """(start, end, days) of `/report` arguments; days is None for the calendar month; None when malformed."""
    arg = args.strip().lower()
    if not arg:
        return now - timedelta(days=DEFAULT_DAYS), now, DEFAULT_DAYS
    if arg in MONTH_WORDS:
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return start, now, None
    if arg.isdigit() and 1 <= int(arg) <= MAX_DAYS:
        return now - timedelta(days=int(arg)), now, int(arg)
    return None


def month_name(start: datetime, lang: str) -> str:
    """The calendar month as its reader says it: "декабрь 2026", "December 2026" (not "2026-12")."""
    return str(format_date(start, "LLLL y", locale=lang))


class ReportCommand:
    """Answers `/report` for a staff member."""

    def __init__(self, source: ReportSource | None, renderer: ChartRenderer | None = None) -> None:
        self.source = source
        self.renderer = renderer

    async def prepare(
        self, person: StaffPerson, args: str, now: datetime, lang: str
    ) -> PreparedReport | None:
        """Compute the answer to `/report args` for a staff member (no transaction needed).

        None when there is nothing worth preparing: no report source, or arguments that only get the usage.
        """
        period = parse_period(args, now)
        if self.source is None or period is None:
            return None
        text, media = await self._answer(person.actor, period, lang)
        return PreparedReport(args, person.actor, lang, text, media)

    async def on_command(self, turn: Turn, person: StaffPerson, args: str) -> None:
        """Reply with the key figures of the asked period and, when possible, a chart."""
        ready = turn.prefetched
        if isinstance(ready, PreparedReport) and ready.fits(args, person.actor, turn.lang):
            turn.reply(ready.text, media=ready.media)
            return
        if self.source is None:
            turn.tell("Reports are not set up here. Open them in the admin pages.")
            return
        period = parse_period(args, turn.now)
        if period is None:
            turn.tell(
                "Use /report for 7 days, /report 30 for the last 30 days (up to 366), /report month for this month."
            )
            return
        text, media = await self._answer(person.actor, period, turn.lang)
        turn.reply(text, media=media)

    async def _answer(
        self, actor: Actor, period: tuple[datetime, datetime, int | None], lang: str
    ) -> tuple[str, tuple[Media, ...]]:
        """The text (figures, or why there are none) and the chart of one report."""
        assert self.source is not None
        start, end, days = period
        mine = actor.role is Role.ENGINEER
        try:
            flt = ReportFilter(start, end, engineer_id=actor.id if mine else None)
            report = await get_report(self.source, actor, flt, GroupBy.DAY)
        except DomainError as exc:
            return str(exc), ()
        title = (
            say(lang, "Report for the last {days} days", days=days)
            if days is not None
            else say(lang, "Report for {month}", month=month_name(start, lang))
        )
        scope = say(lang, "your jobs") if mine else say(lang, "whole company")
        labels = {key: say(lang, label) for key, label in FIGURE_LABELS.items()}
        lines = [f"{title} ({scope})", ""] + [
            f"{label}: {value}" for label, value in key_figures(report, labels, lang)
        ]
        media: tuple[Media, ...] = ()
        if self.renderer is not None:
            try:
                png = await self.renderer.render(report, f"{title} ({scope})", lang)
                media = (inline_media(png, "image/png"),)
            except Exception:  # a chart is a bonus: the figures still go out
                log.exception("report chart could not be drawn")
        return "\n".join(lines), media
