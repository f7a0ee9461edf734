"""The model cache a cluster's processes share (`storage.shared_cache`), wired to the KB and the NLU.

With `REDIS_URL` set, the KB's query embedder (the one instance `kb_search.embedder.load_embedder` keeps per
process, which the NLU's e5 stage shares) and the embedded NLU backend look up in Redis what this process
has not computed yet, and keep there what it computes. Without Redis (or with MODEL_CACHE_SHARED=false)
each process has its own caches only.
"""

from __future__ import annotations

import asyncio

from helpdesk.settings import Settings
from storage.shared_cache import RedisSharedCache


async def shared_model_cache(settings: Settings) -> RedisSharedCache | None:
    """The shared cache for this process (None without Redis), already given to the KB's query embedder."""
    if not settings.redis_url or not settings.model_cache_shared:
        return None
    cache = RedisSharedCache.from_url(settings.redis_url)
    if settings.kb_embedder != "none":
        from kb_search.embedder import QueryCache, load_embedder

        # The embedder object only (its model loads on first use); the same one the KB and the NLU use.
        embedder = await asyncio.to_thread(load_embedder, settings.kb_embedder)
        if isinstance(embedder, QueryCache):
            embedder.share(cache)
    return cache
