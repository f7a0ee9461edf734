"""The engineer sees the unit on the offer and job cards (model, warranty, last tickets, a repeat fault within
30 days marked), and the parts a done note names are recorded on the unit (#19)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from tests.unit.dialogue.test_transcripts import joined
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def _unit_code(uows: MemoryUnitOfWorkFactory) -> str:
    async with uows() as uow:
        await eq.save_type(
            uow, Actor.system(), EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac"), NOW
        )
        await eq.import_units(
            uow,
            Actor.system(),
            "site,type,name,model,location,warranty_until\nrom-nevsky,ac,Зал,Daikin FTXB35C,у окна,2025-01-01\n",
            NOW,
        )
        await uow.commit()
        return (await uow.equipment.find(UnitFilter()))[0].code


async def _report(chat: ChatDriver, ivan: Person, code: str, text: str) -> None:
    await chat.say(ivan, f"/start eq-{code}")
    await chat.say(ivan, text)
    await chat.press(ivan, "Отправить заявку")


async def test_offer_and_job_cards_name_the_unit_and_done_records_parts(
    chat: ChatDriver,
    ivan: Person,
    petrov: Person,
    smirnov: Person,
    uows: MemoryUnitOfWorkFactory,
    clock: Clock,
) -> None:
    code = await _unit_code(uows)
    await _report(chat, ivan, code, "Капает вода на столы")
    offer = joined(chat.new_texts(petrov))
    assert "Новая заявка HD-1001" in offer
    assert (
        "Оборудование: Кондиционер «Зал» (Daikin FTXB35C, у окна); гарантия закончилась 01.01.2025" in offer
    )
    assert "Повторная" not in offer and "Последние заявки" not in offer

    await chat.press(petrov, "Принять")
    card = chat.cards(petrov, "job:1001")[-1]
    assert "Оборудование: Кондиционер «Зал»" in card.text
    await chat.press(petrov, "Выполнено")
    for item in ("⬜ Очистить фильтры", "⬜ Проверить дренаж", "⬜ Замерить температуру"):
        await chat.press(petrov, item)
    await chat.press(petrov, "Всё сделано")
    got = joined(await chat.photo(petrov, "after-1"))
    assert "Меняли детали? Добавьте строку «Заменено: фильтр x2, ремень»" in got
    await chat.say(petrov, "Прочистил дренаж\nЗаменено: фильтр x2, дренажный насос")
    got = joined(await chat.press(petrov, "1 ч"))
    assert "HD-1001: в историю оборудования записано: фильтр x2, дренажный насос x1." in got

    clock.advance(days=5)
    chat.new_texts(ivan)
    await _report(chat, ivan, code, "Снова капает")
    offer = joined(chat.new_texts(petrov) + chat.new_texts(smirnov))
    assert "Новая заявка HD-1002" in offer
    assert "⚠ Повторная неисправность: HD-1001 5 дн. назад" in offer
    assert "Последние заявки: HD-1001 02.03.2026 (выполнена)" in offer
    async with uows() as uow:
        unit = (await uow.equipment.find(UnitFilter()))[0]
        card = await eq.unit_card(uow, Actor.system(), unit.id)
    assert [(p.part, p.quantity) for p in card.parts] in (
        [("дренажный насос", 1), ("фильтр", 2)],
        [("фильтр", 2), ("дренажный насос", 1)],
    )


async def test_an_english_engineer_reads_the_unit_in_english(
    chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    from dialogue.equipment_cards import unit_lines

    code = await _unit_code(uows)
    await _report(chat, ivan, code, "Капает вода")
    async with uows() as uow:
        ticket = await uow.tickets.get_by_number(1001)
        assert ticket is not None
        lines = await unit_lines(uow, ticket, "en", NOW)
    assert lines == "\nEquipment: Air conditioner «Зал» (Daikin FTXB35C, у окна); warranty ended 2025-01-01"
