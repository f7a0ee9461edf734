"""`/api/clients/{id}/account`, `/payments` and `/acts/{month}`: balances, payments in, monthly acts (docs/billing.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from aiohttp import web

from helpdesk.api import audit
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import from_domain, invalid
from helpdesk.api.fields import read_object
from helpdesk.api.jsonio import json_response
from helpdesk.api.routes import RouteTable, path, query
from helpdesk.api.tokens import Scope
from helpdesk.billing.act_pdf import act_pdf
from helpdesk.billing.serialize import account_dict
from ticket_core.billing.accounts import read_account, record_payment, void_package
from ticket_core.billing.acts import act_csv, coverage_text
from ticket_core.billing.money import parse_amount
from ticket_core.billing.queries import client_act
from ticket_core.errors import DomainError

ROUTES = RouteTable()
TAG = "Billing"
CLIENT = path("client_id", "Client id, e.g. romashka.")


@ROUTES.route(
    "GET",
    "/api/clients/{client_id}/account",
    summary="A client's balance, packages and this month's allowance",
    tag=TAG,
    scope=Scope.BILLING_READ,
    params=(CLIENT,),
    response="BillingAccount",
    errors=(404,),
)
async def get_account(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """The client's account under its contract's terms."""
    async with ctx.rt.uows() as uow:
        try:
            acc = await read_account(
                uow, principal.actor(), request.match_info["client_id"], datetime.now(UTC)
            )
        except DomainError as error:
            raise from_domain(error) from None
    return json_response(account_dict(acc))


@ROUTES.route(
    "POST",
    "/api/clients/{client_id}/payments",
    summary="Record a payment from a client",
    tag=TAG,
    scope=Scope.BILLING_WRITE,
    params=(CLIENT,),
    body="PaymentCreate",
    ok=201,
    response="Payment",
    errors=(400, 404, 422),
)
async def add_payment(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Money in (no payment gateway: the bank statement's import posts here); answers the new balance."""
    client_id = request.match_info["client_id"]
    data = await read_object(request, ("amount", "note"))
    raw = data.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise invalid(
            "'amount' is a string such as \"15000.50\" (or a whole number), never a float.", "amount"
        )
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise invalid("'note' is a string.", "note")
    try:
        amount: Decimal = parse_amount(str(raw))
    except DomainError as error:
        raise from_domain(error, "amount") from None
    now = datetime.now(UTC)
    async with ctx.rt.uows() as uow:
        try:
            balance = await record_payment(uow, principal.actor(), client_id, amount, now, note)
        except DomainError as error:
            raise from_domain(error, "note") from None
        await audit.record(uow, principal, request, now, "billing.payment", client_id)
        terms = await uow.billing.terms_for_client(client_id)
        currency = terms.currency if terms else "RUB"
        await uow.commit()
    body = {"client_id": client_id, "amount": str(amount), "balance": str(balance), "currency": currency}
    return json_response(body, status=201)


@ROUTES.route(
    "POST",
    "/api/clients/{client_id}/packages/{package_id}/void",
    summary="Void a client's prepaid package and refund its unused hours",
    tag=TAG,
    scope=Scope.BILLING_WRITE,
    params=(CLIENT, path("package_id", "Package id, as GET /api/clients/{client_id}/account lists it.")),
    body="PackageVoid",
    response="PackageVoided",
    errors=(400, 404, 422),
)
async def void_client_package(
    ctx: ApiContext, request: web.Request, principal: Principal
) -> web.StreamResponse:
    """The package's unused hours stop being usable and the refund (by default the price of the unused hours
    pro rata; `refund` "0" gives nothing back) goes to the balance, with the reason. The admin's use case
    (`void_package`): two `void` ledger rows and `package_voided` in the audit log, `billing.package_void` in
    `api_audit`, in one transaction."""
    client_id, package_id = request.match_info["client_id"], request.match_info["package_id"]
    data = await read_object(request, ("reason", "refund"))
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise invalid("'reason' says why the package is voided (a string, up to 500 characters).", "reason")
    raw = data.get("refund")
    refund: Decimal | None = None
    if raw is not None:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise invalid(
                "'refund' is a string such as \"4500.00\" (or a whole number, 0 for none), never a float.",
                "refund",
            )
        try:
            refund = parse_amount(str(raw), positive=False)
        except DomainError as error:
            raise from_domain(error, "refund") from None
    now = datetime.now(UTC)
    async with ctx.rt.uows() as uow:
        try:
            back = await void_package(
                uow, principal.actor(), client_id, package_id, reason, now, refund=refund
            )
        except DomainError as error:
            raise from_domain(error, "refund" if "refund" in str(error) else "reason") from None
        acc = await read_account(uow, principal.actor(), client_id, now)
        await audit.record(
            uow,
            principal,
            request,
            now,
            "billing.package_void",
            client_id,
            {"package_id": package_id, "refund": str(back), "reason": reason.strip()},
        )
        await uow.commit()
    body = {
        "client_id": client_id,
        "package_id": package_id,
        "refund": str(back),
        "balance": str(acc.balance),
        "currency": acc.currency,
    }
    return json_response(body)


@ROUTES.route(
    "GET",
    "/api/clients/{client_id}/acts/{month}",
    summary="A client's act for a month: JSON, CSV or PDF",
    tag=TAG,
    scope=Scope.BILLING_READ,
    params=(
        CLIENT,
        path("month", "YYYY-MM, e.g. 2026-11."),
        query("format", "json (default), csv or pdf.", {"type": "string", "enum": ["json", "csv", "pdf"]}),
        query("lang", "ru (default) or en.", {"type": "string", "enum": ["ru", "en"]}),
    ),
    response="Act",
    errors=(400, 404, 422),
)
async def get_act(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """The act of work done in a month, with VAT as the contract says."""
    client_id, month = request.match_info["client_id"], request.match_info["month"]
    form, lang = request.query.get("format", "json"), request.query.get("lang", "ru")
    if form not in ("json", "csv", "pdf"):
        raise invalid("'format' is json, csv or pdf.", "format")
    if lang not in ("ru", "en"):
        raise invalid("'lang' is ru or en.", "lang")
    async with ctx.rt.uows() as uow:
        try:
            act = await client_act(uow, principal.actor(), client_id, month)
        except DomainError as error:
            raise from_domain(error, "month") from None
    name = f"act-{client_id}-{month}-{lang}"
    if form == "pdf":
        # Drawing a PDF is CPU work (about 0.2 s an act): off the event loop.
        body = await asyncio.to_thread(act_pdf, act, lang, ctx.rt.settings.billing_company)
        return web.Response(
            body=body,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    if form == "csv":
        return web.Response(
            text=act_csv(act, lang),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return json_response(
        {
            "client_id": act.client_id,
            "month": act.period,
            "currency": act.currency,
            "lines": [
                {
                    "date": line.day.isoformat(),
                    "ticket_id": line.ticket_id,
                    "text": line.text(lang),
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "coverage": line.coverage.value,
                    "coverage_text": coverage_text(line.coverage, lang),
                    "amount": str(line.amount),
                }
                for line in act.lines
            ],
            "subtotal": str(act.subtotal),
            "vat_pct": str(act.vat_pct),
            "vat": str(act.vat),
            "total": str(act.total),
        }
    )
