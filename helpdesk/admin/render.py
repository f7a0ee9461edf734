"""Jinja2 pages for the admin: one autoescaping environment, Markdown rendered without raw HTML, times in the
company's time zone (`COMPANY_TZ`) and durations in the reader's language."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from dialogue import markup
from dialogue.gazetteer import nearest
from ticket_core.durations import DurationStyle, format_duration
from ticket_core.i18n import format_decimal, format_percent
from ticket_core.short_text import short

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def render_markdown(text: str) -> Markup:
    """Render article Markdown to HTML as the chats read it (one parser, `dialogue.markup`: a list or a line
    break in the preview is one in the chat); raw HTML in the source is shown as text, never passed through."""
    html = markup.html(text)
    # Links may only be web or mail links (or relative): a "javascript:" URL, in any spelling, never becomes
    # clickable.
    return Markup(_URL_ATTRIBUTE.sub(_safe_url, html))


_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"', re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


def _safe_url(match: re.Match[str]) -> str:
    attribute, value = match.group(1), match.group(2)
    # Browsers ignore control characters and whitespace inside a scheme and decode entities first.
    plain = "".join(ch for ch in html_lib.unescape(value) if ch > " " and ch != "\x7f").lower()
    scheme = _SCHEME.match(plain)
    if scheme is not None and scheme.group(1) not in _ALLOWED_SCHEMES:
        return f'{attribute}="#"'
    return match.group(0)


def when(value: datetime | str | None, tz: tzinfo = UTC) -> str:
    """A timestamp as people read it in the admin, in `tz`: "2026-03-02 12:00 MSK" (empty for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an event's time as the API serializes it
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # stored as UTC (SQLite hands some back naive)
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(tz)
    zone = local.strftime("%Z")
    # A zone without an abbreviation of its own is named "+04"; an offset reads better with its sign's UTC.
    return local.strftime("%Y-%m-%d %H:%M ") + (f"UTC{zone}" if zone[:1] in "+-" else zone)


@pass_context
def _when_here(context: Context, value: datetime | str | None) -> str:
    """`when` in the time zone the page was given (`tz`), UTC without one."""
    tz = context.get("tz")
    return when(value, tz if isinstance(tz, tzinfo) else UTC)


@pass_context
def _duration_here(context: Context, seconds: float | None) -> str:
    """A duration in the page's language (`lang`), exact and signed: "3 h 5 min", "-10 min"."""
    return format_duration(seconds, str(context.get("lang") or "en"), style=DurationStyle.EXACT)


@pass_context
def _percent_here(context: Context, share: float) -> str:
    """A share (0.75) as a whole percentage in the page's language: "75%", "75 %"."""
    return format_percent(share, str(context.get("lang") or "en"), 0)


@pass_context
def _number_here(context: Context, value: float | None, pattern: str = "#,##0.##") -> str:
    """A number in the page's language with Babel's `pattern`: "3.5" / "3,5", "0.00" gives "5,00" (empty for
    None): never Python's dot in a Russian page."""
    return "" if value is None else format_decimal(value, str(context.get("lang") or "en"), pattern)


def coordinates(lat: float | None, lon: float | None) -> str:
    """A place as maps write it, in every language: "59.9343, 30.3351" (a Russian map takes dots too; a decimal
    comma would read as four numbers)."""
    return "" if lat is None or lon is None else f"{lat:.4f}, {lon:.4f}"


def map_url(lat: float, lon: float) -> str:
    """An OpenStreetMap page with a marker on the point: "https://www.openstreetmap.org/?mlat=..&mlon=..#map=15/.."."""
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=15/{lat:.5f}/{lon:.5f}"


@pass_context
def _nearby_here(context: Context, lat: float, lon: float) -> str:
    """The town or district nearest a point in the page's language ("Петроградский", "Moscow"; empty when
    none is near: `dialogue.gazetteer.nearest`)."""
    near = nearest(lat, lon)
    return "" if near is None else near.name(str(context.get("lang") or "en"))


def make_environment(templates: Path = TEMPLATES) -> Environment:
    """The template environment (the admin's, or another web part's templates: the portal's); every value is
    HTML-escaped unless it is `Markup`."""
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],  # {% trans %}; each page gets its reader's gettext (admin.i18n)
    )
    env.filters["when"] = _when_here
    env.filters["duration"] = _duration_here
    env.filters["percent"] = _percent_here
    env.filters["number"] = _number_here
    env.filters["one_line"] = short  # a description in a list: its lines apart ("; "), cut on a word
    env.globals["coordinates"] = coordinates
    env.globals["map_url"] = map_url
    env.globals["nearby"] = _nearby_here
    env.globals["markdown"] = render_markdown
    return env


def page(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template."""
    return env.get_template(name).render(**context)
