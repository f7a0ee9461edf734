"""Values as an admin reads them, in their language: ticket states, priorities, categories, SLA states,
roles, report groupings and figures (instead of `in_progress`, `at_risk` or `P2`).

Ticket states, priorities and categories use the bots' names for them (`dialogue.texts`), so a client, an
engineer and an admin call a state the same; the rest is in the admin's catalogue (`helpdesk.admin.i18n`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dialogue import texts as bot_texts
from dialogue.regions import region_names, zone_name
from helpdesk.admin.i18n import Texts, _
from kb_search.model import CLIENT_PREFIX
from ticket_core.sla.calendar import BusinessCalendar
from ticket_core.utc import utcnow

SLA_STATES = {
    "ok": _("on time"),
    "at_risk": _("at risk"),
    "breached": _("breached"),
    "done": _("done"),
    "met": _("met"),
    "running": _("running"),
    "paused": _("paused"),
    "stopped": _("stopped"),
}
ROLES = {
    "client": _("client"),
    "engineer": _("engineer"),
    "supervisor": _("supervisor"),
    "admin": _("admin"),
    "system": _("system"),
}
CLOCKS = {"response": _("first response"), "resolution": _("resolution")}
CHANNELS = {"telegram": _("Telegram"), "whatsapp": _("WhatsApp"), "web": _("Web chat"), "email": _("Email")}
"""A chat's channel, in words (the Messages page)."""
OPENED_VIA = {
    "telegram": _("via Telegram"),
    "whatsapp": _("via WhatsApp"),
    "web": _("via the web chat"),
    "email": _("by email"),
    "portal": _("in the client portal"),
    "api": _("through the REST API"),
    "monitoring": _("from a monitoring alert"),
    "maintenance": _("by the maintenance plan"),
}
"""Where a ticket came from (`Ticket.source_channel`), as the ticket page says it ("opened ... via the web chat")."""
MEDIA_KINDS = {
    "photo": _("photo"),
    "video": _("video"),
    "document": _("file"),
    "audio": _("audio"),
    "voice": _("voice message"),
}
"""An attachment's kind, in words (a ticket's photos and files)."""
AUDIENCES = {"public": _("Everyone"), "internal": _("Staff only")}
"""Who may read a KB article (`kb_search.model`'s audiences); "client:<id>" reads as that client's name."""
PHRASING_SOURCES = {
    "client_helped": _("a client: it helped"),
    "engineer_linked": _("linked by an engineer"),
    "history": _("from past tickets"),
    "admin": _("added by an admin"),
}
"""Where a KB article's confirmed question came from (`kb_search.phrasings.PhrasingSource`)."""
KB_ACTIONS = {
    "create": _("created"),
    "edit": _("edited"),
    "publish": _("published"),
    "unpublish": _("unpublished"),
    "delete": _("deleted"),
}
"""What a KB version's entry records (`storage.kb_repository`'s actions), as the history says it."""
LANGUAGES = {"ru": _("Russian"), "en": _("English")}
"""A person's or an article's language by its code; another code is shown as it is."""
CLIENT_KINDS = {"company": _("company"), "individual": _("private person")}
ARTICLE_STATES = {"published": _("published"), "draft": _("draft"), "archived": _("archived")}
GROUPINGS = {
    "none": _("nothing (totals)"),
    "day": _("day"),
    "week": _("week"),
    "month": _("month"),
    "category": _("category"),
    "client": _("client"),
    "site": _("site"),
    "engineer": _("engineer"),
}
NOTIFY = {
    "assignee": _("the job's engineer"),
    "supervisor": _("supervisors"),
    "admin": _("admins"),
    "engineer": _("engineers"),
}
WEEKDAY_NAMES = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
POLICIES = {"standard": _("standard")}
"""The built-in policy's name; a company's own policies are shown by the name it gave them."""
HOURS_NOW = (_("no set hours"), _("in hours now"), _("off hours now"))
"""profile_view.HoursNow.label's texts, translated where they are shown."""


def _lookup(tr: Texts, table: dict[str, str]) -> Callable[[Any], str]:
    return lambda value: tr(table[str(value)]) if str(value) in table else str(value or "")


def label_helpers(tr: Texts) -> dict[str, Callable[[Any], str]]:
    """The label functions every admin template gets, in the reader's language."""
    lang = tr.lang

    def status_label(value: Any) -> str:
        return bot_texts.status_name(lang, str(value)).capitalize()

    def audience_here(value: Any, clients: Mapping[str, str] | None = None) -> str:
        return audience_label(tr, str(value or ""), clients or {})

    return {
        "status_label": status_label,
        "priority_label": lambda value: (
            f"{value} · {bot_texts.priority_name(lang, str(value))}" if value else ""
        ),
        "category_label": lambda value: bot_texts.category_name(lang, str(value)) if value else "",
        "skills_label": lambda skills: ", ".join(bot_texts.category_name(lang, str(s)) for s in skills),
        "regions_label": lambda codes: region_names(lang, list(codes), with_codes=True),
        "sla_label": _lookup(tr, SLA_STATES),
        "role_label": _lookup(tr, ROLES),
        "channel_label": _lookup(tr, CHANNELS),
        "media_label": _lookup(tr, MEDIA_KINDS),
        "lang_label": _lookup(tr, LANGUAGES),
        "kb_action_label": _lookup(tr, KB_ACTIONS),
        "phrasing_source_label": _lookup(tr, PHRASING_SOURCES),
        "audience_label": audience_here,
        "opened_via": _lookup(tr, OPENED_VIA),
        "clock_label": _lookup(tr, CLOCKS),
        "client_kind_label": _lookup(tr, CLIENT_KINDS),
        "article_status_label": _lookup(tr, ARTICLE_STATES),
        "group_label": _lookup(tr, GROUPINGS),
        "notify_label": lambda value: notify_label(tr, str(value)),
        "policy_label": _lookup(tr, POLICIES),
        "calendar_label": lambda calendar: calendar_label(tr, calendar),
        "zone_label": lambda zone: zone_name(tr.lang, str(zone), utcnow()) if zone else "",
    }


def notify_label(tr: Texts, notify: str) -> str:
    """Whom an SLA rung alerts, in words: "assignee" -> the job's engineer, "L2" -> L2 engineers."""
    if notify in NOTIFY:
        return tr(NOTIFY[notify])
    level = notify.upper().removeprefix("L")
    return tr(_("L{n} engineers"), n=level) if notify[:1] in "Ll" and level.isdigit() else notify


def audience_label(tr: Texts, audience: str, clients: Mapping[str, str]) -> str:
    """Who may read an article, in words: "Everyone", "Staff only", "Only client: Romashka" (`clients` maps
    client ids to names; an unknown id is shown as it is)."""
    if audience in AUDIENCES:
        return tr(AUDIENCES[audience])
    if audience.startswith(CLIENT_PREFIX):
        client_id = audience.removeprefix(CLIENT_PREFIX)
        return tr(_("Only client: {name}"), name=clients.get(client_id, client_id))
    return audience


def calendar_label(tr: Texts, calendar: BusinessCalendar) -> str:
    """A calendar's working time in a few words: "round the clock" or "Mon-Fri 09:00-18:00, Sat 10:00-14:00"."""
    if calendar.is_24x7:
        return tr(_("round the clock"))
    runs: list[tuple[int, int, str]] = []
    for day, intervals in enumerate(calendar.weekly):
        hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals)
        if runs and runs[-1][2] == hours and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    parts = []
    for first, last, hours in runs:
        if not hours:
            continue
        days = tr(WEEKDAY_NAMES[first]) + ("" if first == last else "-" + tr(WEEKDAY_NAMES[last]))
        parts.append(f"{days} {hours}")
    return ", ".join(parts) or tr(_("no working hours"))
