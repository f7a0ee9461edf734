"""The offer card tells the engineer how the job is paid for, and the client's debt (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from dialogue.cards import offer_card
from storage.uow import UnitOfWorkFactory
from tests.integration.billing_seed import SUPERVISOR, add_billed_client, add_job
from ticket_core.billing.accounts import buy_package, record_payment

D = Decimal
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


async def test_offer_card_says_included_prepaid_or_paid_and_the_debt(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await add_billed_client(uow, "acme", NOW)
        await uow.commit()
    included = await add_job(uow_factory, "acme", 7001, NOW)  # IT: 2 h a month included
    paid = await add_job(uow_factory, "acme", 7002, NOW, category="hvac")  # not included
    async with uow_factory() as uow:
        for job, lang, expected in (
            (included, "en", "Included in the contract: 2 h left this month"),
            (included, "ru", "По договору: осталось 2 ч в этом месяце"),
            (paid, "en", "Paid work: client pays 2,250 ₽/h"),  # 2,500 for L2 less 10 %
            (paid, "ru", "Платная работа: клиент платит 2\u00a0250 ₽/ч"),
        ):
            ticket = await uow.tickets.get(job)
            assert ticket is not None
            text, _ = await offer_card(uow, ticket, lang, [], NOW, "smirnov")
            assert expected in text, text
            assert "owes" not in text and "Долг" not in text
        await record_payment(uow, SUPERVISOR, "acme", D(5000), NOW)
        await buy_package(uow, SUPERVISOR, "acme", D(10), D(20000), 3, NOW)  # 15,000 in debt now
        await uow.commit()
    async with uow_factory() as uow:
        ticket = await uow.tickets.get(paid)
        assert ticket is not None
        text, _ = await offer_card(uow, ticket, "en", [], NOW, "smirnov")
        assert (
            "From the client's prepaid package: 10 h left" in text and "The client owes 15,000 ₽" in text
        ), text
        text, _ = await offer_card(uow, ticket, "ru", [], NOW, "smirnov")
        assert "Долг клиента: 15\u00a0000 ₽" in text, text
