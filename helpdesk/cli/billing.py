"""`helpdesk billing ...`: price list, contract terms, payments, packages, accounts, acts and the month's report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import click

from helpdesk.billing.serialize import account_dict
from helpdesk.cli import main
from helpdesk.settings import get_settings
from helpdesk.sla_configs import initial_config
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from ticket_core.billing.accounts import adjust_line, buy_package, read_account, record_payment, void_package
from ticket_core.billing.acts import act_csv
from ticket_core.billing.money import format_money, parse_amount
from ticket_core.billing.queries import billing_report, client_act, month_acts
from ticket_core.billing.terms import Service, ServiceKind, terms_from_mapping
from ticket_core.errors import DomainError
from ticket_core.model import Actor
from ticket_core.utc import utcnow

T = TypeVar("T")
CLI = Actor.system()


def _run(work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    async def run() -> T:
        settings = get_settings()
        db = make_engine(settings.database_url)
        try:
            sla_config = await initial_config(db, settings.sla_config_file)  # the published one, if any
            uows = UnitOfWorkFactory(make_sessionmaker(db), sla_config=sla_config)
            async with uows() as uow:
                result = await work(uow)
                await uow.commit()
                return result
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        raise click.ClickException(str(error)) from None


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise click.BadParameter(f"{what} must be a number, e.g. 2500 or 1.5") from None


@main.group()
def billing() -> None:
    """Contracts that pay: price list, terms, payments, packages, acts (docs/billing.md)."""


@billing.command("price")
@click.argument("code")
@click.option("--kind", type=click.Choice([k.value for k in ServiceKind]), required=True)
@click.option("--name-ru", required=True, help="What the act says in Russian, e.g. 'Час работы инженера L2'.")
@click.option("--name-en", required=True, help="What the act says in English.")
@click.option(
    "--price", default="0", show_default=True, help="Price per hour, call-out or job (without VAT)."
)
@click.option("--currency", default="RUB", show_default=True)
@click.option("--level", type=click.IntRange(1, 3), default=None, help="For --kind hour: the engineer level.")
@click.option(
    "--category",
    default=None,
    help="For --kind fixed: the ticket category; for a part: the category whose Done cards offer it (others behind 'Other parts').",
)
@click.option("--margin", default="0", show_default=True, help="For --kind part: % added to the part's cost.")
def price(code: str, kind: str, name_ru: str, name_en: str, price: str, currency: str, **rest: Any) -> None:
    """Add or change a service of the price list."""
    try:
        service = Service(
            code,
            ServiceKind(kind),
            name_ru,
            name_en,
            parse_amount(price, positive=False),
            currency.upper(),
            rest["level"],
            rest["category"],
            _decimal(rest["margin"], "--margin"),
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    _run(lambda uow: uow.billing.put_service(service))
    click.echo(f"{code}: {format_money(service.price, service.currency, 'en')} ({kind})")


@billing.command("prices")
def prices() -> None:
    """List the price list."""
    for service in _run(lambda uow: uow.billing.services()):
        extra = f" L{service.level}" if service.level else f" {service.category}" if service.category else ""
        click.echo(
            f"{service.code:<16} {service.kind:<8}{extra:<10} {format_money(service.price, service.currency, 'en'):>12}"
            f"  {service.name_en}"
        )


@billing.command("terms")
@click.option("--client", "client_id", required=True)
@click.option("--included", default="", help="Categories the allowance covers, comma-separated.")
@click.option("--hours", default="0", help="Hours a month included.")
@click.option("--callouts", default=0, type=int, help="Call-outs a month included.")
@click.option("--discount", default="0", help="% off billable services.")
@click.option(
    "--out-of-hours", default="1", help="Multiplier of billable work started out of hours, e.g. 1.5."
)
@click.option("--valid-from", default=None, help="YYYY-MM-DD")
@click.option("--valid-until", default=None, help="YYYY-MM-DD")
@click.option("--vat", default="0", help="VAT % added on acts (0: no VAT).")
@click.option("--currency", default="RUB")
@click.option("--estimate/--no-estimate", default=False, help="The client approves paid work in chat first.")
@click.option(
    "--hold-debtors/--no-hold-debtors", default=False, help="Jobs of a client in debt wait for a supervisor."
)
@click.option("--credit-limit", default="0", help="Debt allowed before the client counts as a debtor.")
@click.option("--manager", default=None, help="Staff id of the client's account manager (gets the warnings).")
def terms(client_id: str, **options: Any) -> None:
    """Set the money terms of the client's active contract."""

    async def work(uow: SqlUnitOfWork) -> str:
        contract = await uow.directory.get_contract(client_id)
        if contract is None:
            raise click.ClickException(f"Client {client_id} has no active contract.")
        data = {
            "included_categories": options["included"],
            "hours_per_month": options["hours"],
            "callouts_per_month": options["callouts"],
            "discount_pct": options["discount"],
            "out_of_hours_multiplier": options["out_of_hours"],
            "valid_from": options["valid_from"],
            "valid_until": options["valid_until"],
            "vat_pct": options["vat"],
            "currency": options["currency"],
            "estimate_required": options["estimate"],
            "hold_debtors": options["hold_debtors"],
            "credit_limit": options["credit_limit"],
            "account_manager_id": options["manager"],
        }
        await uow.billing.put_terms(terms_from_mapping(contract.id, client_id, data))
        return contract.id

    click.echo(f"terms of contract {_run(work)} saved")


@billing.command("pay")
@click.option("--client", "client_id", required=True)
@click.option("--amount", required=True, help="e.g. 15000 or 15000.50")
@click.option("--note", default=None, help="e.g. the bank transfer's number.")
def pay(client_id: str, amount: str, note: str | None) -> None:
    """Record a payment from a client."""
    value = _parse(amount)
    balance = _run(lambda uow: record_payment(uow, CLI, client_id, value, utcnow(), note))
    click.echo(f"{client_id}: balance {format_money(balance, 'RUB', 'en')}")


def _parse(amount: str) -> Decimal:
    try:
        return parse_amount(amount)
    except DomainError as error:
        raise click.BadParameter(str(error)) from None


@billing.command("package")
@click.option("--client", "client_id", required=True)
@click.option("--hours", required=True, help="Prepaid hours, e.g. 10.")
@click.option("--price", required=True, help="What the client pays for them.")
@click.option("--months", default=3, show_default=True, type=int, help="How long they stay valid.")
def package(client_id: str, hours: str, price: str, months: int) -> None:
    """Sell a client a prepaid package of hours (its price leaves the balance)."""
    value = _parse(price)
    bought = _run(
        lambda uow: buy_package(uow, CLI, client_id, _decimal(hours, "--hours"), value, months, utcnow())
    )
    click.echo(f"package {bought.id}: {bought.hours} h until {bought.valid_until}")


@billing.command("void-package")
@click.option("--client", "client_id", required=True)
@click.option("--package", "package_id", required=True, help="The package's id (see `billing account`).")
@click.option("--reason", required=True)
@click.option(
    "--refund", default=None, help="Money back to the balance (default: the unused hours pro rata)."
)
def void_package_cmd(client_id: str, package_id: str, reason: str, refund: str | None) -> None:
    """Void a prepaid package: its unused hours stop, the refund goes back to the balance (audited)."""
    value = None
    if refund is not None:
        value = Decimal(0) if refund.strip() in ("0", "0.00") else parse_amount(refund, positive=False)
    back = _run(lambda uow: void_package(uow, CLI, client_id, package_id, reason, utcnow(), refund=value))
    click.echo(f"package {package_id} voided: {format_money(back, 'RUB', 'en')} back to the balance")


@billing.command("adjust")
@click.option("--entry", "entry_id", type=int, required=True, help="The ledger row (see `billing account`).")
@click.option("--amount", required=True, help="What the line should cost; 0 waives it.")
@click.option("--reason", required=True)
def adjust(entry_id: int, amount: str, reason: str) -> None:
    """Change a billable charge line (the row is reversed and replaced; audited)."""
    value = parse_amount(amount, positive=False) if amount.strip() not in ("0", "0.00") else Decimal(0)
    new = _run(lambda uow: adjust_line(uow, CLI, entry_id, value, reason, utcnow()))
    click.echo(f"{new.line_key}: {format_money(-new.amount, new.currency, 'en')}")


@billing.command("account")
@click.option("--client", "client_id", required=True)
@click.option("--json", "as_json", is_flag=True)
def account(client_id: str, as_json: bool) -> None:
    """A client's balance, packages and this month's allowance."""
    acc = _run(lambda uow: read_account(uow, CLI, client_id, utcnow()))
    data = account_dict(acc)
    click.echo(json.dumps(data, ensure_ascii=False, indent=None if as_json else 2))


@billing.command("act")
@click.option("--client", "client_id", default=None, help="One client (or --all).")
@click.option("--all", "every", is_flag=True, help="Every client with money terms: the monthly run.")
@click.option("--month", required=True, help="YYYY-MM, e.g. 2026-11.")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def act(client_id: str | None, every: bool, month: str, lang: str, out_dir: Path) -> None:
    """Write the client's act for the month as PDF and CSV (every billed client's with --all)."""
    from helpdesk.billing.act_pdf import act_pdf  # fpdf2: only for this command

    if every == (client_id is not None):
        raise click.UsageError("Give --client ID or --all.")
    if every:
        acts = _run(lambda uow: month_acts(uow, CLI, month))
        out_dir.mkdir(parents=True, exist_ok=True)
        for one in acts:
            stem = out_dir / f"act-{one.client_id}-{month}-{lang}"
            stem.with_suffix(".pdf").write_bytes(act_pdf(one, lang, get_settings().billing_company))
            stem.with_suffix(".csv").write_text(act_csv(one, lang), encoding="utf-8")
        click.echo(f"{len(acts)} acts in {out_dir}")
        return
    assert client_id is not None
    result = _run(lambda uow: client_act(uow, CLI, client_id, month))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"act-{client_id}-{month}-{lang}"
    pdf, csv = stem.with_suffix(".pdf"), stem.with_suffix(".csv")
    pdf.write_bytes(act_pdf(result, lang, get_settings().billing_company))
    csv.write_text(act_csv(result, lang), encoding="utf-8")
    click.echo(
        f"{pdf}\n{csv}\n{len(result.lines)} lines, total {format_money(result.total, result.currency, 'en')}"
    )


@billing.command("report")
@click.option("--month", required=True, help="YYYY-MM")
def report(month: str) -> None:
    """The month's revenue, payments, labour hours by engineer/client/category and utilisation, as JSON."""
    rep = _run(lambda uow: billing_report(uow, CLI, month))

    def table(rows: dict[str, Any]) -> dict[str, Any]:
        return {
            key: {"hours": str(v.hours), "billable_hours": str(v.billable_hours), "revenue": str(v.revenue)}
            for key, v in sorted(rows.items())
        }

    data = {
        "month": month,
        "revenue": {k: str(v) for k, v in rep.revenue.items()},
        "payments": {k: str(v) for k, v in rep.payments.items()},
        "by_engineer": table(rep.by_engineer),
        "by_client": table(rep.by_client),
        "by_category": table(rep.by_category),
        "utilisation": {e: str(rep.utilisation(e)) for e in sorted(rep.working_hours)},
    }
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
