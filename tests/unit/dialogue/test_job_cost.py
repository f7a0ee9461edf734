"""What a paid job cost, as the client reads it after Done (#18): from the charge lines, in their language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from dialogue.job_cost import cost_text
from ticket_core.billing.events import JobCharged
from ticket_core.enums import Role
from ticket_core.model import Actor


def _charged(*lines: dict[str, str], total: str) -> JobCharged:
    return JobCharged(
        ticket_id="t1",
        actor=Actor(Role.ENGINEER, "e-petrov"),
        at=datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
        client_id="romashka",
        currency="RUB",
        total=total,
        lines=list(lines),
    )


def _line(item: str, coverage: str, quantity: str, amount: str, ru: str, en: str) -> dict[str, str]:
    return {
        "key": f"t1:0:{item}",
        "coverage": coverage,
        "quantity": quantity,
        "amount": amount,
        "text_ru": f"{ru}, HD-1042",
        "text_en": f"{en}, HD-1042",
    }


EVENT = _charged(
    _line("hours:included", "included", "2.00", "0", "Работа инженера L1", "Engineer's work, L1"),
    _line("hours:billable", "billable", "1.50", "2700.00", "Работа инженера L1", "Engineer's work, L1"),
    _line("callout:included", "included", "1", "0", "Выезд инженера", "Engineer call-out"),
    _line("part:0", "billable", "3", "360.00", "Прокладка", "Gasket"),
    total="3060.00",
)


def test_an_english_client_reads_each_line_what_paid_for_it_and_the_sum_with_vat() -> None:
    assert cost_text(EVENT, "HD-1042", "en", Decimal(20)) == (
        "💳 What the work on HD-1042 cost:\n"
        "• Engineer's work, L1 (2 h): included in the contract\n"
        "• Engineer's work, L1 (1.5 h): 2,700 ₽\n"
        "• Engineer call-out: included in the contract\n"
        "• Gasket (3 pcs): 360 ₽\n"
        "To pay: 3,060 ₽, plus VAT 20 %.\n"
        "It will be in this month's act; ask us here if anything is unclear."
    )


def test_a_russian_client_reads_it_in_russian_without_vat_when_the_contract_has_none() -> None:
    assert cost_text(EVENT, "HD-1042", "ru") == (
        "💳 Стоимость работ по HD-1042:\n"
        "• Работа инженера L1 (2 ч): входит в договор\n"
        "• Работа инженера L1 (1,5 ч): 2\u00a0700 ₽\n"
        "• Выезд инженера: входит в договор\n"
        "• Прокладка (3 шт.): 360 ₽\n"
        "К оплате: 3\u00a0060 ₽.\n"
        "Сумма войдёт в акт за этот месяц; если что-то непонятно, спросите здесь."
    )
