"""What other processes' commits tell this one (PostgreSQL LISTEN/NOTIFY), wired to what it must do at once.

- `helpdesk_kb`: a KB article or phrasing changed: refresh the search index now (the 1-second poll stays).
- `helpdesk_outbox`: messages were queued (by a web process, the API, a timer): a process that runs a
  delivery loop sends them now instead of at its next poll (WORKER_POLL_S, 0.5 s, which stays).
- `helpdesk_nlu`: an NLU model was published: load it now (helpdesk.nlu_models; the 30 s poll stays).
- `helpdesk_sla`: an SLA configuration was published: switch to it now (helpdesk.sla_configs; 30 s poll).
- `helpdesk_api_tokens`: an API token was created, revoked or changed: forget the cached tokens
  (storage.token_cache; API_TOKEN_CACHE_S bounds how long a missed NOTIFY leaves a revoked token usable).

One LISTEN connection per process carries every channel (storage.notify). SQLite runs one process: nothing
to hear.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from storage.nlu_models import NLU_CHANNEL
from storage.notify import KB_CHANNEL, OUTBOX_CHANNEL, is_postgres, listen
from storage.sla_configs import SLA_CHANNEL
from storage.token_cache import TOKENS_CHANNEL


class Refreshable(Protocol):
    """A cache that can be told to reload soon (the KB index)."""

    def refresh_soon(self) -> None:
        """Reload before the next poll would."""


def handlers(
    *,
    kb: Refreshable | None,
    wake_delivery: Callable[[], None] | None,
    nlu: Callable[[], None] | None = None,
    sla: Callable[[], None] | None = None,
    api_tokens: Callable[[str], None] | None = None,
) -> dict[str, Callable[[str], None]]:
    """The channels this process listens on, each with what it does when told."""
    found: dict[str, Callable[[str], None]] = {}
    if kb is not None:
        found[KB_CHANNEL] = lambda _payload: kb.refresh_soon()
    if wake_delivery is not None:
        found[OUTBOX_CHANNEL] = lambda _payload: wake_delivery()
    if nlu is not None:
        found[NLU_CHANNEL] = lambda _payload: nlu()
    if sla is not None:
        found[SLA_CHANNEL] = lambda _payload: sla()
    # Last: the listener subscribes in this order, and tests take the tokens' LISTEN as the sign that every
    # channel is subscribed (tests/integration/test_api_token_cache.py).
    if api_tokens is not None:
        found[TOKENS_CHANNEL] = api_tokens
    return found


def start_listening(
    database_url: str, channels: dict[str, Callable[[str], None]], stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """Listen on `channels` until `stop` (PostgreSQL); None when there is nothing to listen to or for."""
    if not channels or not is_postgres(database_url):
        return None
    return asyncio.create_task(listen(database_url, channels, stop), name="listen")
