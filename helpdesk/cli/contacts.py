"""`helpdesk contacts import`: a client's contacts from a CSV file, from a terminal (as the admin's client page)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from helpdesk.cli import main
from ticket_core.errors import DomainError, ValueRefused
from ticket_core.model import Actor

CLI = Actor.system()

if TYPE_CHECKING:
    from ticket_core.usecases.contact_import import ContactImportResult


@main.group()
def contacts() -> None:
    """A client's contacts: CSV import."""


@contacts.command("import")
@click.option("--client", "client_id", required=True, help="The client whose contacts the file lists.")
@click.option(
    "--lang",
    type=click.Choice(["en", "ru"]),
    default="en",
    show_default=True,
    help="Language of the bad lines.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cmd(client_id: str, lang: str, path: Path) -> None:
    """Import contacts (name, email, phone, manager, site, lang) from a CSV file: all of it, or nothing when
    any line is bad (each one is listed, exit code 1). A person known by address or phone is updated."""
    from dialogue.refusals import refusal_text
    from ticket_core.usecases.contact_import import ContactImportRejected, import_contacts

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; save the CSV as UTF-8") from None

    def say(error: DomainError | ValueRefused) -> str:
        return refusal_text(error, lang) or str(error)

    async def go() -> ContactImportResult:
        from helpdesk.settings import get_settings
        from storage.db import make_engine, make_sessionmaker
        from storage.uow import UnitOfWorkFactory

        engine = make_engine(get_settings().database_url)
        try:
            async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
                result = await import_contacts(uow, CLI, client_id, text, datetime.now(UTC))
                await uow.commit()
                return result
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(go())
    except ContactImportRejected as rejected:
        word = "строка" if lang == "ru" else "line"
        click.echo(say(rejected), err=True)
        for e in rejected.errors:
            click.echo(f"{word} {e.line}: " + " ".join(say(p) for p in e.problems), err=True)
        raise SystemExit(1) from None
    except DomainError as error:
        raise click.ClickException(say(error)) from None
    click.echo(
        f"imported {path.name} into {client_id}: {result.created} created, {result.updated} updated"
        f" ({result.adopted} moved from private clients)"
    )
