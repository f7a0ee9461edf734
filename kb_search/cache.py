"""A disk cache of passage embeddings keyed by (embedder, text), so restarts do not re-embed the KB."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class EmbeddingCache:
    """Passage vectors of one embedder in one `.npz` file; unreadable files are ignored, not fatal."""

    def __init__(self, folder: Path | str, embedder_name: str) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_name)[:80]
        self.path = Path(folder) / f"kb-embeddings-{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                for key, vector in zip(data["keys"].tolist(), data["vectors"], strict=True):
                    self._vectors[str(key)] = vector
        except FileNotFoundError:
            pass
        except Exception:
            log.warning("ignoring the unreadable embedding cache %s", self.path)

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for `texts`, computing (with `compute`) only those not cached yet."""
        keys = [_key(t) for t in texts]
        with self._lock:
            missing = sorted(
                {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
            )
        if missing:
            fresh = compute([t for _, t in missing])
            with self._lock:
                for (key, _), vector in zip(missing, fresh, strict=True):
                    self._vectors[key] = np.asarray(vector, dtype=np.float32)
                self._dirty = True
        with self._lock:
            return np.vstack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)

    def save(self) -> None:
        """Write the cache if it changed (atomically: a crash leaves the old file)."""
        with self._lock:
            if not self._dirty or not self._vectors:
                return
            keys = np.array(list(self._vectors), dtype="U32")
            vectors = np.vstack(list(self._vectors.values()))
            self._dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, keys=keys, vectors=vectors)
            os.replace(tmp, self.path)
        except OSError:
            log.warning("could not write the embedding cache %s", self.path)
            Path(tmp).unlink(missing_ok=True)

    def has_all(self, texts: Sequence[str]) -> bool:
        """Whether every one of `texts` has its vector here (embedding them again would cost nothing)."""
        with self._lock:
            return all(_key(t) in self._vectors for t in texts)
