"""`helpdesk inbox list|replay` and `helpdesk outbox list|retry`: dead letters and undelivered messages.

The same operations as the admin's Messages page (`helpdesk.queues`); a replay or retry is written to the
admin audit as the system. Bad ids and an unreachable or unmigrated database end the command with one line
on stderr and exit code 2, and change nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from helpdesk import queues
from helpdesk.cli import CONFIG_ERROR_EXIT, main
from storage.inbox import InboxStatus
from storage.outbox_delivery import OutboxStatus
from ticket_core.model import Actor

if TYPE_CHECKING:  # imported when a command runs, so `helpdesk --help` stays quick
    from storage.uow import SqlUnitOfWork

T = TypeVar("T")

PICKED_UP = {
    "inbox": "a running app (helpdesk run or worker) picks them up within a second: its inbox loop polls the "
    "database every 0.5 s",
    "delivery": "a running app (helpdesk run or worker) sends them within a second: its delivery loop polls "
    "the database every WORKER_POLL_S (0.5 s)",
}


class QueueError(click.ClickException):
    """A refusal said in one line on stderr ("helpdesk: ..."), exit code 2, nothing changed."""

    exit_code = CONFIG_ERROR_EXIT

    def show(self, file: Any = None) -> None:
        """Print the one line (no "Usage:" block: the command was typed right, its ids were not)."""
        click.echo(f"helpdesk: {self.format_message()}", err=True, file=file)


def _refuse(message: str) -> NoReturn:
    raise QueueError(message)


def _run(work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    """Run `work(uow)` in one unit of work on DATABASE_URL and commit."""
    from helpdesk.preflight import check_database
    from helpdesk.settings import get_settings

    settings = get_settings()
    check_database(settings)  # an unreachable database is one line naming DATABASE_URL (exit 2)
    return asyncio.run(_in_uow(settings.database_url, work))


async def _in_uow(url: str, work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from storage.db import make_engine, make_sessionmaker
    from storage.uow import UnitOfWorkFactory

    engine = make_engine(url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(engine))
        async with uows() as uow:
            try:
                result = await work(uow)
            except (OperationalError, ProgrammingError) as error:
                text = str(error).lower()
                if any(f"{name}" in text for name in ("inbox", "outbox", "admin_audit", "channel_accounts")):
                    _refuse("the database has no inbox/outbox tables yet: run `helpdesk migrate` first")
                raise
            await uow.commit()
            return result
    finally:
        await engine.dispose()


def _line(m: queues.QueuedMessage) -> str:
    error = f"  error: {m.last_error}" if m.last_error else ""
    return (
        f"{m.id:>6}  {m.at.strftime('%Y-%m-%d %H:%M:%S')}  {m.chat}  {m.who}  "
        f"{m.attempts} attempt(s)  {m.what!r}{error}"
    )


def _print(listing: queues.Listing, status: str, what: str, as_json: bool) -> None:
    if as_json:
        payload = {
            "status": status,
            "total": listing.total,
            "shown": len(listing.messages),
            "messages": [m.to_dict() for m in listing.messages],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not listing.messages:
        click.echo(f"no {what}")
        return
    click.echo(f"{'id':>6}  received (UTC)       chat  who  attempts  text  last error")
    for m in listing.messages:
        click.echo(_line(m))
    if listing.total > len(listing.messages):
        click.echo(f"(the newest {len(listing.messages)} of {listing.total}; --limit shows more)")


def _ids(values: tuple[str, ...], every: bool, what: str, flag: str) -> list[int] | None:
    """The ids typed, or None for `--all-...`; exactly one of the two."""
    if every and values:
        _refuse(f"give {what} ids or {flag}, not both")
    if every:
        return None
    if not values:
        _refuse(f"give one or more {what} ids, or {flag}")
    try:
        return queues.parse_ids(values, f"an {what}")
    except queues.BadIds as error:
        _refuse(str(error))


LIMIT = click.option(
    "--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="Show at most this many."
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
IDS_SETTINGS = {"ignore_unknown_options": True}
"""A typed "-7" (or a misspelt "--all-dead") reaches the id check and gets its one line, not click's usage block."""


@main.group("inbox")
def inbox() -> None:
    """Inbound messages: dead letters (kept failing) and those still waiting; replay after a fix."""


@inbox.command("list")
@click.option(
    "--status",
    type=click.Choice([InboxStatus.DEAD.value, InboxStatus.PENDING.value]),
    default=InboxStatus.DEAD.value,
    show_default=True,
)
@LIMIT
@JSON
def inbox_list(status: str, limit: int, as_json: bool) -> None:
    """List inbound messages, newest first: id, received, chat, sender, attempts, text, last error."""

    async def work(uow: SqlUnitOfWork) -> queues.Listing:
        return await queues.list_inbox(uow.session, InboxStatus(status), limit=limit, now=datetime.now(UTC))

    what = "dead letters" if status == InboxStatus.DEAD.value else "pending inbound messages"
    _print(_run(work), status, what, as_json)


@inbox.command("replay", context_settings=IDS_SETTINGS)
@click.argument("ids", nargs=-1)
@click.option("--all-dead", "every", is_flag=True, help="Replay every dead letter.")
def inbox_replay(ids: tuple[str, ...], every: bool) -> None:
    """Queue dead letters IDS (or --all-dead) again, after their cause was fixed."""
    wanted = _ids(ids, every, "inbox", "--all-dead")

    async def work(uow: SqlUnitOfWork) -> list[int]:
        try:
            return await queues.replay_dead_letters(uow, Actor.system(), wanted, datetime.now(UTC))
        except queues.BadIds as error:
            _refuse(f"{error} (`helpdesk inbox list` shows the dead letters)")

    done = _run(work)
    if not done:
        click.echo("no dead letters to replay")
        return
    click.echo(f"queued {len(done)} dead letter(s) again: {_shown(done)}; " + PICKED_UP["inbox"])


@main.group("outbox")
def outbox() -> None:
    """Outgoing messages: those that could not be delivered (failed) and those waiting; retry them."""


@outbox.command("list")
@click.option(
    "--status",
    type=click.Choice([OutboxStatus.FAILED.value, OutboxStatus.PENDING.value]),
    default=OutboxStatus.FAILED.value,
    show_default=True,
    help="pending includes the messages being sent right now.",
)
@LIMIT
@JSON
def outbox_list(status: str, limit: int, as_json: bool) -> None:
    """List outgoing messages, newest first: id, queued, chat, person, attempts, text, last error."""
    statuses = (
        [OutboxStatus.FAILED]
        if status == OutboxStatus.FAILED.value
        else [OutboxStatus.PENDING, OutboxStatus.SENDING]
    )

    async def work(uow: SqlUnitOfWork) -> queues.Listing:
        return await queues.list_outbox(uow.session, statuses, limit=limit, now=datetime.now(UTC))

    what = "undelivered messages" if status == OutboxStatus.FAILED.value else "messages waiting to be sent"
    _print(_run(work), status, what, as_json)


@outbox.command("retry", context_settings=IDS_SETTINGS)
@click.argument("ids", nargs=-1)
@click.option("--all-failed", "every", is_flag=True, help="Retry every undelivered message.")
def outbox_retry(ids: tuple[str, ...], every: bool) -> None:
    """Send undelivered messages IDS (or --all-failed) again, with a fresh count of attempts."""
    wanted = _ids(ids, every, "outbox", "--all-failed")

    async def work(uow: SqlUnitOfWork) -> list[int]:
        try:
            return await queues.retry_undelivered(uow, Actor.system(), wanted, datetime.now(UTC))
        except queues.BadIds as error:
            _refuse(f"{error} (`helpdesk outbox list` shows the undelivered ones)")

    done = _run(work)
    if not done:
        click.echo("no undelivered messages to retry")
        return
    click.echo(f"queued {len(done)} message(s) again: {_shown(done)}; " + PICKED_UP["delivery"])


def _shown(ids: list[int]) -> str:
    listed = ", ".join(str(i) for i in ids[:20])
    return listed + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
