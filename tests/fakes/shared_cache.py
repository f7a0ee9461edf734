"""A shared model cache in memory (what `storage.shared_cache.RedisSharedCache` keeps in Redis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DictSharedCache:
    """Keeps values in a dict; `down` makes it answer as an unreachable Redis does (nothing found or kept)."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.down = False
        self.gets = 0

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self.gets += 1
        return [None if self.down else self.values.get(key) for key in keys]

    def put_many(self, items: Mapping[str, bytes]) -> None:
        if not self.down:
            self.values.update(items)
