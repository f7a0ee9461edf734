"""The current time for everything above the domain (dialogue, storage, helpdesk): one `utcnow`.

The domain's use cases never read the clock: they are given `now`. `kb_search` keeps its own
(`kb_search.model.utcnow`) because it stands alone and imports nothing of ours.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
