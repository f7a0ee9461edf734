"""POST /api/alerts over HTTP on SQLite and PostgreSQL: an alert opens a ticket on the unit, repeats add to it,
recovery is noted (and resolves it for a type that says so), and a burst of one fingerprint opens one ticket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.equipment_tables import alert_threads
from storage.tables import outbox, tickets
from tests.integration.test_api_http import Api, running_api
from ticket_core.enums import OfferStatus, Visibility
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    async with running_api(db_url, unused_tcp_port) as running:
        now = datetime.now(UTC)
        async with running.rt.uows() as uow:
            system = Actor.system()
            await eq.save_type(
                uow, system, EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac"), now
            )
            await eq.save_type(uow, system, EquipmentType("ups", "ИБП", "UPS", "electrical", (), True), now)
            await eq.import_units(
                uow, system, "site,type,name\nrom-nevsky,ac,Hall AC\nacme-office,ups,Rack UPS\n", now
            )
            await uow.commit()
        yield running


async def _codes(api: Api) -> dict[str, str]:
    async with api.rt.uows() as uow:
        return {u.type_id: u.code for u in await uow.equipment.find(UnitFilter())}


def _am(status: str, fingerprint: str, unit: str, severity: str = "critical") -> dict[str, object]:
    return {
        "version": "4",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "HighTemp", "severity": severity, "unit": unit},
                "annotations": {"summary": "Supply air 31°C"},
                "fingerprint": fingerprint,
            }
        ],
    }


async def test_open_add_recover_and_resolve(api: Api) -> None:
    codes = await _codes(api)
    token = await api.token("prometheus", "alerts:write")
    status, body, _ = await api.call("POST", "/api/alerts", token, _am("firing", "fp-ac", codes["ac"]))
    assert status == 200, body
    # (On PostgreSQL the ticket numbers' sequence goes on across tests: the refs are read, not assumed.)
    ref = body["items"][0]["ticket"]
    assert body["items"] == [{"fingerprint": "fp-ac", "outcome": "opened", "ticket": ref, "error": None}]
    status, body, _ = await api.call("POST", "/api/alerts", token, _am("firing", "fp-ac", codes["ac"]))
    assert body["items"][0]["outcome"] == "added" and body["items"][0]["ticket"] == ref
    status, body, _ = await api.call(
        "POST",
        "/api/alerts",
        token,
        {"unit": codes["ac"], "summary": "ok", "status": "resolved", "fingerprint": "fp-ac"},
    )
    assert body["items"][0]["outcome"] == "recovered"
    async with api.rt.uows() as uow:
        ticket = await uow.tickets.get_by_number(int(ref[3:]))
        assert ticket is not None and str(ticket.priority) == "P1" and ticket.category == "hvac"
        assert ticket.site_id == "rom-nevsky" and ticket.status.value in ("new", "offered")
        linked = await uow.equipment.unit_of_ticket(ticket.id)
        assert linked is not None and not linked[1]
        notes = await uow.comments.list_for_ticket(ticket.id, include_internal=True)
        assert [c.visibility for c in notes] == [Visibility.INTERNAL] and "recovered" in notes[0].text
        thread = await uow.equipment.lock_alert("fp-ac")
        assert thread is not None and thread.alerts == 2 and thread.state == "resolved"
        events = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
        assert events.count("alert_received") == 3

    # A UPS resolves on recovery when nobody started work; the generic format, severity info is P4.
    generic = {"unit": codes["ups"], "summary": "On battery", "severity": "info", "fingerprint": "fp-ups"}
    status, body, _ = await api.call("POST", "/api/alerts", token, generic)
    ups_ref = body["items"][0]["ticket"]
    assert body["items"][0]["outcome"] == "opened" and ups_ref not in (None, ref)
    status, body, _ = await api.call("POST", "/api/alerts", token, {**generic, "status": "resolved"})
    assert body["items"][0]["outcome"] == "resolved"
    async with api.rt.uows() as uow:
        ups = await uow.tickets.get_by_number(int(ups_ref[3:]))
        assert ups is not None and ups.status.value == "resolved" and str(ups.priority) == "P4"
        withdrawn = await uow.offers.list_for_ticket(ups.id, OfferStatus.WITHDRAWN)
    # Whoever still had the offer hears it cleared by itself (their offer card is retired with it).
    assert withdrawn, "the demo company has an engineer for electrical jobs: the UPS ticket was offered"
    async with api.rt.sessions() as session:
        payloads = [str(p) for p in (await session.execute(select(outbox.c.payload))).scalars()]
    told = [p for p in payloads if ups_ref in p and ("No need to go" in p or "Выезжать не нужно" in p)]
    assert len(told) == len(withdrawn)
    # Firing again after it was resolved opens a new ticket; a recovery of nothing open is ignored.
    status, body, _ = await api.call("POST", "/api/alerts", token, generic)
    assert body["items"][0]["outcome"] == "opened" and body["items"][0]["ticket"] not in (ref, ups_ref)
    status, body, _ = await api.call(
        "POST", "/api/alerts", token, {**generic, "fingerprint": "never-fired", "status": "resolved"}
    )
    assert body["items"][0]["outcome"] == "ignored"


async def test_bad_alerts_are_refused_one_by_one_and_the_scope_is_checked(api: Api) -> None:
    codes = await _codes(api)
    token = await api.token("prometheus", "alerts:write")
    body = _am("firing", "fp-1", codes["ac"])
    body["alerts"].append({"status": "firing", "labels": {"unit": "nosuchunit12"}, "fingerprint": "fp-2"})  # type: ignore[attr-defined]
    status, answer, _ = await api.call("POST", "/api/alerts", token, body)
    assert status == 200
    assert [i["outcome"] for i in answer["items"]] == ["opened", "rejected"]
    assert "No unit 'nosuchunit12'" in answer["items"][1]["error"]
    status, answer, _ = await api.call("POST", "/api/alerts", token, {"summary": "x"})
    assert status == 422 and "name the unit" in answer["error"]["message"]
    status, answer, _ = await api.call(
        "POST", "/api/alerts", token, {"summary": "x", "unit": "a", "colour": "red"}
    )
    assert status == 422 and "Unknown field(s) colour" in answer["error"]["message"]
    status, answer, _ = await api.call(
        "POST", "/api/alerts", token, data="not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    reader = await api.token("reader", "tickets:read")
    status, _, _ = await api.call("POST", "/api/alerts", reader, _am("firing", "fp-1", codes["ac"]))
    assert status == 403
    assert await api.scalar(select(func.count()).select_from(tickets)) == 1


async def test_a_burst_of_one_fingerprint_opens_one_ticket(api: Api) -> None:
    codes = await _codes(api)
    token = await api.token("prometheus", "alerts:write")
    results = await asyncio.gather(
        *(api.call("POST", "/api/alerts", token, _am("firing", "fp-burst", codes["ac"])) for _ in range(12))
    )
    outcomes = sorted(body["items"][0]["outcome"] for status, body, _ in results)
    assert outcomes == ["added"] * 11 + ["opened"]
    assert len({body["items"][0]["ticket"] for _, body, _ in results}) == 1
    assert await api.scalar(select(func.count()).select_from(tickets)) == 1
    assert (
        await api.scalar(select(alert_threads.c.alerts).where(alert_threads.c.fingerprint == "fp-burst"))
        == 12
    )


async def test_units_over_the_api(api: Api) -> None:
    codes = await _codes(api)
    token = await api.token("cmdb", "equipment:read")
    status, body, _ = await api.call("GET", "/api/equipment/units?type=ac", token)
    assert status == 200 and body["total"] == 1 and body["items"][0]["name"] == "Hall AC"
    assert body["items"][0]["code"] == codes["ac"] and body["next_offset"] is None
    status, body, _ = await api.call("GET", "/api/equipment/units?status=retired", token)
    assert status == 200 and body["total"] == 0
    status, body, _ = await api.call("GET", "/api/equipment/units?status=broken", token)
    assert status == 400
    alerts = await api.token("prometheus", "alerts:write")
    await api.call("POST", "/api/alerts", alerts, _am("firing", "fp-card", codes["ac"]))
    status, card, _ = await api.call("GET", f"/api/equipment/units/{codes['ac']}", token)
    assert status == 200 and card["warranty"] == "unknown" and len(card["tickets"]) == 1
    assert card["tickets"][0]["category"] == "hvac" and card["parts"] == []
    status, _, _ = await api.call("GET", "/api/equipment/units/nope", token)
    assert status == 404
    status, report, _ = await api.call("GET", "/api/equipment/report?days=7", token)
    assert status == 200 and report["failures"] == 1 and report["by_unit"][0]["name"] == "Hall AC"
    assert [(t["type_id"], t["units"], t["failures"]) for t in report["by_type"]] == [
        ("ac", 1, 1),
        ("ups", 1, 0),
    ]
    status, _, _ = await api.call("GET", "/api/equipment/report?days=0", token)
    assert status == 400
    status, _, _ = await api.call("GET", "/api/equipment/units", alerts)
    assert status == 403


async def test_units_written_over_the_api(api: Api) -> None:
    token = await api.token("cmdb", "equipment:write")
    body = {
        "site": "rom-nevsky",
        "type": "ac",
        "name": "Kitchen AC",
        "model": "LG S12",
        "warranty_until": "2030-01-01",
    }
    status, unit, _ = await api.call("POST", "/api/equipment/units", token, body)
    assert status == 201, unit
    assert unit["client_id"] == "romashka" and len(unit["code"]) == 12 and unit["status"] == "in_service"
    status, error, _ = await api.call(
        "POST", "/api/equipment/units", token, {**body, "installed_on": "2024-13-01"}
    )
    assert status == 422 and "installed_on '2024-13-01' is not a date" in error["error"]["message"]
    status, error, _ = await api.call("POST", "/api/equipment/units", token, {**body, "colour": "red"})
    assert status == 422 and error["error"]["field"] == "colour"
    status, error, _ = await api.call(
        "POST", "/api/equipment/units", token, {**body, "site": "acme-office", "inventory_no": 5}
    )
    assert status == 422 and error["error"]["field"] == "inventory_no"
    status, changed, _ = await api.call(
        "PATCH",
        f"/api/equipment/units/{unit['code']}",
        token,
        {"location": "kitchen", "photos": ["https://x.test/1.jpg"]},
    )
    assert status == 200 and changed["location"] == "kitchen" and changed["model"] == "LG S12"
    assert changed["photos"] == ["https://x.test/1.jpg"] and changed["code"] == unit["code"]
    status, _, _ = await api.call("PATCH", "/api/equipment/units/nope", token, {"location": "x"})
    assert status == 404
    status, retired, _ = await api.call("POST", f"/api/equipment/units/{unit['id']}/retire", token)
    assert status == 200 and retired["status"] == "retired"
    reader = await api.token("viewer", "equipment:read")
    status, _, _ = await api.call("POST", "/api/equipment/units", reader, body)
    assert status == 403
    status, listed, _ = await api.call(
        "GET", "/api/equipment/units?status=retired", token
    )  # write implies read
    assert status == 200 and listed["total"] == 1


async def test_a_recovery_that_meets_its_opening_in_flight_waits_for_it(api: Api) -> None:
    """A resolved alert handled while its fingerprint's first alert is still opening the ticket (row made, not
    committed) was answered `ignored` on PostgreSQL, and the ticket stayed open after the recovery."""
    from ticket_core.equipment.alert_usecases import receive_alert
    from ticket_core.equipment.alerts import Alert, AlertState

    code = (await _codes(api))["ac"]
    now = datetime.now(UTC)

    def alert(state: AlertState) -> Alert:
        return Alert(fingerprint="fp-race", state=state, severity="critical", summary="Down", unit=code)

    opening_done = asyncio.Event()

    async def recover() -> str:
        await opening_done.wait()  # the opening has made its row and holds its transaction open
        async with api.rt.uows() as uow:
            done = await receive_alert(uow, Actor.system(), alert(AlertState.RESOLVED), now)
            await uow.commit()
        return done.outcome

    recovery = asyncio.create_task(recover())
    async with api.rt.uows() as uow:
        opened = await receive_alert(uow, Actor.system(), alert(AlertState.FIRING), now)
        opening_done.set()
        await asyncio.sleep(0.5)  # the recovery reaches the row meanwhile (on SQLite it waits for the writer)
        await uow.commit()
    assert opened.outcome == "opened"
    assert await recovery == "recovered"
    assert (
        await api.scalar(select(alert_threads.c.state).where(alert_threads.c.fingerprint == "fp-race"))
        == "resolved"
    )


async def test_a_recovery_of_nothing_is_ignored_and_the_next_alert_opens(api: Api) -> None:
    codes = await _codes(api)
    token = await api.token("prometheus", "alerts:write")
    _, body, _ = await api.call("POST", "/api/alerts", token, _am("resolved", "fp-none", codes["ac"]))
    assert body["items"][0]["outcome"] == "ignored"
    assert await api.scalar(select(func.count()).select_from(tickets)) == 0
    _, body, _ = await api.call("POST", "/api/alerts", token, _am("firing", "fp-none", codes["ac"]))
    assert body["items"][0]["outcome"] == "opened"
    _, body, _ = await api.call("POST", "/api/alerts", token, _am("firing", "fp-none", codes["ac"]))
    assert body["items"][0]["outcome"] == "added"
