"""Clients and sites picked by name in the admin's filters: the choices a form offers, and what a typed
name (or id) stands for.

Names are matched in Python with `casefold()` (SQLite's `lower()` leaves Cyrillic as it is): an id, then a
whole name, then a part of one that only one choice has. A company has hundreds of clients, not millions;
the lists stop at `CHOICES_MAX`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import clients, sites

CHOICES_MAX = 5000


@dataclass(frozen=True, slots=True)
class Choice:
    """One client or site a filter can pick: its id, its name and (for a site) whose it is."""

    id: str
    name: str
    detail: str = ""


async def client_choices(session: AsyncSession) -> list[Choice]:
    """Every client, by name."""
    rows = await session.execute(
        select(clients.c.id, clients.c.name).order_by(clients.c.name).limit(CHOICES_MAX)
    )
    return [Choice(str(r.id), str(r.name)) for r in rows]


async def site_choices(session: AsyncSession, client_id: str | None = None) -> list[Choice]:
    """Every site (of one client when given), by name, with its client's name."""
    query = (
        select(sites.c.id, sites.c.name, clients.c.name.label("client"))
        .join(clients, clients.c.id == sites.c.client_id)
        .order_by(sites.c.name)
        .limit(CHOICES_MAX)
    )
    if client_id:
        query = query.where(sites.c.client_id == client_id)
    return [Choice(str(r.id), str(r.name), str(r.client)) for r in await session.execute(query)]


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
