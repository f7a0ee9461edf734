"""`helpdesk kb ...`: the knowledge base group, its import and the admin edits (search and eval: kb_quality)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from helpdesk.cli import main
from kb_search import editing as kb_edits
from kb_search.editing import EDITABLE_FIELDS
from kb_search.model import ArticleStatus, KbError, utcnow

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
    from kb_search.importer import read_path

    try:
        articles = read_path(path)
    except KbError as error:
        raise click.ClickException(str(error)) from None

    async def work(uow: SqlUnitOfWork) -> dict[str, int]:
        editor = kb_edits.Editor(author)  # the operator at the machine's shell
        return await kb_edits.import_articles(uow, editor, articles, utcnow(), replace=replace)

    counts = _run(_with_repo(work, commit=True))
    click.echo(
        f"{len(articles)} articles in {path}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['deleted']} deleted"
    )


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
        return await kb_edits.edit_article(uow, editor, article_id, {field: value}, expect_version, utcnow())

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
                uow, kb_edits.Editor(author), article_id, publish, utcnow()
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
        return await kb_edits.delete_article(uow, kb_edits.Editor(author), article_id, utcnow())

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
                        removed = await usecases.remove_phrasing(uow, actor, article_id, remove_id, utcnow())
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
