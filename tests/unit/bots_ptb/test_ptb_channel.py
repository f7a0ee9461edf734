"""What only the python-telegram-bot adapter has to get right: its PTB lifecycle, and staying free of aiogram."""

from __future__ import annotations

import ast
import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import bots.telegram_ptb
import bots.telegram_ptb.channel as ptb_channel
from bots.telegram_ptb import PtbTelegramChannel, TelegramSetupError
from bots.telegram_ptb.channel import check_token
from dialogue.messages import Bot, Channel, Outbound
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory, Inbox, serve

PATH = "/webhook/telegram/staff"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_package_never_imports_aiogram_itself() -> None:
    package = Path(bots.telegram_ptb.__file__).parent
    files = sorted(package.glob("*.py"))
    assert len(files) >= 5

    offenders = {
        f.name: sorted(m for m in _imported_modules(f) if m.split(".")[0] == "aiogram") for f in files
    }

    assert {name: mods for name, mods in offenders.items() if mods} == {}


@pytest.mark.parametrize("token", ["", "123456", "abc:def", "123:", "12 3:abc", "123:abc def"])
def test_malformed_token_is_a_value_error_that_says_where_to_get_one(token: str) -> None:
    with pytest.raises(ValueError, match="BotFather"):
        check_token(token)


def test_repr_names_the_bot_without_the_secret(api: FakeTelegramAPI, inbox: Inbox) -> None:
    channel = PtbTelegramChannel(Bot.STAFF, "777:very-secret", inbox, api_base=api.base_url)

    assert repr(channel) == "PtbTelegramChannel(staff, bot id 777)"
    assert "very-secret" not in repr(channel)


async def test_stop_closes_the_http_clients_even_after_only_sending(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.send(Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "hi"))

    await channel.stop()

    # HTTPXRequest has no public "closed"; the httpx client is what holds sockets open.
    assert channel._request._client.is_closed
    assert channel._updates_request._client.is_closed
    assert not channel.application.running
    assert api.calls_to("getMe") == [], "sending alone must not need getMe"


async def test_webhook_mode_initialises_once_and_never_polls(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(bot_kind=Bot.STAFF, webhook_secret="k")
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, url = await serve(app, PATH)
    try:
        for n in range(3):
            update = api.push_text(chat_id=-100, user_id=5, text=f"m{n}", chat_type="supergroup")
            assert await api.post_to_webhook(url, update, "k") == 200
    finally:
        await runner.cleanup()

    assert [i.text for i in inbox.items] == ["m0", "m1", "m2"]
    assert len(api.calls_to("getMe")) == 1
    assert api.calls_to("getUpdates") == []


async def test_conversion_bug_is_logged_and_the_next_update_still_handled(
    api: FakeTelegramAPI,
    inbox: Inbox,
    make_channel: ChannelFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bots.telegram_ptb import handlers

    real = handlers.update_to_inbound

    def sometimes_broken(bot_kind: Bot, update: dict[str, Any]) -> object:
        if update["message"].get("text") == "crash":
            raise KeyError("a field we did not expect")
        return real(bot_kind, update)

    monkeypatch.setattr(handlers, "update_to_inbound", sometimes_broken)
    channel = await make_channel()
    await channel.start_polling()

    with caplog.at_level(logging.ERROR, logger="bots.telegram_ptb.channel"):
        api.push_text(chat_id=42, user_id=42, text="crash")
        api.push_text(chat_id=42, user_id=42, text="fine")
        items = await inbox.wait(1)

    assert [i.text for i in items] == ["fine"]
    assert any("could not be handled" in r.getMessage() for r in caplog.records)


async def test_polling_starts_once_telegram_becomes_reachable(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ptb_channel, "RETRY_START_S", (0.01,))
    api.fail_next("getMe", status=502, times=2)
    channel = await make_channel()

    await channel.start_polling()  # getMe fails: no error, a retry in the background
    api.push_text(chat_id=42, user_id=42, text="after the outage")

    [inbound] = await inbox.wait(1)
    assert inbound.text == "after the outage"
    assert [c.status for c in api.calls if c.method == "getMe"] == [502, 502, 200]


async def test_rejected_token_stops_the_background_retry(
    api: FakeTelegramAPI, make_channel: ChannelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ptb_channel, "RETRY_START_S", (0.01,))
    api.fail_next("getMe", status=502)
    channel = await make_channel()
    await channel.start_polling()
    api.valid_tokens = {"1:someone-else"}

    for _ in range(100):
        if channel._starting is not None and channel._starting.done():
            break
        await asyncio.sleep(0.01)

    await asyncio.sleep(0.05)  # no further tries
    assert channel._starting is not None and channel._starting.done()
    assert [c.status for c in api.calls if c.method == "getMe"] == [502, 401]
    assert not channel.application.running


async def test_set_webhook_with_a_rejected_token_names_the_setting(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    api.valid_tokens = {"1:other"}
    channel = await make_channel(bot_kind=Bot.STAFF, token="5:revoked")

    with pytest.raises(TelegramSetupError, match="TELEGRAM_STAFF_TOKEN"):
        await channel.set_webhook("https://example.org/hook")

    assert api.calls_to("setWebhook") == []


async def test_webhook_answers_500_while_telegram_cannot_be_reached(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(webhook_secret="k")
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, url = await serve(app, PATH)
    api.fail_next("getMe", status=502)
    try:
        update = api.push_text(chat_id=42, user_id=42, text="later")
        async with aiohttp.ClientSession() as http:
            first = await http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "k"})
        # A 5xx makes Telegram re-send the update, which then goes through.
        second = await api.post_to_webhook(url, update, "k")
    finally:
        await runner.cleanup()

    assert (first.status, second) == (500, 200)
    assert [i.text for i in inbox.items] == ["later"]


async def test_the_token_never_reaches_the_logs(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "TEST-TOKEN-client"
    assert secret in api.default_token
    channel = await make_channel()

    with caplog.at_level(logging.DEBUG):
        await channel.start_polling()
        api.push_text(chat_id=42, user_id=42, text="hi")
        await inbox.wait(1)
        await channel.send(Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "hello"))
        await channel.stop()

    messages = [r.getMessage() for r in caplog.records]
    assert any("/bot<token>/sendMessage" in m for m in messages), "httpx request lines are still logged"
    assert not [m for m in messages if secret in m]


async def test_rejected_token_error_does_not_repeat_the_token(api: FakeTelegramAPI, inbox: Inbox) -> None:
    api.valid_tokens = set()
    channel = PtbTelegramChannel(Bot.CLIENT, "999:SECRET-PART", inbox, api_base=api.base_url)
    try:
        with pytest.raises(TelegramSetupError) as caught:
            await channel.start_polling()
    finally:
        await channel.stop()

    assert "SECRET-PART" not in str(caught.value)
