"""Billing pages (issue #20): billed clients with their balance and debt; one client's account with the
"Record a payment" form, the estimates that wait for the client (a supervisor answers for them, saying why),
the ledger with Reverse and Adjust on its rows, and the month's act as PDF or CSV. Supervisors and admins;
every change goes through a use case of `ticket_core` that checks the actor and records an audit event
(`record_payment`, `reverse_entry`, `adjust_line`, `answer_estimate`), through the engine so that its
reactions (routing the approved job, telling the client) run in the same transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from dialogue.billing_cards import quote_text
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.routes import RouteTable
from storage.uow import SqlUnitOfWork
from ticket_core.billing.accounts import (
    adjust_line,
    read_account,
    record_payment,
    refund_due,
    reverse_entry,
    void_package,
)
from ticket_core.billing.acts import act_csv, coverage_text, month_bounds
from ticket_core.billing.ledger import BALANCE, AlreadyPosted, EntryKind, LedgerEntry
from ticket_core.billing.money import format_money, parse_amount
from ticket_core.billing.ports import billing_store
from ticket_core.billing.queries import client_act
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.i18n import format_decimal
from ticket_core.usecases.holds import answer_estimate, waiting_estimates

ROUTES = RouteTable()
LEDGER_ROWS = 100
KINDS = {
    "payment": _("payment"),
    "charge": _("charge"),
    "adjustment": _("adjustment"),
    "reversal": _("reversal"),
    "package": _("package bought"),
    "void": _("package voided"),
}


def _number(value: Decimal, lang: str) -> str:
    """An hour count or quantity as people write it: 1.5 (1,5 in Russian), 2 rather than 2.00."""
    return format_decimal(value, lang, "#,##0.###")


def _day(day: date, lang: str) -> str:
    return f"{day:%d.%m.%Y}" if lang == "ru" else day.isoformat()


def _money(request: web.Request, amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, texts_of(request).lang)


@ROUTES.route("GET", "/billing", "billing", Area.BILLING)
async def billing(request: web.Request) -> web.StreamResponse:
    """Every client with money terms: balance, debt, credit limit and contract end, debtors first."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        store = billing_store(uow)
        terms = await store.terms_for_clients()
        balances = await store.balances()
        names = {c: (await uow.directory.get_client(c)) for c in terms}
    rows: list[dict[str, Any]] = []
    for client_id, t in sorted(
        terms.items(), key=lambda kv: (not kv[1].in_debt(balances.get(kv[0], Decimal(0))), kv[0])
    ):
        balance = balances.get(client_id, Decimal(0))
        client = names[client_id]
        rows.append(
            {
                "id": client_id,
                "name": client.name if client else client_id,
                "balance": _money(request, balance, t.currency),
                "in_debt": t.in_debt(balance),
                "credit_limit": _money(request, t.credit_limit, t.currency),
                # A Russian reader reads 31.12.2027 (it showed 2027-12-31 in both languages).
                "valid_until": _day(t.valid_until, texts_of(request).lang) if t.valid_until else "",
            }
        )
    return html(request, "billing.html", rows=rows)


async def _account_page(
    request: web.Request,
    *,
    error: str = "",
    status: int = 200,
    form: dict[str, str] | None = None,
    where: str = "pay",
) -> web.Response:
    """The account page; `error` is shown next to the form it concerns (`where`: pay, entry-N, estimate-N)."""
    ctx = admin_context(request)
    client_id = request.match_info["client_id"]
    actor = current_user(request).actor
    now = ctx.clock()
    async with ctx.rt.uows() as uow:
        client = await uow.directory.get_client(client_id)
        if client is None:
            raise NotFound(f"No client {client_id!r}; pick one from the billing list.")
        account = await read_account(uow, actor, client_id, now)
        entries = await billing_store(uow).recent_entries(client_id, LEDGER_ROWS)
        reversed_ids = await billing_store(uow).reversed_ids([e.id for e in entries if e.id is not None])
        waiting = await waiting_estimates(uow, actor, client_id)
    lang = texts_of(request).lang
    currency = account.currency
    estimates = [
        {
            "number": ticket.number,
            "ref": ticket.ref,
            "ticket_id": ticket.id,
            "description": ticket.description,
            "asked_at": hold.asked_at,
            "prices": quote_text(hold.details, hold.currency, lang, account.terms.vat_pct),
        }
        for ticket, hold in waiting
    ]
    return html(
        request,
        "billing_client.html",
        status=status,
        client=client,
        account=account,
        balance=_money(request, account.balance, currency),
        credit_limit=_money(request, account.terms.credit_limit, currency),
        ledger=[_ledger_row(request, e, lang, reversed_ids) for e in entries],
        month=now.strftime("%Y-%m"),
        estimates=estimates,
        voidable={
            p.id: _money(request, refund_due(p), currency)
            for p in account.packages
            if p.left_hours > 0 and p.valid_until >= now.date()
        },
        error=error,
        where=where,
        form=form or {},
        number=lambda value: _number(value, lang),
    )


def _ledger_row(
    request: web.Request, entry: LedgerEntry, lang: str, reversed_ids: set[int]
) -> dict[str, Any]:
    account = entry.account
    where = (
        _("balance")
        if account == "balance"
        else _("package")
        if account.startswith("package:")
        else _("contract allowance")
    )
    return {
        "id": entry.id,
        "at": entry.at,
        "kind": KINDS.get(str(entry.kind), str(entry.kind)),
        "text": entry.text_ru if lang == "ru" else entry.text_en,
        "ticket": entry.ticket_id or "",
        "quantity": _number(entry.quantity, lang) if entry.quantity else "",
        "coverage": coverage_text(entry.coverage, lang) if entry.coverage else "",
        "where": where,
        "amount": _money(request, entry.amount, entry.currency) if entry.amount else "",
        "note": entry.note or "",
        "reversed": entry.id in reversed_ids,
        # a package purchase is not offered: its reversal would refund the money and leave the hours usable;
        # a package is voided instead (its own form), and a void stays
        "reversible": entry.kind not in (EntryKind.REVERSAL, EntryKind.PACKAGE_PURCHASE, EntryKind.VOID)
        and entry.id not in reversed_ids,
        "adjustable": entry.kind in (EntryKind.CHARGE, EntryKind.ADJUSTMENT)
        and entry.account == BALANCE
        and entry.id not in reversed_ids,
        "charged": f"{-entry.amount:f}" if entry.amount else "0",
    }


@ROUTES.route("GET", "/billing/{client_id}", "billing-client", Area.BILLING)
async def billing_client(request: web.Request) -> web.StreamResponse:
    """One client's account: balance, allowance and packages, a payment form, the ledger and the acts."""
    return await _account_page(request)


@ROUTES.route("POST", "/billing/{client_id}/payments", "billing-pay", Area.BILLING)
async def billing_pay(request: web.Request) -> web.StreamResponse:
    """Record a payment (bank transfer, cash); a bad amount is refused next to the form and nothing changes."""
    ctx = admin_context(request)
    client_id = request.match_info["client_id"]
    form = await request.post()
    amount_text, note = str(form.get("amount", "")).strip(), str(form.get("note", "")).strip()
    try:
        amount = parse_amount(amount_text)
        async with ctx.rt.uows() as uow:
            await record_payment(
                uow, current_user(request).actor, client_id, amount, ctx.clock(), note or None
            )
            await uow.commit()
    except ValidationFailed as error:
        tr = texts_of(request)
        message = tr(_("The payment was not recorded: {error}"), error=error)
        return await _account_page(
            request, error=message, status=422, form={"amount": amount_text, "note": note}
        )
    raise redirect(f"/admin/billing/{client_id}?done=paid")


@ROUTES.route("POST", "/billing/{client_id}/packages/{package_id}/void", "billing-void", Area.BILLING)
async def billing_void(request: web.Request) -> web.StreamResponse:
    """Void a prepaid package: its unused hours stop and the refund goes back to the balance, saying why."""
    ctx = admin_context(request)
    client_id, package_id = request.match_info["client_id"], request.match_info["package_id"]
    form = await request.post()
    reason, refund_text = str(form.get("reason", "")).strip(), str(form.get("refund", "")).strip()
    actor = current_user(request).actor
    try:
        refund = None
        if refund_text:
            refund = Decimal(0) if refund_text in ("0", "0,00", "0.00") else parse_amount(refund_text)
        async with ctx.rt.uows() as uow:
            await void_package(uow, actor, client_id, package_id, reason, ctx.clock(), refund=refund)
            await uow.commit()
    except ValidationFailed as error:
        tr = texts_of(request)
        message = tr(_("The package was not voided: {error}"), error=refused(request, error))
        return await _account_page(
            request,
            error=message,
            status=422,
            form={"reason": reason, "refund": refund_text},
            where=f"package-{package_id}",
        )
    raise redirect(f"/admin/billing/{client_id}?done=voided")


async def _through_engine(
    request: web.Request, work: Callable[[SqlUnitOfWork, datetime], Awaitable[Any]]
) -> None:
    """Run a change through the engine: its audit event, its reactions on the bus and its messages commit
    together; the delivery loop is woken for the messages."""
    ctx = admin_context(request)
    await ctx.rt.engine.run_system(work)
    ctx.rt.wake_delivery()


async def _entry_of(request: web.Request, entry_id: int) -> LedgerEntry:
    """The ledger row `entry_id`, refused unless it is this page's client's."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        entry = await billing_store(uow).get_entry(entry_id)
    if entry is None or entry.client_id != request.match_info["client_id"]:
        raise NotFound(f"No ledger row {entry_id} in this client's account.")
    return entry


def _entry_id(request: web.Request) -> int:
    raw = request.match_info["entry_id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise NotFound(f"No ledger row {raw!r}.")
    return int(raw)


@ROUTES.route("POST", "/billing/{client_id}/entries/{entry_id}/reverse", "billing-reverse", Area.BILLING)
async def billing_reverse(request: web.Request) -> web.StreamResponse:
    """Undo a ledger row with a reversal row (a payment typed twice, a wrong charge), saying why."""
    entry_id = _entry_id(request)
    form = await request.post()
    reason = str(form.get("reason", "")).strip()
    actor = current_user(request).actor
    tr = texts_of(request)
    try:
        if (await _entry_of(request, entry_id)).kind is EntryKind.PACKAGE_PURCHASE:
            message = tr(
                _("Row {id} was not reversed: {error}"),
                id=entry_id,
                error=tr(_("a package purchase is not reversed here, as its hours would stay usable.")),
            )
            return await _account_page(
                request, error=message, status=422, form={"reason": reason}, where=f"entry-{entry_id}"
            )

        async def work(uow: SqlUnitOfWork, now: datetime) -> None:
            await reverse_entry(uow, actor, entry_id, reason, now)

        await _through_engine(request, work)
    except (ValidationFailed, AlreadyPosted) as error:
        message = tr(_("Row {id} was not reversed: {error}"), id=entry_id, error=error)
        return await _account_page(
            request, error=message, status=422, form={"reason": reason}, where=f"entry-{entry_id}"
        )
    raise redirect(f"/admin/billing/{request.match_info['client_id']}?done=reversed#entry-{entry_id}")


@ROUTES.route("POST", "/billing/{client_id}/entries/{entry_id}/adjust", "billing-adjust", Area.BILLING)
async def billing_adjust(request: web.Request) -> web.StreamResponse:
    """Change what a billable charge line costs (0 waives it): the row is reversed and replaced, with a reason."""
    entry_id = _entry_id(request)
    form = await request.post()
    amount_text, reason = str(form.get("amount", "")).strip(), str(form.get("reason", "")).strip()
    actor = current_user(request).actor
    try:
        await _entry_of(request, entry_id)
        amount = parse_amount(amount_text, positive=False)

        async def work(uow: SqlUnitOfWork, now: datetime) -> None:
            await adjust_line(uow, actor, entry_id, amount, reason, now)

        await _through_engine(request, work)
    except (ValidationFailed, AlreadyPosted) as error:
        message = texts_of(request)(_("Row {id} was not adjusted: {error}"), id=entry_id, error=error)
        return await _account_page(
            request,
            error=message,
            status=422,
            form={"amount": amount_text, "reason": reason},
            where=f"entry-{entry_id}",
        )
    raise redirect(f"/admin/billing/{request.match_info['client_id']}?done=adjusted#entry-{entry_id}")


@ROUTES.route("POST", "/billing/{client_id}/estimates/{ticket_id}", "billing-estimate", Area.BILLING)
async def billing_estimate(request: web.Request) -> web.StreamResponse:
    """A supervisor answers an estimate for the client (agreed by phone or e-mail): who and why are audited."""
    client_id, ticket_id = request.match_info["client_id"], request.match_info["ticket_id"]
    form = await request.post()
    reason, answer = str(form.get("reason", "")).strip(), str(form.get("answer", ""))
    actor = current_user(request).actor
    tr = texts_of(request)
    if answer not in ("approve", "decline"):  # a form sent without either button
        message = tr(_("The estimate was not answered: {error}"), error=tr(_("press Approve or Decline.")))
        return await _account_page(
            request, error=message, status=422, form={"reason": reason}, where=f"estimate-{ticket_id}"
        )
    try:
        async with admin_context(request).rt.uows() as uow:
            ticket = await uow.tickets.get(ticket_id)
        if ticket is None or ticket.client_id != client_id:
            raise NotFound(f"No request {ticket_id!r} of this client.")

        async def work(uow: SqlUnitOfWork, now: datetime) -> None:
            await answer_estimate(uow, actor, ticket_id, answer == "approve", now, reason)

        await _through_engine(request, work)
    except (ValidationFailed, AlreadyPosted) as error:
        message = tr(_("The estimate was not answered: {error}"), error=error)
        return await _account_page(
            request, error=message, status=422, form={"reason": reason}, where=f"estimate-{ticket_id}"
        )
    raise redirect(f"/admin/billing/{client_id}?done=estimate-{answer}")


@ROUTES.route("GET", "/billing/{client_id}/act", "billing-act", Area.BILLING)
async def billing_act(request: web.Request) -> web.StreamResponse:
    """The month's act as PDF or CSV (`month` YYYY-MM, `format` pdf or csv, `lang` ru or en)."""
    ctx = admin_context(request)
    client_id = request.match_info["client_id"]
    month = request.query.get("month", "")
    fmt = request.query.get("format", "pdf")
    lang = request.query.get("lang", texts_of(request).lang)
    if fmt not in ("pdf", "csv") or lang not in ("ru", "en"):
        raise ValidationFailed("An act is a pdf or a csv, in ru or en.")
    month_bounds(month)  # a clear refusal for a month that is not YYYY-MM
    async with ctx.rt.uows() as uow:
        act = await client_act(uow, current_user(request).actor, client_id, month)
    name = f"act-{client_id}-{month}-{lang}"
    if fmt == "csv":
        return web.Response(
            text=act_csv(act, lang),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    # Drawing a PDF is CPU work (about 0.2 s an act): off the event loop.
    from helpdesk.billing.act_pdf import (
        act_pdf,
    )  # fpdf2 and fontTools: when an act is asked for, not at start

    body = await asyncio.to_thread(act_pdf, act, lang, ctx.rt.settings.billing_company)
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )
