"""Billing notices no event causes (SQLite and PostgreSQL): "contract ends in 30 days" and the Monday debtors
list reach supervisors and account managers once, however many times or workers check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from dialogue.engine import DialogueEngine
from dialogue.payloads import PayloadSigner
from helpdesk.billing_notices import send_billing_notices_if_due
from helpdesk.demo.loader import load_directory, read_directory
from storage.outbox_delivery import OutboxStatus, list_by_status
from storage.uow import UnitOfWorkFactory
from tests.fakes.fake_kb import FakeKnowledgeBase
from ticket_core.billing.accounts import buy_package
from ticket_core.billing.terms import ContractTerms
from ticket_core.enums import Role
from ticket_core.model import Actor

D = Decimal
MONDAY = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, after the digest's 09:00
ADMIN = Actor(Role.ADMIN, "a-admin", name="Admin")


async def _setup(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await load_directory(uow, read_directory())
        billing = uow.billing
        # Romashka's contract ends in 20 days and its account manager is the (English-speaking) admin.
        await billing.put_terms(
            ContractTerms(
                "k-romashka", "romashka", valid_until=date(2026, 12, 6), account_manager_id="a-admin"
            )
        )
        await billing.put_terms(ContractTerms("k-acme", "acme", valid_until=date(2027, 6, 30)))
        await billing.put_terms(ContractTerms("k-nordlog", "nordlog", credit_limit=D(5000)))
        await buy_package(uow, ADMIN, "romashka", D(10), D(20000), 3, MONDAY)  # owes 20,000
        await buy_package(uow, ADMIN, "nordlog", D(1), D(4000), 3, MONDAY)  # owes 4,000: within its credit
        await buy_package(uow, ADMIN, "acme", D(5), D("7500.50"), 3, MONDAY)  # owes 7,500.50
        await uow.commit()


def _engine(uow_factory: UnitOfWorkFactory, now: datetime) -> DialogueEngine:
    return DialogueEngine(
        uow_factory, PayloadSigner("s"), kb=FakeKnowledgeBase([]), nlu=None, clock=lambda: now
    )  # type: ignore[arg-type]


async def _outbox(uow_factory: UnitOfWorkFactory) -> dict[str, list[str]]:
    async with uow_factory() as uow:
        rows = await list_by_status(uow.session, OutboxStatus.PENDING)
    texts: dict[str, list[str]] = {}
    for row in reversed(rows):
        texts.setdefault(row.chat_id, []).append(row.payload["text"])
    return texts


async def test_contract_end_and_debtors_reach_supervisors_and_managers_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _setup(uow_factory)
    early = MONDAY.replace(hour=5)  # 08:00 in Moscow: before the digest's time nothing is sent
    assert await send_billing_notices_if_due(_engine(uow_factory, early), "09:00", "Europe/Moscow") == 0
    assert await send_billing_notices_if_due(_engine(uow_factory, MONDAY), "09:00", "Europe/Moscow") == 2
    # A second check, and a second worker with its own engine, send nothing again.
    assert await send_billing_notices_if_due(_engine(uow_factory, MONDAY), "09:00", "Europe/Moscow") == 0
    later = MONDAY.replace(hour=15)
    assert await send_billing_notices_if_due(_engine(uow_factory, later), "09:00", "Europe/Moscow") == 0
    texts = await _outbox(uow_factory)
    sokolova, admin = texts["s-sokolova"], texts["a-admin"]
    assert len(sokolova) == 2 and len(admin) == 2, texts
    ends = "Кафе «Ромашка»: договор «Ромашка: инженерные системы» заканчивается 06.12.2026 (через 20 дн.)"
    assert any(ends in text for text in sokolova), sokolova
    assert any(
        'the contract "Ромашка: инженерные системы" ends on 2026-12-06 (in 20 days)' in x for x in admin
    )
    [debtors] = [text for text in sokolova if text.startswith("💸")]
    assert debtors == (
        "💸 Должники на неделю 2026-W47 (2):\n• Кафе «Ромашка»: 20\u00a0000 ₽\n• ACME Logistics: 7\u00a0500,50 ₽"
    )
    [theirs] = [text for text in admin if text.startswith("💸")]
    assert theirs == "💸 Clients in debt, week 2026-W47 (1):\n• Кафе «Ромашка»: 20,000 ₽"  # their own client
    # The next Monday lists the debtors again; the contract's end is not announced twice.
    next_week = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert await send_billing_notices_if_due(_engine(uow_factory, next_week), "09:00", "Europe/Moscow") == 1


async def test_no_notice_on_an_ordinary_day_or_without_debtors(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await load_directory(uow, read_directory())
        await uow.billing.put_terms(ContractTerms("k-acme", "acme", valid_until=date(2027, 6, 30)))
        await uow.commit()
    tuesday = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    assert await send_billing_notices_if_due(_engine(uow_factory, tuesday), "09:00", "Europe/Moscow") == 0
    assert await send_billing_notices_if_due(_engine(uow_factory, MONDAY), "09:00", "Europe/Moscow") == 0
    assert await _outbox(uow_factory) == {}
