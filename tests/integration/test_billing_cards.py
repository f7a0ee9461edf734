"""The offer card tells the engineer how the job is paid for, and the client's debt (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from dialogue.cards import offer_card
from dialogue.chat_bus import chat_bus
from dialogue.outgoing import Outgoing
from dialogue.payloads import PayloadSigner
from dialogue.reaction import Reaction
from storage.uow import UnitOfWorkFactory
from tests.integration.billing_seed import ENGINEER, SUPERVISOR, add_billed_client, add_job
from ticket_core.billing.accounts import buy_package, record_payment
from ticket_core.enums import PersonKind, Role
from ticket_core.model import ChannelAccount, StaffMember
from ticket_core.usecases.work import resolve_ticket

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


async def test_a_used_up_package_warns_the_supervisors_and_the_account_manager(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await add_billed_client(uow, "beta", NOW, account_manager_id="manager-en")
        for staff_id, role, lang in (("sokolova", Role.SUPERVISOR, "ru"), ("manager-en", Role.ADMIN, "en")):
            await uow.directory.add_staff(StaffMember(staff_id, staff_id.title(), role, lang=lang))
            await uow.accounts.link(
                ChannelAccount(
                    "telegram", "staff", f"acc-{staff_id}", PersonKind.STAFF, staff_id, f"chat-{staff_id}"
                )
            )
        await buy_package(uow, SUPERVISOR, "beta", D(2), D(4000), 3, NOW)
        await uow.commit()
    job = await add_job(uow_factory, "beta", 7101, NOW, category="hvac")
    async with uow_factory() as uow:
        await resolve_ticket(uow, ENGINEER, job, NOW, "Compressor replaced", 150)
        out = Outgoing(PayloadSigner("secret"))
        await chat_bus().dispatch(Reaction(uow, out, NOW))
    texts = {m.chat_id: m.text for m in out.messages}
    assert "Client beta: пакет часов израсходован (HD-7101)" in texts["chat-sokolova"], texts
    assert "Client beta: the prepaid package is used up (HD-7101)" in texts["chat-manager-en"], texts
