"""Two writes over the REST API (SQLite and PostgreSQL): a client's contacts imported from CSV with
`directory:write` (all lines or none; every bad line in the 422 with its number, in English or Russian) and a
prepaid package voided with `billing:write` (the admin's use case: `package_voided` audited, refund to the
balance), each with its `api_audit` entry; both named in the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storage.api_tables import api_audit
from storage.tables import contacts
from tests.integration.billing_seed import PRICE_LIST, SUPERVISOR, terms
from tests.integration.test_api_http import Api, running_api
from ticket_core.billing.accounts import buy_package

BAD = (
    "Имя;Почта;Телефон;Руководитель;Объект\n"
    "Мария Орлова;maria@romashka.example;+7 921 555-00-01;да;Ромашка на Невском\n"
    ";not-an-address;12;может быть;\n"  # 3
    "Пётр;maria@romashka.example;;;Склад\n"  # 4
)
GOOD = (
    "name,email,phone,manager,site\n"
    "Мария Орлова,maria@romashka.example,+7 921 555-00-01,yes,Ромашка на Невском\n"
    "Иван Кузнецов,ivan@romashka.example,8 921 123-45-02,no,rom-petrograd\n"  # known by phone: updated
)


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    """A running app on SQLite and on PostgreSQL, with the demo company."""
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


async def _count(api: Api, client_id: str) -> int:
    query = select(func.count()).select_from(contacts).where(contacts.c.client_id == client_id)
    return int(await api.scalar(query))


async def _audit(api: Api, action: str) -> list[tuple[str, str, object]]:
    async with api.rt.sessions() as session:
        rows = await session.execute(
            select(api_audit.c.action, api_audit.c.target, api_audit.c.detail).where(
                api_audit.c.action == action
            )
        )
        return [(str(a), str(t), d) for a, t, d in rows]


async def test_contacts_csv_import_all_or_nothing(api: Api) -> None:
    reader = await api.token("crm-read", "directory:read")
    writer = await api.token("crm", "directory:write")
    where = "/api/clients/romashka/contacts/import"
    before = await _count(api, "romashka")
    assert (await api.call("POST", where, reader, {"csv": GOOD}))[0] == 403
    assert (await api.call("POST", "/api/clients/nobody/contacts/import", writer, {"csv": GOOD}))[0] == 404
    status, body, _ = await api.call("POST", where, writer, {"csv": 5})
    assert status == 422 and body["error"]["field"] == "csv", body
    status, body, _ = await api.call("POST", where, writer, {"csv": GOOD, "file": "x"})
    assert status == 422, body  # unknown fields are refused

    status, body, _ = await api.call("POST", where, writer, {"csv": BAD})
    assert status == 422 and body["error"]["code"] == "import_rejected", body
    assert "2 bad line" in body["error"]["message"]
    assert [e["line"] for e in body["error"]["lines"]] == [3, 4]
    assert len(body["error"]["lines"][0]["problems"]) >= 3
    status, ru, _ = await api.call("POST", where + "?lang=ru", writer, {"csv": BAD})
    assert status == 422 and "Ничего не загружено" in ru["error"]["message"], ru
    assert [e["line"] for e in ru["error"]["lines"]] == [3, 4]
    assert "Склад" in " ".join(ru["error"]["lines"][1]["problems"])
    assert await _count(api, "romashka") == before and await _audit(api, "contacts.import") == []

    status, body, _ = await api.call("POST", where, writer, {"csv": GOOD})
    assert status == 200 and body == {"client_id": "romashka", "created": 1, "updated": 1, "adopted": 0}, body
    assert await _count(api, "romashka") == before + 1
    async with api.rt.uows() as uow:
        maria = await uow.directory.find_contact_by_email("maria@romashka.example")
        assert maria is not None and maria.manager and maria.client_id == "romashka"
        now = datetime.now(UTC)
        events = await uow.events.list_between(["contacts_imported"], now - timedelta(minutes=5), now)
    assert [e["actor"]["id"] for e in events] == ["api:crm"]
    assert await _audit(api, "contacts.import") == [
        ("contacts.import", "romashka", {"created": 1, "updated": 1, "adopted": 0})
    ]


async def test_voiding_a_package(api: Api) -> None:
    now = datetime.now(UTC)
    async with api.rt.uows() as uow:
        await uow.billing.put_terms(terms("romashka"))
        for service in PRICE_LIST:
            await uow.billing.put_service(service)
        package = await buy_package(uow, SUPERVISOR, "romashka", Decimal(10), Decimal(20000), 3, now)
        await uow.commit()
    reader = await api.token("books-read", "billing:read")
    writer = await api.token("books", "billing:write")
    where = f"/api/clients/romashka/packages/{package.id}/void"
    assert (await api.call("POST", where, reader, {"reason": "client left"}))[0] == 403
    for bad, field in (
        ({}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x", "refund": 10.5}, "refund"),
        ({"reason": "x", "refund": "lots"}, "refund"),
        ({"reason": "x", "refund": "20000.01"}, "refund"),
    ):
        status, body, _ = await api.call("POST", where, writer, bad)
        assert status == 422 and body["error"]["field"] == field, (bad, body)
    status, body, _ = await api.call(
        "POST", "/api/clients/acme/packages/" + package.id + "/void", writer, {"reason": "x"}
    )
    assert status == 404, body
    status, account, _ = await api.call("GET", "/api/clients/romashka/account", reader)
    assert account["balance"] == "-20000.00" and account["packages"][0]["left_hours"] == "10.00", account

    status, body, _ = await api.call("POST", where, writer, {"reason": "contract ended early"})
    assert status == 200 and body == {
        "client_id": "romashka",
        "package_id": package.id,
        "refund": "20000.00",
        "balance": "0.00",
        "currency": "RUB",
    }, body
    status, body, _ = await api.call("POST", where, writer, {"reason": "again"})
    assert status == 422 and "nothing to void" in body["error"]["message"], body
    async with api.rt.uows() as uow:
        later = datetime.now(UTC)
        events = await uow.events.list_between(["package_voided"], later - timedelta(minutes=5), later)
    assert [e["actor"]["id"] for e in events] == ["api:books"]
    assert await _audit(api, "billing.package_void") == [
        (
            "billing.package_void",
            "romashka",
            {"package_id": package.id, "refund": "20000.00", "reason": "contract ended early"},
        )
    ]


async def test_the_openapi_document_names_both(api: Api) -> None:
    status, document, _ = await api.call("GET", "/api/openapi.json")
    assert status == 200
    post = document["paths"]["/api/clients/{client_id}/contacts/import"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContactImport"
    }
    assert "422" in post["responses"]
    void = document["paths"]["/api/clients/{client_id}/packages/{package_id}/void"]["post"]
    assert (
        void["operationId"] == "void_client_package" and "PackageVoided" in document["components"]["schemas"]
    )
