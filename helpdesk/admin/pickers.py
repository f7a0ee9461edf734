"""Clients and sites picked by name in the admin's filters: the choices a form offers, and what a typed
name (or id) stands for.

Names are matched in Python with `casefold()` (SQLite's `lower()` leaves Cyrillic as it is): an id, then a
whole name, then a part of one that only one choice has. The choices come from the unit's
`directory_lists` read model (`ticket_core.ports.DirectoryLists`), which stops them at `CHOICES_MAX`.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.admin.i18n import Texts, _
from ticket_core.lists import Choice
from ticket_core.ports import DirectoryLists

__all__ = ["Choice", "Picked", "pick", "pick_client_and_site", "resolve"]


@dataclass(frozen=True, slots=True)
class Picked:
    """What a typed filter value stands for: one choice, or none with the candidates it could mean."""

    choice: Choice | None
    candidates: tuple[Choice, ...] = ()


def pick(text: str, choices: list[Choice]) -> Picked:
    """The choice `text` names: its id, its whole name, or a part of the name that only it has."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return Picked(None)
    for choice in choices:
        if choice.id == text.strip():
            return Picked(choice)
    whole = [c for c in choices if c.name.casefold() == wanted]
    if len(whole) == 1:
        return Picked(whole[0])
    partial = whole or [c for c in choices if wanted in c.name.casefold()]
    if len(partial) == 1:
        return Picked(partial[0])
    return Picked(None, tuple(partial))


def resolve(
    typed: str | None, choices: list[Choice], what: str, errors: list[str], tr: Texts
) -> Choice | None:
    """The client or site a typed filter names; none (and why, in `errors`) when it names none or several."""
    if not typed:
        return None
    found = pick(typed, choices)
    if found.choice is None:
        if found.candidates:
            names = ", ".join(c.name for c in found.candidates[:5]) + (
                ", ..." if len(found.candidates) > 5 else ""
            )
            errors.append(
                tr(
                    _(
                        "{text} matches {n} of them ({names}): type more of the name or pick one from the list."
                    ),
                    text=repr(typed),
                    n=len(found.candidates),
                    names=names,
                )
            )
        else:
            errors.append(
                tr(_("No {what} is called {text}: pick one from the list."), what=tr(what), text=repr(typed))
            )
    return found.choice


async def pick_client_and_site(
    lists: DirectoryLists, client_text: str | None, site_text: str | None, errors: list[str], tr: Texts
) -> tuple[Choice | None, Choice | None, list[Choice], list[Choice]]:
    """The client and site two filter fields name (ids or names), and the choices to offer for each: every
    client, and the chosen client's sites (every site when no client is chosen)."""
    clients = await lists.client_choices()
    client = resolve(client_text, clients, _("client"), errors, tr)
    sites = await lists.site_choices(client.id if client else None)
    site = resolve(site_text, sites, _("site"), errors, tr)
    return client, site, clients, sites
