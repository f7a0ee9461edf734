"""`helpdesk sla publish FILE | show`: change the SLA policies of a running help desk without a restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from helpdesk.cli import main
from helpdesk.settings import get_settings


@main.group()
def sla() -> None:
    """SLA policies: publish a changed SLA file to every running process, or show which is in force."""


@sla.command("publish")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def publish_cmd(file: Path) -> None:
    """Check FILE as `helpdesk run` checks SLA_CONFIG_FILE, then make it the SLA configuration of every
    process (running ones switch within a second on PostgreSQL, 30 s on SQLite; later ones start with it)."""
    from helpdesk import sla_configs
    from helpdesk.preflight import check_database
    from storage.db import make_engine

    settings = get_settings()
    check_database(settings)

    async def publish() -> int:
        db = make_engine(settings.database_url)
        try:
            return await sla_configs.publish_file(db, file)
        finally:
            await db.dispose()

    version = asyncio.run(publish())
    click.echo(f"published SLA version {version} from {file}; every process switches to it")


@sla.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--body", is_flag=True, help="Print the text of the configuration in force.")
def show_cmd(as_json: bool, body: bool) -> None:
    """Which SLA configuration is in force: the newest published version, else SLA_CONFIG_FILE."""
    from helpdesk.preflight import check_database
    from storage import sla_configs as store
    from storage.db import make_engine

    settings = get_settings()
    check_database(settings)
    file = settings.sla_config_file

    async def read() -> dict[str, Any]:
        db = make_engine(settings.database_url)
        try:
            latest = await store.latest_version(db)
            published = await store.fetch(db, latest) if latest is not None else None
        finally:
            await db.dispose()
        if published is None:
            text = file.read_text(encoding="utf-8") if file is not None and body else None
            return {
                "in_force": str(file) if file is not None else "built-in defaults",
                "version": None,
                "file": str(file) if file is not None else None,
                "body": text,
            }
        return {
            "in_force": f"published SLA version {published.version}",
            "version": published.version,
            "published_at": published.created_at.isoformat(timespec="seconds"),
            "published_from": published.source,
            "file": str(file) if file is not None else None,
            "body": published.body if body else None,
        }

    shown = asyncio.run(read())
    if not body:
        shown.pop("body")
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    line = f"in force: {shown['in_force']}"
    if shown["version"] is not None:
        line += f", published {shown['published_at']} from {shown['published_from']}"
        if shown["file"]:
            line += f" (SLA_CONFIG_FILE {shown['file']} is not used while a published version exists)"
    click.echo(line)
    if body and shown.get("body"):
        click.echo(shown["body"], nl=False)
