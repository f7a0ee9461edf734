"""`POST /api/alerts`: monitoring alerts (Alertmanager's webhook or the generic JSON format) into tickets."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bots.json_body import read_json
from dialogue.safe_input import JsonInputError
from helpdesk.api import audit
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import bad_request, from_domain
from helpdesk.api.fields import MAX_BODY_BYTES
from helpdesk.api.jsonio import json_response
from helpdesk.api.routes import RouteTable
from helpdesk.api.tokens import Scope
from storage.uow import SqlUnitOfWork
from ticket_core.equipment import alerts as alert_formats
from ticket_core.equipment.alert_usecases import AlertOutcome, receive_alert
from ticket_core.equipment.alerts import Alert
from ticket_core.errors import DomainError

ROUTES = RouteTable()
TAG = "Monitoring"


@ROUTES.route(
    "POST",
    "/api/alerts",
    summary="Receive monitoring alerts",
    tag=TAG,
    scope=Scope.ALERTS_WRITE,
    body="AlertsIn",
    response="AlertResults",
    errors=(400, 422),
    description=(
        "Prometheus Alertmanager's webhook body (`alerts`: labels `unit` (sticker code or unit id) or `site`, "
        "`severity`; annotation `summary`; `fingerprint`; `status`), or one alert in the generic format. An "
        "alert opens a ticket (priority from severity: critical P1, error/high P2, warning P3, info P4), "
        "routed like any other; alerts with the fingerprint of an open ticket add to it; a resolved alert "
        "notes the recovery on it and, for a type with `resolve_on_recovery`, resolves it if nobody has started "
        "work. Each alert is handled on its own: one that names no known unit or site is answered as "
        "`rejected` with the reason, and the others still count (Alertmanager retries a whole batch on an error)."
    ),
)
async def receive_alerts(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Alerts into tickets; answers one result per alert."""
    try:
        body = await read_json(request, max_bytes=MAX_BODY_BYTES, controls="refuse")
    except JsonInputError as error:
        raise bad_request(
            f"{str(error).rstrip('.')}. Send Alertmanager's webhook body or one generic alert as a JSON object."
        ) from None
    try:
        alerts = alert_formats.parse(body)
    except DomainError as error:
        raise from_domain(error) from None
    answers = [await _one(ctx, request, principal, alert) for alert in alerts]
    if any(queued for _, queued in answers):  # most repeats and recoveries tell nobody: nothing to send
        ctx.wake_delivery()
    return json_response({"items": [result for result, _ in answers]})


async def _one(
    ctx: ApiContext, request: web.Request, principal: Principal, alert: Alert
) -> tuple[dict[str, object], bool]:
    """One alert's result, and whether it queued messages."""
    outcome: list[AlertOutcome] = []

    async def work(uow: SqlUnitOfWork, now: datetime) -> None:
        done = await receive_alert(uow, principal.actor(), alert, now)
        outcome.append(done)
        target = done.ticket.ref if done.ticket else alert.fingerprint
        await audit.record(uow, principal, request, now, f"alert.{done.outcome}", target)

    try:
        queued = await ctx.rt.engine.run_system(work)
    except DomainError as error:
        rejected: dict[str, object] = {
            "fingerprint": alert.fingerprint,
            "outcome": "rejected",
            "ticket": None,
            "error": str(error),
        }
        return rejected, False
    done = outcome[0]
    result: dict[str, object] = {
        "fingerprint": alert.fingerprint,
        "outcome": done.outcome,
        "ticket": done.ticket.ref if done.ticket else None,
        "error": None,
    }
    return result, bool(queued)
