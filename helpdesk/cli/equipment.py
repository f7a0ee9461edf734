"""`helpdesk equipment type|types|import|export|list|show|stickers|report`: the equipment registry from a terminal."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from helpdesk.cli import main
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, Unit, UnitFilter, UnitStatus
from ticket_core.errors import DomainError
from ticket_core.model import Actor

if TYPE_CHECKING:
    from storage.uow import SqlUnitOfWork

T = TypeVar("T")
CLI = Actor.system()


def run_in_uow(work: Callable[[SqlUnitOfWork], Awaitable[T]], *, commit: bool = False) -> T:
    """Run `work(uow)` in one unit of work on the configured database; a domain error ends the command."""
    from helpdesk.settings import get_settings
    from storage.db import make_engine, make_sessionmaker
    from storage.uow import UnitOfWorkFactory

    async def go() -> T:
        engine = make_engine(get_settings().database_url)
        try:
            async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
                result = await work(uow)
                if commit:
                    await uow.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except DomainError as error:
        raise click.ClickException(str(error)) from None


def unit_json(unit: Unit) -> dict[str, Any]:
    """A unit as the CLI prints it: as the REST API does."""
    from helpdesk.api.serialize import unit as serialize_unit

    return serialize_unit(unit)


@main.group()
def equipment() -> None:
    """Equipment at the clients' sites: types, units, CSV import and export, QR stickers."""


@equipment.command("type")
@click.argument("type_id")
@click.option("--category", required=True, help="Ticket category a fault opens, e.g. hvac, printer, network.")
@click.option("--name-ru", required=True, help="Russian name, e.g. Кондиционер.")
@click.option("--name-en", required=True, help="English name, e.g. Air conditioner.")
@click.option("--field", "fields", multiple=True, help="A custom field name; repeat for each.")
@click.option(
    "--resolve-on-recovery", is_flag=True, help="A recovered alert resolves a ticket nobody started."
)
def type_cmd(
    type_id: str,
    category: str,
    name_ru: str,
    name_en: str,
    fields: tuple[str, ...],
    resolve_on_recovery: bool,
) -> None:
    """Create or change equipment type TYPE_ID."""
    t = EquipmentType(type_id, name_ru, name_en, category, tuple(fields), resolve_on_recovery)

    async def work(uow: SqlUnitOfWork) -> None:
        await eq.save_type(uow, CLI, t, datetime.now(UTC))

    run_in_uow(work, commit=True)
    click.echo(f"type {t.id} saved: category {t.category}, fields {', '.join(t.fields) or '-'}")


@equipment.command("types")
def types_cmd() -> None:
    """List equipment types."""

    async def work(uow: SqlUnitOfWork) -> list[EquipmentType]:
        return list(await uow.equipment.list_types())

    found = run_in_uow(work)
    if not found:
        click.echo("no equipment types; add one with `helpdesk equipment type ID --category ...`")
    for t in found:
        extra = " (recovery resolves)" if t.resolve_on_recovery else ""
        click.echo(
            f"{t.id}  {t.category}  {t.name_ru} / {t.name_en}  fields: {', '.join(t.fields) or '-'}{extra}"
        )


@equipment.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cmd(path: Path) -> None:
    """Import units from a CSV file: all of it, or nothing when any line is bad (each one is listed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; save the CSV as UTF-8") from None

    async def work(uow: SqlUnitOfWork) -> eq.ImportResult:
        return await eq.import_units(uow, CLI, text, datetime.now(UTC))

    result = run_in_uow(work, commit=True)
    click.echo(f"imported {path.name}: {result.created} created, {result.updated} updated")


def _filter(
    client: str | None, site: str | None, type_id: str | None, status: str | None, q: str | None
) -> UnitFilter:
    return UnitFilter(
        client_id=client, site_id=site, type_id=type_id, status=UnitStatus(status) if status else None, text=q
    )


_FILTERS = [
    click.option("--client", default=None, help="Client id."),
    click.option("--site", default=None, help="Site id."),
    click.option("--type", "type_id", default=None, help="Equipment type id."),
    click.option("--status", type=click.Choice([s.value for s in UnitStatus]), default=None),
    click.option("--q", default=None, help="Part of the name, model, serial or inventory number."),
]


def _with_filters(f: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_FILTERS):
        f = option(f)
    return f


@equipment.command("export")
@_with_filters
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File (default stdout)."
)
def export_cmd(
    client: str | None,
    site: str | None,
    type_id: str | None,
    status: str | None,
    q: str | None,
    out: Path | None,
) -> None:
    """Export units as CSV (the file `import` reads back)."""
    where = _filter(client, site, type_id, status, q)

    async def work(uow: SqlUnitOfWork) -> str:
        return await eq.export_units(uow, CLI, where)

    text = run_in_uow(work)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out} ({text.count(chr(10)) - 1} units)", err=True)


@equipment.command("list")
@_with_filters
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(
    client: str | None,
    site: str | None,
    type_id: str | None,
    status: str | None,
    q: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List units with filters."""
    where = _filter(client, site, type_id, status, q)

    async def work(uow: SqlUnitOfWork) -> tuple[list[Unit], int]:
        return await eq.list_units(uow, CLI, where, limit)

    units, total = run_in_uow(work)
    if as_json:
        click.echo(json.dumps({"total": total, "units": [unit_json(u) for u in units]}, ensure_ascii=False))
        return
    if not units:
        click.echo("no units match")
    for u in units:
        click.echo(
            f"{u.id}  {u.site_id}  {u.type_id}  {u.name}  {u.model or '-'}  {u.serial or '-'}  {u.status}"
        )
    if total > len(units):
        click.echo(f"... {total - len(units)} more (--limit)")


@equipment.command("show")
@click.argument("unit")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_cmd(unit: str, as_json: bool) -> None:
    """Show a unit (by id or sticker code): its fields, warranty, tickets and parts replaced."""

    async def work(uow: SqlUnitOfWork) -> eq.UnitCard:
        found = await uow.equipment.get(unit) or await uow.equipment.get_by_code(unit)
        return await eq.unit_card(uow, CLI, found.id if found else unit)

    card = run_in_uow(work)
    today = datetime.now(UTC).date()
    history: list[dict[str, Any]] = [
        {
            "ref": f"HD-{h.number}",
            "status": h.status,
            "category": h.category,
            "opened": h.created_at.isoformat(),
            "visitor": h.visitor,
        }
        for h in card.history
    ]
    parts: list[dict[str, Any]] = [
        {"part": p.part, "quantity": p.quantity, "ticket_id": p.ticket_id, "at": p.recorded_at.isoformat()}
        for p in card.parts
    ]
    if as_json:
        body = {
            **unit_json(card.unit),
            "warranty": eq.warranty_state(card.unit, today),
            "tickets": history,
            "parts": parts,
        }
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    u = card.unit
    type_name = card.type.name_en if card.type else u.type_id
    click.echo(f"{u.name}  ({type_name}, {u.status})")
    click.echo(f"  id {u.id}   sticker code {u.code}")
    click.echo(f"  site {card.site.name + ', ' + card.site.address if card.site else u.site_id}")
    for label, value in (
        ("location", u.location),
        ("model", u.model),
        ("serial", u.serial),
        ("inventory no", u.inventory_no),
        ("installed", u.installed_on),
        ("warranty until", u.warranty_until),
        ("contact", u.contact),
    ):
        if value:
            click.echo(f"  {label}: {value}")
    click.echo(f"  warranty: {eq.warranty_state(u, today)}")
    for k, v in u.fields.items():
        click.echo(f"  {k}: {v}")
    click.echo(f"  tickets ({len(history)}):" if history else "  no tickets yet")
    for h in history:
        click.echo(
            f"    {h['ref']}  {h['status']}  {h['category']}  {h['opened'][:10]}{'  (visitor)' if h['visitor'] else ''}"
        )
    for p in parts:
        click.echo(f"  part replaced: {p['part']} x{p['quantity']} ({p['at'][:10]})")


@equipment.command("stickers")
@click.option("--site", required=True, help="Site id: a sticker for each of its units in service.")
@click.option("--type", "type_id", default=None, help="Only units of this type.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write."
)
def stickers_cmd(site: str, type_id: str | None, out: Path) -> None:
    """Print A4 sheets of QR stickers (2 x 5 labels a page) for a site's units."""
    from helpdesk.settings import get_settings
    from helpdesk.stickers import Sticker, links_from_settings, sticker_pdf

    settings = get_settings()

    async def work(uow: SqlUnitOfWork) -> list[Sticker]:
        if await uow.directory.get_site(site) is None:
            raise click.ClickException(
                f"no site {site!r}; `helpdesk equipment list` shows the sites of units"
            )
        found = await eq.sticker_units(uow, CLI, UnitFilter(site_id=site, type_id=type_id))
        return [Sticker(u, t, s) for u, t, s in found]

    stickers = run_in_uow(work)
    try:
        pdf = sticker_pdf(stickers, links_from_settings(settings), settings.support_contacts)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    out.write_bytes(pdf)
    pages = -(-len(stickers) // 10)
    click.echo(f"wrote {out}: {len(stickers)} stickers on {pages} A4 page(s)")


@equipment.command("report")
@click.option(
    "--days", type=click.IntRange(1, 3660), default=90, show_default=True, help="The period up to now."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the REST API's /api/equipment/report).")
def report_cmd(days: int, as_json: bool) -> None:
    """Reliability: failures per type and unit, MTBF, MTTR, repeat faults, top failing models."""
    from datetime import timedelta

    from ticket_core.equipment import reliability

    until = datetime.now(UTC)

    async def work(uow: SqlUnitOfWork) -> reliability.ReliabilityReport:
        return await reliability.reliability_report(uow, CLI, until - timedelta(days=days), until)

    found = run_in_uow(work)
    if as_json:
        click.echo(json.dumps(reliability.as_dict(found), ensure_ascii=False))
        return

    def hours(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} h"

    click.echo(
        f"{found.since:%Y-%m-%d} .. {found.until:%Y-%m-%d}: {found.failures} failures, {found.repeats} repeat, "
        f"MTBF {hours(found.mtbf_h)}, MTTR {hours(found.mttr_h)}"
    )
    click.echo("by type: type  units  failed  failures  per-unit  repeats  MTBF  MTTR")
    for t in found.by_type:
        click.echo(
            f"  {t.type_id}  {t.units}  {t.failed_units}  {t.failures}  {t.failures_per_unit:.2f}  {t.repeats}  "
            f"{hours(t.mtbf_h)}  {hours(t.mttr_h)}"
        )
    click.echo("units with most failures:")
    for u in found.by_unit[:20]:
        warranty = "  out of warranty" if u.out_of_warranty else ""
        click.echo(
            f"  {u.unit_id}  {u.name}  {u.failures} ({u.repeats} repeat)  MTBF {hours(u.mtbf_h)}  "
            f"MTTR {hours(u.mttr_h)}{warranty}"
        )
    click.echo("top failing models:")
    for m in found.top_models:
        click.echo(f"  {m.type_id}  {m.model}  {m.failures} on {m.failed_units} unit(s)")
