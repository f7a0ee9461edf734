"""A sticker scanned into a ticket (#19): the QR code is decoded from the generated PDF's page image, its link
is followed into the client bot (the Telegram fake, through the real app and aiogram), and the ticket opened
there names the unit, with its site and category known; a visitor of another client reports the same unit,
flagged. One transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from aiohttp import web

from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.stickers import Sticker, StickerLinks, sticker_pdf
from helpdesk.web import build_web_app
from storage.migrate import upgrade
from tests.e2e.test_telegram_loop import CLIENT_TOKEN, STAFF_TOKEN, button, reply
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.pdf_pages import page_images
from ticket_core.enums import PersonKind
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor, ChannelAccount

IVAN = 5101  # Иван Кузнецов of Ромашка, whose site the unit is at
VISITOR = 5102  # a stranger with no account yet
ARTIFACTS = Path("var/test-artifacts/equipment")


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as fake:
        yield fake


@pytest.fixture
async def app(tmp_path: Path, api: FakeTelegramAPI, unused_tcp_port: int) -> AsyncIterator[Runtime]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        telegram_client_token=CLIENT_TOKEN,
        telegram_staff_token=STAFF_TOKEN,
        telegram_api_base=api.base_url,
        kb_embedder="none",
        secret_key="e2e-secret",
        worker_poll_s=0.05,
        telegram_rate_limits=False,
        telegram_polling_timeout_s=1,
    )
    await upgrade(settings.database_url)
    await seed_demo(settings, with_kb=False)
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()
        await runner.cleanup()


async def _register_unit(rt: Runtime) -> list[Sticker]:
    now = datetime.now(UTC)
    system = Actor.system()
    async with rt.uows() as uow:
        await eq.save_type(uow, system, EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac"), now)
        await eq.import_units(
            uow,
            system,
            "site,type,name,model,location,warranty_until\n"
            "rom-nevsky,ac,Hall AC,Daikin FTXB35C,зал у окна,2027-05-01\n",
            now,
        )
        await uow.accounts.link(
            ChannelAccount("telegram", "client", str(IVAN), PersonKind.CONTACT, "romashka-ivan", str(IVAN))
        )
        await uow.commit()
        found = await eq.sticker_units(uow, system, UnitFilter(site_id="rom-nevsky"))
    return [Sticker(u, t, s) for u, t, s in found]


def _scan(pdf: bytes) -> str:
    """Render the PDF's first page as a printer would and read the QR code off the image."""
    page = page_images(pdf)[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.save(ARTIFACTS / "sticker-page.png")
    codes = zxingcpp.read_barcodes(page)
    assert len(codes) == 1, [c.text for c in codes]
    return codes[0].text


async def test_scan_a_sticker_and_report_a_fault_in_telegram(api: FakeTelegramAPI, app: Runtime) -> None:
    stickers = await _register_unit(app)
    unit = stickers[0].unit
    link = _scan(sticker_pdf(stickers, StickerLinks(telegram_bot="RomashkaServiceBot")))
    parsed = urlparse(link)
    assert (parsed.netloc, parsed.path) == ("t.me", "/RomashkaServiceBot")
    start = parse_qs(parsed.query)["start"][0]
    assert start == f"eq-{unit.code}"

    # Telegram opens the bot with the link's parameter: the client gets `/start eq-<code>`.
    c = CLIENT_TOKEN
    api.push_text(IVAN, IVAN, f"/start {start}", first_name="Иван", lang="ru", token=c)
    await reply(
        api, c, IVAN, "Вы сообщаете о неисправности: Кондиционер «Hall AC» (Daikin FTXB35C, зал у окна)"
    )
    await reply(api, c, IVAN, "Опишите проблему")
    api.push_text(IVAN, IVAN, "Течёт вода из внутреннего блока", lang="ru", token=c)
    summary = await reply(api, c, IVAN, "Проверьте заявку")
    text = summary.plain_text or ""
    assert "Тип: Кондиционеры и вентиляция" in text and "Где: Кондиционер «Hall AC»" in text
    assert "Ромашка на Невском" in text and "Срочность: Обычная" in text
    api.push_callback(IVAN, IVAN, button(summary, "Отправить"), lang="ru", token=c)
    await reply(api, c, IVAN, "Заявка HD-1001 оформлена")

    # A visitor (no account, another client) scans the same sticker: they can report, flagged.
    api.push_text(VISITOR, VISITOR, f"/start {start}", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, VISITOR, "Это оборудование другой организации")
    api.push_text(VISITOR, VISITOR, "Из кондиционера капает на пол", lang="ru", token=c)
    await reply(api, c, VISITOR, "Как к вам обращаться")
    api.push_text(VISITOR, VISITOR, "Пётр, +7 916 555-12-34", lang="ru", token=c)
    summary = await reply(api, c, VISITOR, "Проверьте заявку")
    api.push_callback(VISITOR, VISITOR, button(summary, "Отправить"), lang="ru", token=c)
    await reply(api, c, VISITOR, "Заявка HD-1002 оформлена")

    async with app.uows() as uow:
        for number, visitor in ((1001, False), (1002, True)):
            ticket = await uow.tickets.get_by_number(number)
            assert ticket is not None
            assert (ticket.client_id, ticket.site_id, ticket.category) == ("romashka", "rom-nevsky", "hvac")
            assert await uow.equipment.unit_of_ticket(ticket.id) == (unit.id, visitor)
        history = await uow.equipment.history(unit.id)
        assert [(h.number, h.visitor) for h in history] == [(1002, True), (1001, False)]
