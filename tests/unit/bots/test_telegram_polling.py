"""Polling on the real aiogram stack against the fake Bot API: updates arrive as the right Inbound."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.client.session.aiohttp import AiohttpSession

from bots.telegram import TelegramChannel, TelegramSetupError
from dialogue.messages import Bot, Channel, Contact, Inbound, Location
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.unit.bots.conftest import ChannelFactory, Inbox


async def test_text_message_becomes_inbound(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    update = api.push_text(
        chat_id=42, user_id=42, text="Не работает кондиционер", first_name="Анна", lang="ru"
    )

    [inbound] = await inbox.wait(1)

    assert inbound == Inbound(
        channel=Channel.TELEGRAM,
        bot=Bot.CLIENT,
        chat_id="42",
        sender_id="42",
        dedup_key=f"tg:client:{update['update_id']}",
        text="Не работает кондиционер",
        sender_name="Анна",
        lang="ru",
    )


async def test_button_press_is_answered_and_carries_payload(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(bot_kind=Bot.STAFF)
    await channel.start_polling()
    update = api.push_callback(chat_id=-1001, user_id=7, data="offer:accept:T-1", message_id=3)

    [inbound] = await inbox.wait(1)
    answer = await api.wait_for_call("answerCallbackQuery")

    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
    assert inbound.payload == "offer:accept:T-1"
    assert inbound.text is None
    assert (inbound.chat_id, inbound.sender_id, inbound.bot) == ("-1001", "7", Bot.STAFF)
    assert inbound.dedup_key == f"tg:staff:{update['update_id']}"


async def test_photo_takes_the_largest_size_and_caption(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    update = api.push_photo(chat_id=42, user_id=42, caption="вот шильдик")

    [inbound] = await inbox.wait(1)

    largest = update["message"]["photo"][-1]
    assert [(m.kind, m.file_id) for m in inbound.media] == [("photo", largest["file_id"])]
    assert inbound.text == "вот шильдик"
    assert inbound.media[0].caption == "вот шильдик"


async def test_location_and_contact(api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    await channel.start_polling()
    api.push_location(chat_id=42, user_id=42, lat=55.7558, lon=37.6173)
    api.push_contact(chat_id=42, user_id=42, phone="+79001234567", first_name="Anna", last_name="K")

    located, shared = await inbox.wait(2)

    assert located.location == Location(lat=55.7558, lon=37.6173)
    assert located.text is None
    assert shared.contact == Contact(phone="+79001234567", first_name="Anna", last_name="K", user_id="42")


async def test_edited_message_and_forum_topic(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(bot_kind=Bot.STAFF)
    await channel.start_polling()
    api.push_text(chat_id=-100500, user_id=9, text="/jobs", chat_type="supergroup", thread_id=77)
    api.push_text(chat_id=42, user_id=42, text="fixed typo", edited=True)

    in_topic, edited = await inbox.wait(2)

    assert (in_topic.chat_id, in_topic.thread_id, in_topic.text) == ("-100500", "77", "/jobs")
    assert (edited.text, edited.thread_id) == ("fixed typo", None)


async def test_service_messages_are_skipped(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    api.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 1700000000,
                "chat": {"id": -5, "type": "group", "title": "Staff"},
                "from": {"id": 5, "is_bot": False, "first_name": "Ivan"},
                "new_chat_members": [{"id": 6, "is_bot": False, "first_name": "Petr"}],
            }
        }
    )
    api.push_text(chat_id=42, user_id=42, text="after")

    items = await inbox.wait(1)
    await asyncio.sleep(0.05)

    assert [i.text for i in items] == ["after"]


async def test_failing_app_does_not_stop_polling(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    seen: list[str | None] = []
    second = asyncio.Event()

    async def flaky(inbound: Inbound) -> None:
        seen.append(inbound.text)
        if inbound.text == "boom":
            raise RuntimeError("engine bug")
        second.set()

    channel = await make_channel(on_inbound=flaky)
    await channel.start_polling()
    api.push_text(chat_id=42, user_id=42, text="boom")
    api.push_text(chat_id=42, user_id=42, text="still there?")

    await asyncio.wait_for(second.wait(), 5)

    assert seen == ["boom", "still there?"]
    assert not any(c.method.startswith("send") for c in api.calls), "the adapter must not answer by itself"


async def test_one_chat_in_order_while_another_is_not_held_up(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    order: list[str] = []
    release = asyncio.Event()
    fast_done = asyncio.Event()
    all_done = asyncio.Event()

    async def app(inbound: Inbound) -> None:
        if inbound.text == "slow-1":
            await release.wait()
        order.append(inbound.text or "")
        if inbound.text == "fast":
            fast_done.set()
        if len(order) == 3:
            all_done.set()

    channel = await make_channel(on_inbound=app)
    await channel.start_polling()
    api.push_text(chat_id=1, user_id=1, text="slow-1")
    api.push_text(chat_id=1, user_id=1, text="slow-2")
    api.push_text(chat_id=2, user_id=2, text="fast")

    await asyncio.wait_for(fast_done.wait(), 5)
    assert order == ["fast"], "chat 2 waited for chat 1"
    release.set()
    await asyncio.wait_for(all_done.wait(), 5)
    assert order == ["fast", "slow-1", "slow-2"]


async def test_polling_confirms_updates_and_stop_is_clean(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    api.push_text(chat_id=42, user_id=42, text="one")
    await inbox.wait(1)
    api.push_text(chat_id=42, user_id=42, text="two")
    await inbox.wait(2)
    await api.wait_for_call("getUpdates", predicate=lambda c: api.pending_updates() == 0)

    await channel.stop()
    await channel.stop()  # idempotent

    assert [i.text for i in inbox.items] == ["one", "two"]
    assert api.calls_to("deleteWebhook"), "polling must drop a webhook first or getUpdates answers 409"
    session = channel.bot.session
    assert isinstance(session, AiohttpSession)
    assert session._session is None or session._session.closed


async def test_rejected_token_is_a_clear_setup_error(api: FakeTelegramAPI, inbox: Inbox) -> None:
    api.valid_tokens = {"1:other"}
    channel = TelegramChannel(Bot.CLIENT, "999:revoked", inbox, api_base=api.base_url)
    try:
        with pytest.raises(TelegramSetupError, match="TELEGRAM_CLIENT_TOKEN"):
            await channel.start_polling()
    finally:
        await channel.stop()
