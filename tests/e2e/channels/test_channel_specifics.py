"""What only one channel has: more unsupported kinds, a known WhatsApp number, Telegram's pacing setting.

The parametrized transcripts already send a Telegram sticker, a WhatsApp reaction and an empty web chat message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpdesk.demo.loader import read_directory
from tests.e2e.channels.app import CLIENT_TOKEN, RunningApp, running_app
from tests.e2e.channels.script import ticket_rows
from tests.e2e.channels.staff import find_offer
from tests.e2e.channels.telegram_driver import TelegramDriver
from tests.e2e.channels.visitors import TELEGRAM_USER, make_driver
from tests.e2e.channels.whatsapp_driver import WhatsAppDriver
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET

POLITE = "Я пока понимаю текст"
# The polite answer comes within a fraction of a second.
QUICK = 3.0


async def test_a_telegram_voice_note_gets_the_polite_answer(app: RunningApp) -> None:
    client = make_driver("telegram", app)
    assert isinstance(client, TelegramDriver)
    await client.send_voice()
    await client.wait_for(POLITE, timeout=QUICK)


async def test_a_whatsapp_sticker_gets_the_polite_answer(app: RunningApp) -> None:
    client = make_driver("whatsapp", app)
    assert isinstance(client, WhatsAppDriver)
    await client.send_sticker()
    await client.wait_for(POLITE, timeout=QUICK)


async def test_a_known_whatsapp_number_is_the_demo_contact_and_picks_one_of_its_sites(
    app: RunningApp,
) -> None:
    anna = next(c for c in read_directory()["contacts"] if c["id"] == "acme-anna")
    client = WhatsAppDriver(
        app.whatsapp, app.whatsapp_webhook, DEFAULT_APP_SECRET, anna["phone"].lstrip("+"), "Anna"
    )
    await client.say("/new")
    await client.wait_for("Describe the problem")  # Anna's language is English
    await client.say("The printer in room 3 is offline")
    await client.wait_for("What is it about?")
    await client.press("Printers")
    await client.wait_for("Choose a site")
    await client.press("Warehouse 1")
    await client.wait_for("How urgent is it?")
    await client.press("Normal")
    summary = await client.wait_for_summary(
        "Please check the request", "What is your name", "Anna, +44 20 7946 0958"
    )
    assert "Warehouse 1" in summary
    await client.press("Send the request")
    assert "HD-1001" in await client.wait_for("is open")

    engineer = await find_offer(app.http, app.base_url, "HD-1001")
    assert "ACME Logistics" in engineer.offer
    [row] = await ticket_rows(app)
    assert (row["site_id"], row["client_id"]) == ("acme-wh1", "acme")


@pytest.fixture
async def app_as_configured(demo_db: Path, tmp_path: Path) -> AsyncIterator[RunningApp]:
    """The app exactly as build_runtime wires it from the settings."""
    async with running_app(demo_db, tmp_path / "uploads") as running:
        yield running


async def test_telegram_rate_limits_setting_is_honoured(app_as_configured: RunningApp) -> None:
    app = app_as_configured
    assert app.rt.settings.telegram_rate_limits is False
    client = make_driver("telegram", app)
    for _ in range(6):
        await client.say("/help")
    for _ in range(6):
        await client.wait_for("/tickets")
    sent = [
        call.at
        for call in app.telegram.calls_to("sendMessage", token=CLIENT_TOKEN)
        if call.params.get("chat_id") == TELEGRAM_USER
    ]
    assert len(sent) == 6
    # Paced at 1/s after a burst of 3 this takes about 3 s; unpaced, a fraction of a second.
    assert sent[-1] - sent[0] < 1.5, f"6 answers took {sent[-1] - sent[0]:.1f}s"
