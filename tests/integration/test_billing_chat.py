"""Billing in chat, end to end through the engine on SQLite and PostgreSQL (issue #20's transcript):
a paid job -> the client approves the estimate in chat -> an engineer accepts, goes on site and is done with
1.5 h and a part from the price list -> charge lines -> the month's act as PDF, rendered to PNG for a look.

Also: Accept waits while the estimate is pending, a declined estimate cancels the request, a debtor's job
waits for a supervisor's buttons, and a typed part needs its cost."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from helpdesk.billing.act_pdf import act_pdf
from helpdesk.demo.loader import load_directory, read_directory
from storage.uow import UnitOfWorkFactory
from tests.fakes.fake_kb import FakeKnowledgeBase
from tests.support.transcript import ChatDriver, Person
from ticket_core.billing.accounts import buy_package, record_payment
from ticket_core.billing.ledger import BALANCE, Coverage
from ticket_core.billing.queries import client_act
from ticket_core.billing.terms import ContractTerms, Service, ServiceKind
from ticket_core.enums import Role, TicketStatus
from ticket_core.errors import ValidationFailed
from ticket_core.model import Actor
from ticket_core.usecases.holds import answer_estimate, waiting_estimates

D = Decimal
NOW = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "billing"
ADMIN = Actor(Role.ADMIN, "a-admin", name="Admin")
PRICES = (
    Service("hour-l1", ServiceKind.HOUR, "Час работы инженера L1", "Hour of work, L1", D(2000), level=1),
    Service("hour-l2", ServiceKind.HOUR, "Час работы инженера L2", "Hour of work, L2", D(2500), level=2),
    Service("hour-l3", ServiceKind.HOUR, "Час работы инженера L3", "Hour of work, L3", D(3000), level=3),
    Service("callout", ServiceKind.CALLOUT, "Выезд инженера", "Engineer call-out", D(1500)),
    Service("parts", ServiceKind.PART, "Запчасти", "Parts", margin_pct=D(20)),
    Service("valve", ServiceKind.PART, "Кран шаровой 1/2", "Ball valve 1/2", D(1200), margin_pct=D(20)),
    Service(
        "toner", ServiceKind.PART, "Картридж", "Toner", D(3900), category="printers", margin_pct=D(20)
    ),  # another category's part: not on a plumber's card until "Other parts"
)

IVAN = Person(Bot.CLIENT, "romashka-ivan", "Иван", "ru")
PETROV = Person(Bot.STAFF, "e-petrov", "Сергей", "ru")
KOZLOV = Person(Bot.STAFF, "e-kozlov", "Дмитрий", "ru")
SOKOLOVA = Person(Bot.STAFF, "s-sokolova", "Ольга", "ru")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _setup(uow_factory: UnitOfWorkFactory, **terms: object) -> None:
    async with uow_factory() as uow:
        await load_directory(uow, read_directory())
        for service in PRICES:
            await uow.billing.put_service(service)
        values: dict[str, object] = {
            "discount_pct": D(10),
            "vat_pct": D(20),
            "valid_from": date(2026, 1, 1),
            "valid_until": date(2027, 12, 31),
            "estimate_required": True,
        }
        values.update(terms)
        await uow.billing.put_terms(ContractTerms("k-romashka", "romashka", **values))  # type: ignore[arg-type]
        await uow.commit()


@pytest.fixture
def engine(uow_factory: UnitOfWorkFactory) -> DialogueEngine:
    return DialogueEngine(
        uow_factory, PayloadSigner("test-secret"), kb=FakeKnowledgeBase([]), nlu=None, clock=Clock()
    )  # type: ignore[arg-type]


@pytest.fixture
async def chat(engine: DialogueEngine) -> AsyncIterator[ChatDriver]:
    for person in (IVAN, PETROV, KOZLOV, SOKOLOVA):
        person.seen = 0  # what each has read, counted per test
    yield ChatDriver(engine.handle)


def joined(texts: list[str]) -> str:
    return "\n---\n".join(texts)


async def _open_plumbing_job(chat: ChatDriver) -> list[str]:
    """Ivan asks for a plumber at the café on Nevsky; returns what he got after sending it."""
    await chat.say(IVAN, "/new")
    await chat.say(IVAN, "Течёт кран на кухне, под раковиной лужа")
    await chat.press(IVAN, "Сантехника")
    await chat.press(IVAN, "Ромашка на Невском")
    await chat.press(IVAN, "Обычная")
    return await chat.press(IVAN, "Отправить заявку")


def _number(text: str) -> int:
    """The request's number from "Заявка HD-1001 оформлена" (PostgreSQL's sequence is not rolled back)."""
    match = re.search(r"Заявка HD-(\d+) оформлена", text)
    assert match is not None, text
    return int(match.group(1))


def _offered_to(chat: ChatDriver, n: int) -> Person | None:
    for engineer in (PETROV, KOZLOV):
        if any(m.card == f"job:{n}" for m in chat.messages(engineer)):
            return engineer
    return None


async def test_paid_job_estimate_approved_done_with_time_and_a_part_charged_and_in_the_act(
    chat: ChatDriver, uow_factory: UnitOfWorkFactory
) -> None:
    await _setup(uow_factory)
    got = joined(await _open_plumbing_job(chat))
    n = _number(got)
    ref = f"HD-{n}"
    # The estimate: the L1 rate less 10 %, the call-out less 10 %, parts at cost + 20 %, prices without VAT;
    # no plumbing job was charged yet, so 1 h is expected: (1,800 + 1,350) + 20 % VAT = 3,780.
    assert f"Заявка {ref} оформлена" in got
    assert (
        f"Работы по заявке {ref} платные по вашему договору: работа инженера 1\u00a0800 ₽/ч, "
        "выезд 1\u00a0350 ₽, запчасти по закупочной цене + 20 % (цены без НДС 20 %); ориентировочно 1 ч работы, "
        "всего около 3\u00a0780 ₽ с НДС.\nНачинать работу?"
    ) in got, got
    assert _offered_to(chat, n) is None  # nobody is offered paid work before the client agrees

    got = await chat.press(IVAN, "✅ Согласен")
    assert got == [f"Спасибо! Смета по {ref} согласована, ищу инженера."]
    engineer = _offered_to(chat, n)
    assert engineer is not None
    card = chat.cards(engineer, f"job:{n}")[-1].text
    assert "Смета согласована клиентом: работа инженера 1\u00a0800 ₽/ч" in card, card
    assert "Платная работа: клиент платит 1\u00a0800 ₽/ч" in card, card  # the approved rate is the price

    await chat.press(engineer, "Принять")
    await chat.press(engineer, "На месте")
    await chat.location(engineer, 59.9321, 30.3482)
    job_card = chat.cards(engineer, f"job:{n}")[-1].text
    assert "✅ Смета согласована клиентом" in job_card, job_card
    got = await chat.press(engineer, "Выполнено")
    assert "нужно фото" in joined(got)
    got = await chat.photo(engineer, "after-1")
    assert f"Опишите, что сделано по {ref}" in joined(got)
    await chat.say(engineer, "Заменил шаровой кран под мойкой.\nЗаменено: кран шаровой 1/2")
    got = await chat.say(engineer, "1,5 ч")  # a typed time: the buttons have no 1.5 h
    parts = chat.cards(engineer, f"parts:{n}")
    assert f"Запчасти по {ref}" in parts[-1].text and "• Кран шаровой 1/2 ×1 — 1\u00a0440 ₽" in parts[-1].text
    # The card offers the parts that fit a plumbing job; the printer's toner is behind "Other parts" (#18).
    labels = [b.text for row in parts[-1].buttons for b in row]
    assert "+ Кран шаровой 1/2" in labels and "+ Картридж" not in labels, labels
    await chat.press(engineer, "📋 Другие запчасти (1)")
    labels = [b.text for row in chat.cards(engineer, f"parts:{n}")[-1].buttons for b in row]
    assert "+ Картридж" in labels and "+ Кран шаровой 1/2" in labels, labels
    got = await chat.say(engineer, "прокладка x2")
    assert got == ["«прокладка» нет в прайс-листе: напишите и цену, например «прокладка x2 350»."]
    await chat.say(engineer, "прокладка x2 50")
    assert "• прокладка ×2 — 60 ₽" in chat.cards(engineer, f"parts:{n}")[-1].text
    got = await chat.press(engineer, "✅ Готово")
    assert f"{ref} закрыта как выполненная" in joined(got), got
    # The client is told what the job cost, after the Done message, from the charge lines (#18).
    told = [re.sub(r"инженера L\d", "инженера L?", text) for text in chat.new_texts(IVAN)]  # whoever took it
    done = next(i for i, text in enumerate(told) if f"{ref}" in text and "Оцените" in text)
    assert told[done + 1 :] == [
        f"💳 Стоимость работ по {ref}:\n"
        "• Работа инженера L? (1,5 ч): 2\u00a0700 ₽\n"
        "• Выезд инженера: 1\u00a0350 ₽\n"
        "• Кран шаровой 1/2: 1\u00a0440 ₽\n"
        "• прокладка (2 шт.): 120 ₽\n"
        "К оплате: 5\u00a0610 ₽, плюс НДС 20 %.\n"
        "Сумма войдёт в акт за этот месяц; если что-то непонятно, спросите здесь."
    ], told

    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None and ticket.status is TicketStatus.RESOLVED
        lines = await uow.billing.entries_for_ticket(ticket.id)
        charged = {(line.line_key or "").split(":", 2)[2]: line for line in lines}
        assert set(charged) == {"hours:billable", "callout:billable", "part:0", "part:1"}, charged
        hours = charged["hours:billable"]
        assert (hours.quantity, hours.unit_price, hours.amount) == (D("1.50"), D(1800), D(-2700))
        assert charged["callout:billable"].amount == D(-1350)
        assert (charged["part:0"].text_ru, charged["part:0"].amount) == (f"Кран шаровой 1/2, {ref}", D(-1440))
        assert (charged["part:1"].quantity, charged["part:1"].amount) == (D(2), D(-120))
        assert all(line.account == BALANCE and line.coverage is Coverage.BILLABLE for line in lines)
        assert await uow.billing.balance("romashka") == D(-5610)
        names = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
        assert (
            names.index("estimate_requested")
            < names.index("estimate_answered")
            < names.index("ticket_offered")
        )
        assert "job_charged" in names
        estimate = next(
            e for e in await uow.events.list_for_ticket(ticket.id) if e["name"] == "estimate_answered"
        )
        assert estimate["data"]["approved"] is True and estimate["actor"]["role"] == "client", estimate
        act = await client_act(uow, ADMIN, "romashka", "2026-11")
    assert (act.subtotal, act.vat, act.total) == (D(5610), D(1122), D(6732))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang in ("ru", "en"):
        data = act_pdf(act, lang, "ООО «Сервис» / Service LLC")
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            text = doc[0].get_text()
            valve, total = (
                ("Кран шаровой 1/2", "6\u00a0732 ₽") if lang == "ru" else ("Ball valve 1/2", "6,732 ₽")
            )
            assert f"{valve}, {ref}" in text and f"прокладка, {ref}" in text and total in text, text
            assert "Ромашка: инженерные системы" in text and "k-romashka" not in text, (
                text
            )  # the contract's name
            doc[0].get_pixmap(dpi=110).save(str(ARTIFACTS / f"chat-act-{lang}.png"))
        (ARTIFACTS / f"chat-act-{lang}.pdf").write_bytes(data)


async def test_a_declined_estimate_cancels_the_request_and_tells_the_supervisors(
    chat: ChatDriver, uow_factory: UnitOfWorkFactory
) -> None:
    await _setup(uow_factory)
    n = _number(joined(await _open_plumbing_job(chat)))
    ref = f"HD-{n}"
    got = await chat.press(IVAN, "✖ Отказаться")
    assert got == [
        f"Хорошо, платные работы по {ref} не начинаем: заявка отменена. Если захотите обсудить цену, напишите нам здесь."
    ]
    assert f"отказался от сметы по {ref}: заявка отменена." in joined(chat.new_texts(SOKOLOVA))
    assert _offered_to(chat, n) is None
    got = await chat.press(IVAN, "✅ Согласен")  # a second answer changes nothing
    assert got == [f"{ref}: ответ уже получен."]
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None and ticket.status is TicketStatus.CANCELLED
        names = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
        assert "estimate_answered" in names and "ticket_cancelled" in names and "ticket_offered" not in names


async def test_a_supervisor_approves_the_estimate_for_the_client_saying_how_they_agreed(
    chat: ChatDriver, engine: DialogueEngine, uow_factory: UnitOfWorkFactory
) -> None:
    """The admin's "Approve for the client" (by phone): who and why in the audit, the client told, the job routed."""
    await _setup(uow_factory)
    n = _number(joined(await _open_plumbing_job(chat)))
    ref = f"HD-{n}"
    sokolova = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None
        assert [t.number for t, _ in await waiting_estimates(uow, sokolova, "romashka")] == [n]
        assert await waiting_estimates(uow, sokolova, "acme") == []
    ticket_id = ticket.id

    def answer(reason: str, approve: bool = True) -> object:
        async def work(uow: UnitOfWorkFactory, now: datetime) -> None:
            await answer_estimate(uow, sokolova, ticket_id, approve, now, reason)  # type: ignore[arg-type]

        return work

    with pytest.raises(ValidationFailed):  # staff answering for the client must say why
        await engine.run_system(answer("  "))  # type: ignore[arg-type]
    assert _offered_to(chat, n) is None
    for out in await engine.run_system(answer("по телефону с Иваном, 14:20")):  # type: ignore[arg-type]
        chat.received.setdefault((str(out.bot), out.chat_id), []).append(out)
    told = joined(chat.new_texts(IVAN))
    assert f"Смета по {ref} согласована от вашего имени: Ольга Соколова (по телефону с Иваном, 14:20)" in told
    assert _offered_to(chat, n) is not None  # routed in the same transaction
    assert await chat.press(IVAN, "✅ Согласен") == [f"{ref}: ответ уже получен."]
    async with uow_factory() as uow:
        answered = [
            e for e in await uow.events.list_for_ticket(ticket_id) if e["name"] == "estimate_answered"
        ]
        assert len(answered) == 1, answered
        assert answered[0]["data"]["on_behalf"] is True
        assert answered[0]["data"]["reason"] == "по телефону с Иваном, 14:20"
        assert answered[0]["actor"]["id"] == "s-sokolova" and answered[0]["actor"]["role"] == "supervisor"
        assert await waiting_estimates(uow, sokolova, "romashka") == []


async def test_a_debtors_job_waits_for_a_supervisor_then_the_estimate(
    chat: ChatDriver, uow_factory: UnitOfWorkFactory
) -> None:
    await _setup(uow_factory, hold_debtors=True, credit_limit=D(1000))
    async with uow_factory() as uow:  # 15,000 owed: a package of 5 h bought on credit, 1 ₽ paid
        await record_payment(uow, ADMIN, "romashka", D(1), NOW)
        await buy_package(uow, ADMIN, "romashka", D(5), D(15001), 3, NOW)
        await uow.commit()
    got = joined(await _open_plumbing_job(chat))
    n = _number(got)
    ref = f"HD-{n}"
    assert "По договору есть задолженность 15\u00a0000 ₽" in got, got
    assert f"Работы по заявке {ref} платные" not in got  # the supervisor first
    held = chat.cards(SOKOLOVA, f"hold:{n}")[-1]
    assert f"{ref} (Кафе «Ромашка»" in held.text and "долг клиента 15\u00a0000 ₽" in held.text, held.text
    assert _offered_to(chat, n) is None
    await chat.press(SOKOLOVA, "▶ Отдать инженеру")
    assert "отдана инженеру (Ольга Соколова)" in chat.cards(SOKOLOVA, f"hold:{n}")[-1].text
    # A prepaid package pays for the work, so no estimate is asked: the job goes to an engineer.
    engineer = _offered_to(chat, n)
    assert engineer is not None
    card = chat.cards(engineer, f"job:{n}")[-1].text
    assert (
        "Долг клиента: 15\u00a0000 ₽" in card and "Отдана в работу несмотря на долг: Ольга Соколова" in card
    ), card


async def _on_site_with_an_approved_estimate(chat: ChatDriver) -> tuple[int, Person]:
    """A paid plumbing job whose estimate Ivan approved, accepted and on site."""
    n = _number(joined(await _open_plumbing_job(chat)))
    await chat.press(IVAN, "✅ Согласен")
    engineer = _offered_to(chat, n)
    assert engineer is not None
    await chat.press(engineer, "Принять")
    await chat.press(engineer, "На месте")
    await chat.location(engineer, 59.9321, 30.3482)
    return n, engineer


async def test_the_engineer_revises_the_estimate_on_site_and_the_client_approves_it_before_the_extra_work(
    chat: ChatDriver, uow_factory: UnitOfWorkFactory
) -> None:
    """#20: after the diagnosis the engineer revises the estimate (3 h, parts 2,500); Done waits for the client;
    the client approves with the same buttons; the engineer hears it; the 3 h are charged at the agreed rate."""
    await _setup(uow_factory)
    n, engineer = await _on_site_with_an_approved_estimate(chat)
    ref = f"HD-{n}"
    got = await chat.say(engineer, f"/estimate {ref} 3")
    assert got == [f"Новая смета по {ref} отправлена клиенту: 6\u00a0750 ₽ без НДС. "
                   "Дополнительные работы — после его согласия; я сообщу."], got  # fmt: skip
    told = joined(chat.new_texts(IVAN))
    # 3 h at the approved 1,800, the call-out 1,350, no parts: 6,750 + 20 % VAT = 8,100; before: 3,780.
    assert (
        f"🔧 После диагностики инженер пересмотрел смету по {ref}: 3 ч работы по 2\u00a0160 ₽/ч, запчасти 0 ₽, "
        "выезд 1\u00a0620 ₽; всего 8\u00a0100 ₽ с НДС (согласованная вами смета: около 3\u00a0780 ₽).\n"
        "Продолжать работу?"
    ) in told, told
    again = await chat.say(engineer, f"/estimate {ref} 4 100")  # one revision a visit
    assert again == [f"Смету по {ref} в этот раз уже пересматривали."], again
    async with uow_factory() as uow:  # Done waits for the client's answer
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None
        from ticket_core.usecases.work import resolve_ticket

        member = Actor(Role.ENGINEER, ticket.assignee_id or "", name="x")
        with pytest.raises(ValidationFailed, match="waits for the client to approve the revised estimate"):
            await resolve_ticket(uow, member, ticket.id, NOW, "done", 180)

    got = await chat.press(IVAN, "✅ Согласен")
    assert got == [f"Спасибо! Инженер продолжает работу по {ref} по новой смете."], got
    assert f"✅ Клиент согласовал новую смету по {ref}: продолжайте работу." in joined(
        chat.new_texts(engineer)
    )
    assert await chat.press(IVAN, "✅ Согласен") == [f"{ref}: ответ уже получен."]

    await chat.press(engineer, "Выполнено")
    await chat.photo(engineer, "after-1")
    await chat.say(engineer, "Заменил стояк под мойкой.")
    await chat.say(engineer, "3 ч")
    await chat.say(engineer, "прокладка x2 50")
    got = await chat.press(engineer, "✅ Готово")
    assert f"{ref} закрыта как выполненная" in joined(got), got
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None and ticket.status is TicketStatus.RESOLVED
        lines = {
            (line.line_key or "").split(":", 2)[2]: line
            for line in await uow.billing.entries_for_ticket(ticket.id)
        }
        hours = lines["hours:billable"]
        assert (hours.quantity, hours.unit_price, hours.amount) == (D("3.00"), D(1800), D(-5400))
        events = await uow.events.list_for_ticket(ticket.id)
        names = [e["name"] for e in events]
        assert names.index("estimate_revised") < names.index("revision_answered") < names.index("job_charged")
        revised = next(e for e in events if e["name"] == "estimate_revised")
        assert revised["data"]["quote"]["total"] == "6750.00" and revised["data"]["before"] == "3150.00"
        assert revised["actor"]["id"] == engineer.account and revised["actor"]["role"] == "engineer"
        answered = next(e for e in events if e["name"] == "revision_answered")
        assert answered["data"]["approved"] is True and answered["actor"]["role"] == "client"


async def test_a_supervisor_declines_the_revised_estimate_for_the_client(
    chat: ChatDriver, engine: DialogueEngine, uow_factory: UnitOfWorkFactory
) -> None:
    """The supervisor path as for the first estimate: the admin's waiting list shows the revision; a decline
    for the client (by phone) tells the engineer to do only the first estimate's work, and the client."""
    await _setup(uow_factory)
    n, engineer = await _on_site_with_an_approved_estimate(chat)
    ref = f"HD-{n}"
    await chat.say(engineer, f"/estimate {ref} 5 12000")
    sokolova = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
    async with uow_factory() as uow:
        [(ticket, hold)] = await waiting_estimates(uow, sokolova, "romashka")
    assert ticket.number == n and hold.details["total"] == "22350.00"

    async def work(uow: UnitOfWorkFactory, now: datetime) -> None:
        await answer_estimate(uow, sokolova, ticket.id, False, now, "по телефону: дорого")  # type: ignore[arg-type]

    for out in await engine.run_system(work):  # type: ignore[arg-type]
        chat.received.setdefault((str(out.bot), out.chat_id), []).append(out)
    assert f"✖ Клиент не согласовал новую смету по {ref}" in joined(chat.new_texts(engineer))
    assert f"Новую смету по {ref} отклонил(а) за вас Ольга Соколова (по телефону: дорого)." in joined(
        chat.new_texts(IVAN)
    )
    async with uow_factory() as uow:
        current = await uow.tickets.get(ticket.id)
        assert current is not None and current.status is TicketStatus.IN_PROGRESS  # not cancelled
        assert await waiting_estimates(uow, sokolova, "romashka") == []
        [answered] = [
            e for e in await uow.events.list_for_ticket(ticket.id) if e["name"] == "revision_answered"
        ]
        assert answered["data"]["on_behalf"] is True and answered["data"]["approved"] is False


def _card_labels(chat: ChatDriver, engineer: Person, n: int) -> list[str]:
    """The buttons the job's card shows now (its last version)."""
    card = chat.cards(engineer, f"job:{n}")[-1]
    return [b.text for row in card.buttons for b in row]


async def test_the_job_card_asks_for_a_revised_estimate_and_help_names_the_command(
    chat: ChatDriver, uow_factory: UnitOfWorkFactory
) -> None:
    """#20: the engineer need not know /estimate: /help lists it, and on site the card of a paid job has
    "Новая смета", which asks for the hours and parts; an unreadable answer is asked again and changes nothing;
    once sent, the client gets it and the button is gone (one revision a visit)."""
    await _setup(uow_factory)
    assert "/estimate HD-1042 3 2500 — новая смета на месте" in joined(await chat.say(PETROV, "/help"))
    n = _number(joined(await _open_plumbing_job(chat)))
    ref = f"HD-{n}"
    await chat.press(IVAN, "✅ Согласен")
    engineer = _offered_to(chat, n)
    assert engineer is not None
    await chat.press(engineer, "Принять")
    assert "Новая смета" not in _card_labels(chat, engineer, n)  # not on site yet
    await chat.press(engineer, "На месте")
    await chat.location(engineer, 59.9321, 30.3482)
    assert "Новая смета" in _card_labels(chat, engineer, n)

    got = await chat.press(engineer, "Новая смета")
    assert got == [
        f"Новая смета по {ref}: сколько часов работы и сколько стоят запчасти? Напишите, например, «3 2500» "
        "(3 ч и запчасти на 2 500) или «1,5» (без запчастей). Клиент согласует её до дополнительных работ."
    ], got
    got = await chat.say(engineer, "часа три")
    assert got == ["Не понял. Напишите часы работы и, если нужны запчасти, их стоимость: например, «3 2500» "
                   "или «1,5»."], got  # fmt: skip
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None
        assert "estimate_revised" not in [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
    got = await chat.say(engineer, "3 2 500")
    assert f"Новая смета по {ref} отправлена клиенту: 9\u00a0250 ₽ без НДС." in joined(got), got
    assert "Новая смета" not in _card_labels(chat, engineer, n)
    assert f"🔧 После диагностики инженер пересмотрел смету по {ref}: 3 ч работы" in joined(
        chat.new_texts(IVAN)
    )
    async with uow_factory() as uow:
        ticket = await uow.tickets.get_by_number(n)
        assert ticket is not None
        revised = [e for e in await uow.events.list_for_ticket(ticket.id) if e["name"] == "estimate_revised"]
        assert [(e["data"]["quote"]["hours"], e["data"]["quote"]["parts"]) for e in revised] == [
            ("3.00", "2500.00")
        ]
