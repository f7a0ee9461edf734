"""Reports: filters, one inline SVG chart per figure over the grouping, a table and a CSV download.

Reads `Runtime.reports` (a `ticket_core.reports.model.ReportSource`) through the `get_report` use case.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from helpdesk.admin import pickers
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import Texts, _
from helpdesk.admin.pages import error_page, html, refused, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.charts import bar_chart, group_value_label
from ticket_core.durations import DurationStyle, format_duration
from ticket_core.enums import Role
from ticket_core.errors import DomainError
from ticket_core.i18n import format_decimal
from ticket_core.reports.csv import report_to_csv
from ticket_core.reports.display import format_rate, key_figures
from ticket_core.reports.model import GroupBy, Report, ReportFilter
from ticket_core.reports.usecase import get_report

ROUTES = RouteTable()
DEFAULT_DAYS = 30

CHARTED: tuple[tuple[str, str, str], ...] = (
    ("tickets_opened", _("Tickets opened"), "count"),
    ("tickets_resolved", _("Tickets resolved"), "count"),
    ("frt_median_s", _("First response, median"), "duration"),
    ("mttr_median_s", _("Time to resolve, median"), "duration"),
    ("sla_compliance", _("SLA compliance"), "rate"),
    ("fcr_rate", _("First-contact resolution"), "rate"),
    ("csat_avg", _("CSAT (1-5)"), "count"),
    ("reopen_rate", _("Reopen rate"), "rate"),
    ("backlog", _("Backlog"), "count"),
    ("deflection_rate", _("KB deflection"), "rate"),
)
"""The figures drawn as charts, with their label and how their values read."""

FIGURE_LABELS = {
    "opened": _("Opened"),
    "resolved": _("Resolved"),
    "frt": _("First response (median / p90)"),
    "mttr": _("Time to resolve (median / p90)"),
    "sla": _("SLA compliance"),
    "fcr": _("First-contact resolution"),
    "csat": _("CSAT"),
    "reopen": _("Reopen rate"),
    "backlog": _("Backlog"),
    "deflection": _("KB deflection"),
    "lost": _("Lost requests"),
}
"""ticket_core.reports.display's key figures, marked for the admin's catalogue (the same keys)."""


def _formats(lang: str) -> dict[str, Any]:
    """How each kind of figure reads: durations and numbers in `lang` ("19 с", "3 мин", "66,7 %", "4,5" in Russian)."""
    return {
        "count": lambda v: (
            "—" if v is None else (format_decimal(v, lang) if isinstance(v, float) else str(v))
        ),
        "duration": lambda v: format_duration(v, lang, style=DurationStyle.REPORT),
        "rate": lambda v: format_rate(v, lang),
    }


def _date(value: str, message: str, errors: list[str], tr: Texts) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(tr(message, value=repr(value[:20])))
        return None


def parse_report_query(
    request: web.Request, now: datetime
) -> tuple[dict[str, str], ReportFilter | None, GroupBy, list[str]]:
    """The form values, the filter (None when invalid), the grouping and the errors to show."""
    q = request.query
    tr = texts_of(request)
    errors: list[str] = []
    today = now.date()
    values = {
        "start": (q.get("start") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()).strip()[:20],
        "end": (q.get("end") or today.isoformat()).strip()[:20],
        "category": (q.get("category") or "").strip()[:64],
        "client": (q.get("client") or "").strip()[:200],
        "site": (q.get("site") or "").strip()[:200],
        "engineer": (q.get("engineer") or "").strip()[:64],
        "group": (q.get("group") or GroupBy.DAY.value).strip()[:16],
    }
    try:
        group = GroupBy(values["group"])
    except ValueError:
        errors.append(tr("Grouping {name} is unknown; pick one from the list.", name=repr(values["group"])))
        group = GroupBy.DAY
    start = _date(values["start"], _("The start date {value} is not a date; use YYYY-MM-DD."), errors, tr)
    end = _date(values["end"], _("The end date {value} is not a date; use YYYY-MM-DD."), errors, tr)
    flt = None
    if start and end and not errors:
        try:
            flt = ReportFilter(
                datetime(start.year, start.month, start.day, tzinfo=UTC),
                datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1),  # the end day counts
                values["category"] or None,
                values["client"] or None,
                values["site"] or None,
                values["engineer"] or None,
            )
        except DomainError as error:
            errors.append(refused(request, error))
    return values, flt, group, errors


Choices = tuple[list[pickers.Choice], list[pickers.Choice]]


async def _report(
    request: web.Request,
) -> tuple[dict[str, str], Report | None, GroupBy, list[str], Choices]:
    ctx = admin_context(request)
    values, flt, group, errors = parse_report_query(request, ctx.clock())
    async with ctx.rt.uows() as uow:  # the client and site typed by name (or id), as in the ticket list
        client, site, clients, sites = await pickers.pick_client_and_site(
            uow.directory_lists, values["client"], values["site"], errors, texts_of(request)
        )
    if client is not None:
        values["client"] = client.name
    if site is not None:
        values["site"] = site.name
    if flt is not None and (values["client"] or values["site"]):
        client_id, site_id = (client.id if client else None), (site.id if site else None)
        flt = None if errors else replace(flt, client_id=client_id, site_id=site_id)
    choices = (clients, sites)
    source = ctx.rt.reports
    if source is None:
        errors.append(
            texts_of(request)(
                _("Reports are not available in this process (no report source is configured).")
            )
        )
        return values, None, group, errors, choices
    if flt is None:
        return values, None, group, errors, choices
    try:
        report = await get_report(source, current_user(request).actor, flt, group)
        return values, report, group, errors, choices
    except DomainError as error:
        errors.append(refused(request, error))
        return values, None, group, errors, choices


@ROUTES.route("GET", "/reports", "reports", Area.REPORTS)
async def reports_page(request: web.Request) -> web.StreamResponse:
    """The report form, key figures, a chart per figure over the groups and the table of rows."""

    async def engineers_menu() -> list[Any]:
        async with admin_context(request).rt.uows() as uow:
            members: list[Any] = await uow.directory.list_staff(Role.ENGINEER)
            return members

    # The report runs on its own connection: read the engineers' menu meanwhile.
    (values, report, _group, errors, choices), engineers = await asyncio.gather(
        _report(request), engineers_menu()
    )
    charts = []
    table: list[dict[str, Any]] = []
    tr = texts_of(request)
    formats = _formats(tr.lang)
    if report is not None:
        labels = [group_value_label(r.label, report.group_by, tr.lang) for r in report.rows]
        for name, title, kind in CHARTED:
            series = [getattr(r.figures, name) for r in report.rows]
            if report.rows and any(v is not None for v in series):
                charts.append(bar_chart(tr(title), labels, series, formats[kind], most=tr("max")))
        for label, row in zip(labels, report.rows, strict=True):
            table.append(
                {"label": label, "cells": [formats[k](getattr(row.figures, n)) for n, _t, k in CHARTED]}
            )
        table.append(
            {"label": tr("Total"), "cells": [formats[k](getattr(report.total, n)) for n, _t, k in CHARTED]}
        )
    return html(
        request,
        "reports.html",
        status=400 if errors and report is None else 200,
        values=values,
        groups=[g.value for g in GroupBy],
        engineers=engineers,
        report=report,
        key=key_figures(report, {k: tr(v) for k, v in FIGURE_LABELS.items()}, tr.lang) if report else [],
        charts=charts,
        headers=[tr(t) for _n, t, _k in CHARTED],
        table=table,
        errors=errors,
        csv_url="/admin/reports.csv?" + urlencode(values),
        clients=choices[0],
        sites=choices[1],
    )


@ROUTES.route("GET", "/reports.csv", "reports-csv", Area.REPORTS)
async def reports_csv(request: web.Request) -> web.StreamResponse:
    """The same report as CSV (every figure, one row per group and the total)."""
    _values, report, _group, errors, _choices = await _report(request)
    if report is None:
        return error_page(request, 400, _("No report"), " ".join(errors) or _("Pick a period."))
    name = f"report-{report.filter.start:%Y%m%d}-{report.filter.end:%Y%m%d}-{report.group_by}.csv"
    return web.Response(
        text=report_to_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
