"""`helpdesk api-token create | list | revoke`: integration tokens for the REST API."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from helpdesk.api.tokens import ALL_SCOPES, TokenError, check_name, hash_token, new_token, parse_scopes
from helpdesk.cli import main
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository

T = TypeVar("T")


async def _with_tokens(work: Callable[[SqlApiTokenRepository], Awaitable[T]], *, commit: bool = False) -> T:
    """Run `work` on the token repository of the configured database, in one transaction."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from helpdesk.settings import get_settings
    from storage.db import make_engine, make_sessionmaker

    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(SqlApiTokenRepository(session))
            if commit:
                await session.commit()
            return result
    except (OperationalError, ProgrammingError) as error:
        if "api_tokens" in str(error):
            raise click.ClickException("the API tables are missing: run `helpdesk migrate` first") from None
        raise
    finally:
        await engine.dispose()


def _run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


@main.group("api-token")
def api_token() -> None:
    """REST API tokens: create (shown once), list, revoke."""


@api_token.command("create")
@click.argument("name")
@click.option(
    "--scopes",
    required=True,
    help=f"Comma-separated: {', '.join(ALL_SCOPES)}; or all.",
)
@click.option("--by", "created_by", default="cli", show_default=True, help="Who created it (kept with it).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def create_cmd(name: str, scopes: str, created_by: str, as_json: bool) -> None:
    """Create token NAME with SCOPES and print it once; only its sha256 is stored."""
    try:
        name = check_name(name)
        granted = parse_scopes(scopes)
    except TokenError as error:
        raise click.BadParameter(str(error)) from None
    token = new_token()
    record = ApiTokenRecord(
        id=uuid.uuid4().hex,
        name=name,
        token_hash=hash_token(token),
        scopes=tuple(str(s) for s in granted),
        created_at=datetime.now(UTC),
        created_by=created_by[:64],
    )

    async def work(repo: SqlApiTokenRepository) -> bool:
        if await repo.get_by_name(name) is not None:
            return False
        await repo.add(record)
        return True

    if not _run(_with_tokens(work, commit=True)):
        raise click.ClickException(
            f"a token named {name!r} exists; revoke it (`helpdesk api-token revoke {name}`) or pick another name"
        )
    if as_json:
        click.echo(json.dumps({"name": name, "scopes": list(record.scopes), "token": token}))
        return
    click.echo(f"token {name} ({', '.join(record.scopes)}):\n\n  {token}\n")
    click.echo("Store it now: it is not shown again. Send it as `Authorization: Bearer <token>`.")


@api_token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_cmd(as_json: bool) -> None:
    """List tokens: name, scopes, created, last used, revoked (never the tokens themselves)."""

    async def work(repo: SqlApiTokenRepository) -> list[ApiTokenRecord]:
        return await repo.list()

    records = _run(_with_tokens(work))
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "name": r.name,
                "scopes": list(r.scopes),
                "created_at": r.created_at.isoformat(),
                "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in records
        ]
        click.echo(json.dumps(rows))
        return
    if not records:
        click.echo("No API tokens; create one with `helpdesk api-token create NAME --scopes ...`.")
    for r in records:
        state = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        used = f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never"
        click.echo(f"{r.name:<24} {state:<24} used {used:<16} {','.join(r.scopes)}")


@api_token.command("revoke")
@click.argument("name")
def revoke_cmd(name: str) -> None:
    """Revoke token NAME: requests with it get 401 from now on."""

    async def work(repo: SqlApiTokenRepository) -> bool:
        return await repo.revoke(name.strip().lower(), datetime.now(UTC))

    if not _run(_with_tokens(work, commit=True)):
        raise click.ClickException(f"no active token named {name!r}; see `helpdesk api-token list`")
    click.echo(f"token {name} revoked")
