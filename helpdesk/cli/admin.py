"""`helpdesk admin set-password LOGIN`: give a staff member a password for the web admin (/admin)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import click

from helpdesk.cli import main


@main.group("admin")
def admin() -> None:
    """The web admin at /admin: staff passwords."""


async def _set_password(login: str, password: str) -> str:
    from helpdesk.admin.usecases import set_password
    from helpdesk.settings import get_settings
    from storage.db import make_engine, make_sessionmaker
    from storage.uow import UnitOfWorkFactory
    from ticket_core.model import Actor

    engine = make_engine(get_settings().database_url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(engine))
        async with uows() as uow:
            member = await set_password(uow, Actor.system(), login, password, datetime.now(UTC))
            await uow.commit()
        return f"{member.name} ({member.role})"
    finally:
        await engine.dispose()


def read_password() -> str:
    """The new password: prompted twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return str(click.prompt("New password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@admin.command("set-password")
@click.argument("login")
def set_password_command(login: str) -> None:
    """Set LOGIN's (a staff id, e.g. a-admin) web admin password; their open sessions end."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from helpdesk.admin.passwords import PasswordError
    from ticket_core.errors import DomainError

    password = read_password()
    try:
        who = asyncio.run(_set_password(login, password))
    except (PasswordError, DomainError) as error:
        raise click.ClickException(str(error)) from None
    except (OperationalError, ProgrammingError) as error:
        if "admin_logins" in str(error):
            raise click.ClickException("the admin tables are missing: run `helpdesk migrate` first") from None
        raise
    click.echo(f"password set for {login}: {who}; they sign in at /admin/login")
