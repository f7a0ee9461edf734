"""The billing API: a client's account, payments in (decimal strings only) and acts as JSON, CSV and PDF."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.billing_seed import PRICE_LIST, terms
from tests.integration.test_api_http import Api, api  # noqa: F401  (the running app fixture)


async def test_account_payment_and_act(api: Api) -> None:  # noqa: F811
    async with api.rt.uows() as uow:  # the demo's contract k-romashka gets money terms
        await uow.billing.put_terms(terms("romashka"))
        for service in PRICE_LIST:
            await uow.billing.put_service(service)
        await uow.commit()
    reader = await api.token("books-read", "billing:read")
    writer = await api.token("bank-import", "billing:write")
    status, body, _ = await api.call("POST", "/api/clients/romashka/payments", reader, {"amount": "100"})
    assert status == 403, body
    status, body, _ = await api.call("POST", "/api/clients/romashka/payments", writer, {"amount": 100.5})
    assert status == 422 and body["error"]["field"] == "amount", body
    status, body, _ = await api.call("POST", "/api/clients/romashka/payments", writer, {"amount": "-5"})
    assert status == 422, body
    status, body, _ = await api.call(
        "POST", "/api/clients/romashka/payments", writer, {"amount": "15000.50", "note": "п/п 17"}
    )
    assert status == 201 and body == {
        "client_id": "romashka",
        "amount": "15000.50",
        "balance": "15000.50",
        "currency": "RUB",
    }, body
    status, body, _ = await api.call("GET", "/api/clients/romashka/account", writer)
    assert status == 200 and body["balance"] == "15000.50" and body["in_debt"] is False, body
    status, body, _ = await api.call("GET", "/api/clients/nobody/account", reader)
    assert status == 404, body
    month = datetime.now(UTC).strftime("%Y-%m")
    status, body, _ = await api.call("GET", f"/api/clients/romashka/acts/{month}", reader)
    assert status == 200 and body["lines"] == [] and body["total"] == "0.00", body
    status, text, headers = await api.call(
        "GET", f"/api/clients/romashka/acts/{month}?format=csv&lang=en", reader
    )
    assert status == 200 and "Total, RUB" in text and "attachment" in headers["Content-Disposition"]
    async with api.http.get(
        f"{api.base}/api/clients/romashka/acts/{month}?format=pdf",
        headers={"Authorization": f"Bearer {reader}"},
    ) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert (await response.read()).startswith(b"%PDF")
    status, body, _ = await api.call("GET", "/api/clients/romashka/acts/november", reader)
    assert status == 422 and "YYYY-MM" in body["error"]["message"], body
