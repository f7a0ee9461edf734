"""What every `PhrasingRepository` must do, run on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kb_search.phrasings import PhrasingSource

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def check_phrasing_repository(repo: Any) -> None:
    """Get-or-create by wording, verdicts saved, listing, removal as a tombstone, changes since a moment."""
    first = await repo.lock("boiler", "public", "  Вода  еле тёплая ", PhrasingSource.CLIENT_HELPED, T0)
    assert (first.text, first.audience, first.helped_by, first.helped) == ("Вода еле тёплая", "public", (), 0)
    # Case, spacing and punctuation do not make a new row; another audience or article does.
    same = await repo.lock("boiler", "public", "вода еле тёплая?", PhrasingSource.HISTORY, T0)
    assert same.id == first.id and same.source is PhrasingSource.CLIENT_HELPED
    other = await repo.lock("boiler", "client:acme", "вода еле тёплая", PhrasingSource.CLIENT_HELPED, T0)
    assert other.id != first.id
    await repo.save(first.with_verdict("client:acme", True, T0 + timedelta(seconds=1)))
    await repo.save((await repo.get(other.id)).with_verdict("client:acme", False, T0 + timedelta(seconds=2)))
    saved = await repo.get(first.id)
    assert (saved.helped_by, saved.helped, saved.not_helped) == (("client:acme",), 1, 0)
    assert [p.id for p in await repo.for_article("boiler")] == [first.id, other.id]
    assert await repo.for_article("nothing") == [] and await repo.get(10**9) is None
    everything = await repo.changed_since(None)
    assert {p.id for p in everything.phrasings} == {first.id, other.id} and everything.until is not None
    removed = await repo.remove(first.id, "admin-1", T0 + timedelta(seconds=3))
    assert removed is not None and removed.removed_by == "admin-1" and not removed.active
    assert await repo.remove(10**9, "admin-1", T0) is None
    assert [p.id for p in await repo.for_article("boiler")] == [other.id]
    later = await repo.changed_since(T0 + timedelta(milliseconds=2500))
    assert later.removed == [first.id] and later.phrasings == []
    assert [p.id for p in (await repo.changed_since(None)).phrasings] == [other.id]
    again = await repo.lock("boiler", "public", "вода еле тёплая", PhrasingSource.CLIENT_HELPED, T0)
    assert again.id == first.id and not again.active  # an admin's removal stands
    assert replace(again, removed_at=None).active
