"""The names the chats give to ticket states, categories and priorities, and the language a chat speaks.

Every text the bots say is English where it is said (`dialogue.i18n.say`, `N_`); its Russian is in the
chats' catalogue, `dialogue/locale/ru/LC_MESSAGES/dialogue.po`.
"""

from __future__ import annotations

from dialogue.i18n import N_, say

SUPPORTED = ("ru", "en")

STATUS_NAMES: dict[str, str] = {
    "new": N_("new"),
    "offered": N_("finding an engineer"),
    "accepted": N_("engineer assigned"),
    "in_progress": N_("in progress"),
    "on_hold": N_("waiting"),
    "resolved": N_("done"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled"),
    "reopened": N_("reopened"),
}
"""Each ticket status as the chats name it."""

CATEGORIES: dict[str, str] = {
    "it": N_("Computers and network"),
    "printers": N_("Printers and copiers"),
    "hvac": N_("Air conditioning"),
    "heating": N_("Heating and boilers"),
    "electrical": N_("Electrical and lighting"),
    "plumbing": N_("Plumbing"),
    "other": N_("Other"),
}
"""The categories a client picks from, as the chats name them."""

PRIORITIES: dict[str, str] = {
    "P1": N_("Critical - work has stopped"),
    "P2": N_("Urgent, today"),
    "P3": N_("Normal"),
    "P4": N_("Not urgent"),
}
"""The priorities a client picks from, as the chats name them."""


DECLINE_REASONS: dict[str, str] = {"busy": N_("Busy"), "far": N_("Too far"), "skill": N_("Not my skill")}
"""Why an engineer declines an offer, by the code the Decline buttons carry."""


def in_both_languages(message: str) -> tuple[str, str]:
    """A text in Russian and in English: the words a client may answer a choice with."""
    return say("ru", message), say("en", message)


def norm_lang(lang: str | None) -> str:
    """Map a platform language code to one we speak (Russian for ru/uk/be/kk, else English)."""
    code = (lang or "").lower()[:2]
    if code in ("ru", "uk", "be", "kk"):
        return "ru"
    return "en" if code else "ru"


def status_name(lang: str, status: str) -> str:
    """Human name of a ticket status."""
    return say(lang, STATUS_NAMES[status]) if status in STATUS_NAMES else status


def category_name(lang: str, category: str) -> str:
    """Human name of a category."""
    return say(lang, CATEGORIES[category]) if category in CATEGORIES else category


def priority_name(lang: str, priority: str) -> str:
    """Human name of a priority."""
    return say(lang, PRIORITIES[priority]) if priority in PRIORITIES else priority
