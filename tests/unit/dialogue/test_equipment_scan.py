"""A scanned sticker starts the intake with the unit, its site, category and urgency known (#19)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, Unit, UnitFilter, UnitStatus
from ticket_core.model import Actor

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
async def unit(uows: MemoryUnitOfWorkFactory) -> Unit:
    async with uows() as uow:
        await eq.save_type(
            uow, Actor.system(), EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac"), NOW
        )
        await eq.import_units(uow, Actor.system(), "site,type,name,location\nrom-vaska,ac,Зал,у окна\n", NOW)
        await uow.commit()
        return (await uow.equipment.find(UnitFilter()))[0]


async def test_whatsapp_text_with_the_code_opens_a_ticket_on_the_unit(
    chat: ChatDriver, ivan: Person, unit: Unit, uows: MemoryUnitOfWorkFactory
) -> None:
    got = joined(await chat.say(ivan, f"Сообщить о неисправности / Report a fault eq-{unit.code}"))
    assert "Вы сообщаете о неисправности: Кондиционер «Зал» (у окна)" in got
    assert "Ромашка на Васильевском" in got and "Опишите проблему" in got
    assert "Фото добавлено" in joined(await chat.photo(ivan, "web:leak.jpg"))
    summary = joined(await chat.say(ivan, "Капает вода"))
    assert "Где: Кондиционер «Зал» (у окна), Ромашка на Васильевском" in summary
    assert "Тип: Кондиционеры и вентиляция" in summary and "Срочность: Обычная" in summary
    assert "HD-1001" in joined(await chat.press(ivan, "Отправить заявку"))
    async with uows() as uow:
        ticket = await uow.tickets.get_by_number(1001)
        assert ticket is not None and ticket.site_id == "rom-vaska" and len(ticket.attachments) == 1
        assert await uow.equipment.unit_of_ticket(ticket.id) == (unit.id, False)
        events = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
        assert events[:2] == ["ticket_opened", "unit_reported"]


async def test_a_visitor_reports_in_their_language_and_edit_place_drops_the_unit(
    chat: ChatDriver, anna: Person, unit: Unit, uows: MemoryUnitOfWorkFactory
) -> None:
    got = joined(await chat.say(anna, f"/start eq-{unit.code}"))
    assert "You are reporting a fault on: Air conditioner «Зал» (у окна)" in got
    assert "belongs to another organisation" in got
    await chat.say(anna, "Water drips on the floor")
    assert "HD-1001" in joined(await chat.press(anna, "Send"))
    async with uows() as uow:
        ticket = await uow.tickets.get_by_number(1001)
        assert ticket is not None and ticket.client_id == "romashka" and ticket.contact_id == "acme-anna"
        assert await uow.equipment.unit_of_ticket(ticket.id) == (unit.id, True)


async def test_unknown_and_retired_codes_are_not_units(
    chat: ChatDriver, ivan: Person, unit: Unit, uows: MemoryUnitOfWorkFactory
) -> None:
    assert "код оборудования не найден" in joined(await chat.say(ivan, "/start eq-AAAAAAAAAAAA"))
    async with uows() as uow:
        await eq.set_unit_status(uow, Actor.system(), unit.id, UnitStatus.RETIRED, NOW)
        await uow.commit()
    assert "код оборудования не найден" in joined(await chat.say(ivan, f"/start eq-{unit.code}"))
