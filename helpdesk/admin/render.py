"""Jinja2 pages for the admin: one autoescaping environment, Markdown rendered without raw HTML, dates in UTC."""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def render_markdown(text: str) -> Markup:
    """Render article Markdown to HTML; raw HTML in the source is shown as text, never passed through."""
    md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(text)
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


def when(value: datetime | None) -> str:
    """A timestamp as people read it in the admin: "2026-03-02 09:00 UTC" (empty for None)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float | None) -> str:
    """A duration as "1 d 2 h", "3 h 5 min" or "12 min" (negative values get a minus sign)."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {mins} min"
    return f"{sign}{mins} min"


def make_environment() -> Environment:
    """The template environment; every value is HTML-escaped unless it is `Markup`."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],  # {% trans %}; each page gets its reader's gettext (admin.i18n)
    )
    env.filters["when"] = when
    env.filters["duration"] = duration
    env.globals["markdown"] = render_markdown
    return env


def page(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template."""
    return env.get_template(name).render(**context)
