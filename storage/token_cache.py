"""API tokens looked up by hash without a database round trip per request (PostgreSQL).

Every API request resolves its bearer token. On PostgreSQL that was its own transaction (BEGIN, SELECT,
ROLLBACK: three round trips before the request's work began). `TokenCache` keeps the tokens it has seen in
this process, and forgets all of them when told that `api_tokens` changed:

* migration 0030's trigger sends `NOTIFY helpdesk_api_tokens` when a token is created, revoked, renamed,
  re-scoped or deleted (not when only `last_used_at` moves), and every process LISTENs (`helpdesk.cluster_sync`);
  so a revocation is refused by every listening process as soon as the NOTIFY arrives (milliseconds);
* an entry older than `ttl_s` is looked up again: the safety net for a process whose LISTEN connection was
  down when the NOTIFY was sent (it also forgets everything when that connection comes back). A revocation
  therefore takes `ttl_s` at worst (API_TOKEN_CACHE_S, 10 s by default; 0 turns the cache off).

Unknown tokens are not cached (a guessed token costs its lookup, as before) so that the cache holds only real
tokens. SQLite runs without it: the lookup is a local read, and there is no NOTIFY to hear a `helpdesk
api-token revoke` run in another process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository

TOKENS_CHANNEL = "helpdesk_api_tokens"
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    record: ApiTokenRecord
    at: float  # monotonic time of the lookup
    generation: int


class TokenCache:
    """`find(hash)`: the stored token (revoked or not) or None, from memory while fresh."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.ttl_s = ttl_s
        self.clock = clock
        self.lookups = 0  # database lookups made (tests, benchmarks)
        self._entries: dict[str, _Entry] = {}
        self._generation = 0  # bumped by forget(): a lookup begun before it is not kept

    @property
    def generation(self) -> int:
        """How many times the cache was told to forget (tests wait on it to know a NOTIFY was heard)."""
        return self._generation

    def forget(self, _payload: str = "") -> None:
        """Drop every entry (a token changed somewhere, or the LISTEN connection came back)."""
        self._generation += 1
        self._entries.clear()

    async def find(self, token_hash: str) -> ApiTokenRecord | None:
        """The token stored under `token_hash`, looked up in the database when not cached or too old."""
        entry = self._entries.get(token_hash)
        now = self.clock()
        if entry is not None and entry.generation == self._generation and now - entry.at < self.ttl_s:
            return entry.record
        generation = self._generation
        async with self.sessions() as session:
            record = await SqlApiTokenRepository(session).find_by_hash(token_hash)
        self.lookups += 1
        if record is None or self.ttl_s <= 0 or generation != self._generation:
            # Unknown tokens are not kept; nor is what was read while a change was being announced.
            self._entries.pop(token_hash, None)
            return record
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[token_hash] = _Entry(record, now, generation)
        return record
