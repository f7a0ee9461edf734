"""Articles' passage vectors: embedded in batches (kept in a disk cache when configured) into the vector index."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np

from kb_search.cache import EmbeddingCache
from kb_search.embedder import Embedder
from kb_search.model import Article
from kb_search.ports import VectorIndex, VectorRow
from kb_search.text import chunks

PROGRESS_MIN = 300
"""Show a progress bar when embedding more articles than this."""
EMBED_BATCH = 64


def passages(article: Article) -> list[str]:
    """The passages an article is searched by (its title and body in chunks), in index order."""
    return chunks(article.title, article.body)


class ArticleVectors:
    """Puts the vectors of articles' passages into `index`, reusing the disk cache in `cache_dir` if any.

    Args:
        index: the vector index of the KB.
        cache_dir: a folder for passage embeddings, so a restart does not embed again; None: no cache.
        progress: show a progress bar when embedding many articles.
    """

    def __init__(self, index: VectorIndex, cache_dir: str | None, progress: bool) -> None:
        self.index = index
        self.progress = progress
        self._cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None

    async def save_cache(self) -> None:
        """Write the disk cache (the backlog calls this when it is idle)."""
        if self._cache is not None:
            await asyncio.to_thread(self._cache.save)

    def _embed(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        if self._cache_dir is None:
            return embedder.embed_passages(texts)
        if self._cache is None:
            self._cache = EmbeddingCache(self._cache_dir, embedder.name)
        return self._cache.embed(texts, embedder.embed_passages)

    async def store(
        self,
        embedder: Embedder,
        articles: list[Article],
        indexed: Callable[[str], bool],
        save: bool = True,
    ) -> None:
        """Embed the articles whose vectors the index lacks and store those still `indexed` after."""
        # Version 0 means "never saved" (built in code, not read from storage): its content may differ
        # under the same number, so it is always embedded again (the disk cache makes that cheap).
        todo = [a for a in articles if a.version == 0 or not await self.index.has(a.id, a.version)]
        bar = self._progress_bar(len(todo))
        try:
            for start in range(0, len(todo), EMBED_BATCH):
                part = todo[start : start + EMBED_BATCH]
                texts = [(a, i, p) for a in part for i, p in enumerate(passages(a))]
                vectors = await asyncio.to_thread(self._embed, embedder, [t[2] for t in texts])
                rows: dict[str, list[VectorRow]] = {a.id: [] for a in part}
                for (a, i, _), vector in zip(texts, vectors, strict=True):
                    rows[a.id].append(VectorRow(a.id, i, a.audience, a.version, vector))
                for article in part:
                    # The article may have been unpublished while its batch was embedding.
                    if indexed(article.id):
                        await self.index.put(article.id, rows[article.id])
                if bar is not None:
                    bar.update(len(part))
        finally:
            if bar is not None:
                bar.close()
            if save and self._cache is not None and todo:
                await asyncio.to_thread(self._cache.save)

    def _progress_bar(self, total: int) -> Any:
        if not self.progress or total <= PROGRESS_MIN:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="embedding articles", unit="article")
