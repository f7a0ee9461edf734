"""Voiding a prepaid package in the web admin over HTTP (SQLite and PostgreSQL): a blank reason or a refund
above the price is refused next to the package in the reader's language and changes nothing; a good one stops
the unused hours and credits the refund, audited as `package_voided`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.integration.billing_seed import PRICE_LIST, terms
from tests.integration.test_admin_http import ADMIN, SUPERVISOR, Admin, admin, signed_in
from ticket_core.billing.accounts import buy_package
from ticket_core.enums import Role
from ticket_core.model import Actor

__all__ = ["admin"]  # the fixture, shared with the admin's HTTP tests

D = Decimal


async def test_a_package_is_voided_with_its_refund(admin: Admin) -> None:
    now = datetime.now(UTC)
    async with admin.rt.uows() as uow:
        for service in PRICE_LIST:
            await uow.billing.put_service(service)
        await uow.billing.put_terms(terms("romashka", valid_from=None, valid_until=None))
        package = await buy_package(uow, Actor(Role.SYSTEM, "test"), "romashka", D(10), D(20000), 3, now)
        await uow.commit()
    await signed_in(admin, SUPERVISOR)  # reads Russian
    page = await admin.page("/admin/billing/romashka")
    assert "Аннулировать пакет" in page and 'placeholder="20 000 ₽"' in page.replace("\xa0", " ")
    where = f"/admin/billing/romashka/packages/{package.id}/void"

    blank = await admin.post(where, {"reason": " ", "refund": ""})
    assert blank.status == 422 and "Пакет не аннулирован:" in await blank.text()
    too_much = await admin.post(where, {"reason": "ошибка", "refund": "25000"})
    text = await too_much.text()
    assert too_much.status == 422 and "Возврат — от 0 до цены пакета (20000.00)." in text
    async with admin.rt.uows() as uow:
        assert await uow.billing.balance("romashka") == D(-20000)

    done = await admin.post(where, {"reason": "договор расторгнут", "refund": "18 000"})
    assert done.status == 303 and done.headers["Location"] == "/admin/billing/romashka?done=voided"
    async with admin.rt.uows() as uow:
        assert await uow.billing.balance("romashka") == D(-2000)
        [left] = [p.left_hours for p in await uow.billing.packages("romashka")]
        events = await uow.events.list_between(
            ["package_voided"], now.replace(year=2000), now.replace(year=2100)
        )
    assert left == 0 and len(events) == 1
    page = await admin.page("/admin/billing/romashka?done=voided")
    assert "Пакет аннулирован" in page and "Аннулировать пакет" not in page  # nothing left to void
    assert "пакет аннулирован" in page  # the ledger rows' kind

    await admin.post("/admin/logout", {})
    await signed_in(admin, ADMIN)  # English
    again = await admin.post(where, {"reason": "again", "refund": ""})
    assert again.status == 422 and "has no unused hours; there is nothing to void." in await again.text()
