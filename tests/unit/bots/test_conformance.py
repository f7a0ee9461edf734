"""One contract for both Telegram adapters: aiogram (`bots.telegram`) and python-telegram-bot (`bots.telegram_ptb`).

Every test here runs against each adapter over real HTTP with the fake Bot API, so the app may pick either
by a setting and get the same `Inbound`s, the same Bot API calls and the same `DeliveryError`s.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import telegram
from aiogram import types as aiogram_types
from aiohttp import web

from bots.ratelimit import Rate
from bots.telegram import TelegramChannel
from bots.telegram.handlers import update_dict
from bots.telegram_common import TelegramLimits, TelegramSetupError
from bots.telegram_common.inbound import update_to_inbound
from bots.telegram_common.text import tg_len
from bots.telegram_ptb import PtbTelegramChannel
from dialogue.messages import (
    Bot,
    Button,
    Channel,
    Contact,
    DeliveryError,
    Inbound,
    InboundNotRecorded,
    Location,
    Media,
    Outbound,
)
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory, Inbox, serve

# PTB 22 itself reads RetryAfter.retry_after while building the error, which warns about a future type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PATH = "/webhook/telegram/client"
SECRET = "s3cret-Token_1"


@pytest.fixture(params=[TelegramChannel, PtbTelegramChannel], ids=["aiogram", "ptb"])
def channel_class(request: pytest.FixtureRequest) -> type:
    return request.param  # type: ignore[no-any-return]


def out(text: str, chat_id: str = "42", **kwargs: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.CLIENT, chat_id, text, **kwargs)  # type: ignore[arg-type]


# --- the interface -------------------------------------------------------------------------------


def test_both_adapters_have_the_same_public_interface() -> None:
    def public(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") or name in ("__init__", "__aenter__", "__aexit__")
        }

    aiogram_api, ptb_api = public(TelegramChannel), public(PtbTelegramChannel)

    assert aiogram_api.keys() == ptb_api.keys()
    for name in aiogram_api:
        assert list(aiogram_api[name].parameters) == list(ptb_api[name].parameters), name


async def test_attributes_and_a_malformed_token(
    channel_class: type, api: FakeTelegramAPI, inbox: Inbox
) -> None:
    channel = channel_class(Bot.STAFF, "42:abc", inbox, api_base=api.base_url, webhook_secret="given")
    try:
        assert (channel.bot_kind, channel.webhook_secret) == (Bot.STAFF, "given")
    finally:
        await channel.stop()
    # aiogram raises its TokenValidationError (not a ValueError, whatever bots/telegram says); PTB a ValueError.
    with pytest.raises(Exception, match=r"(?i)token"):
        channel_class(Bot.CLIENT, "not a token", inbox)


# --- receiving by polling --------------------------------------------------------------------------


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
    assert [(m.kind, m.file_id, m.mime_type) for m in inbound.media] == [
        ("photo", largest["file_id"], "image/jpeg")
    ]
    assert inbound.text == "вот шильдик"
    assert inbound.media[0].caption == "вот шильдик"


async def test_location_and_contact(api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    await channel.start_polling()
    api.push_location(chat_id=42, user_id=42, lat=55.7558, lon=37.6173)
    api.push_contact(chat_id=42, user_id=42, phone="+79001234567", first_name="Anna", last_name="K")
    api.push_contact(chat_id=42, user_id=42, phone="+79007654321", first_name="Boris", own=False)

    located, shared, someone_else = await inbox.wait(3)

    assert located.location == Location(lat=55.7558, lon=37.6173)
    assert located.text is None
    assert shared.contact == Contact(phone="+79001234567", first_name="Anna", last_name="K", user_id="42")
    assert someone_else.contact == Contact(phone="+79007654321", first_name="Boris")


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


async def test_service_and_bot_messages_are_skipped(
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
    api.push_update(
        {
            "message": {
                "message_id": 2,
                "date": 1700000000,
                "chat": {"id": -5, "type": "group", "title": "Staff"},
                "from": {"id": 8, "is_bot": True, "first_name": "OtherBot"},
                "text": "I am a bot",
            }
        }
    )
    api.push_text(chat_id=42, user_id=42, text="after")

    items = await inbox.wait(1)
    await api.wait_delivered()
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


async def test_polling_hands_over_in_order_and_retries_what_was_not_recorded(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    recorded: list[str] = []
    tries: dict[str, int] = {}
    all_done = asyncio.Event()

    async def app(inbound: Inbound) -> None:
        name = inbound.text or inbound.payload or ""
        tries[name] = tries.get(name, 0) + 1
        if name == "press" and tries[name] < 3:
            raise InboundNotRecorded("the database is away")
        recorded.append(name)
        if len(recorded) == 4:
            all_done.set()

    channel = await make_channel(on_inbound=app)
    await channel.start_polling()
    api.push_text(chat_id=1, user_id=1, text="first")
    api.push_callback(chat_id=1, user_id=1, data="press", message_id=1)
    api.push_text(chat_id=1, user_id=1, text="after the press")
    api.push_text(chat_id=2, user_id=2, text="other chat")

    await asyncio.wait_for(all_done.wait(), 10)
    # Nothing is skipped while the app cannot record: the next updates wait, in arrival order.
    assert recorded == ["first", "press", "after the press", "other chat"]
    assert tries["press"] == 3


async def test_update_not_recorded_by_webhook_gets_503_and_is_taken_when_sent_again(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    recorded: list[str | None] = []
    down = True

    async def app(inbound: Inbound) -> None:
        if down:
            raise InboundNotRecorded("the database is away")
        recorded.append(inbound.text or inbound.payload)

    channel = await make_channel(webhook_secret=SECRET, on_inbound=app)
    web_app = web.Application()
    channel.add_webhook_route(web_app, PATH)
    runner, url = await serve(web_app, PATH)
    try:
        update = {"update_id": 601, **_text_message(42, "hello?")}
        press = api.push_callback(chat_id=42, user_id=42, data="rate:5", message_id=1)
        assert await api.post_to_webhook(url, update, SECRET) == 503
        assert await api.post_to_webhook(url, press, SECRET) == 503
        down = False
        assert await api.post_to_webhook(url, update, SECRET) == 200
        assert await api.post_to_webhook(url, press, SECRET) == 200
    finally:
        await runner.cleanup()

    assert recorded == ["hello?", "rate:5"]


async def test_polling_confirms_updates_and_stop_is_clean(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    await channel.start_polling()  # a second start is a no-op
    api.push_text(chat_id=42, user_id=42, text="one")
    await inbox.wait(1)
    api.push_text(chat_id=42, user_id=42, text="two")
    await inbox.wait(2)
    await api.wait_for_call("getUpdates", predicate=lambda c: api.pending_updates() == 0)

    await channel.stop()
    await channel.stop()  # idempotent

    assert [i.text for i in inbox.items] == ["one", "two"]
    assert api.calls_to("deleteWebhook"), "polling must drop a webhook first or getUpdates answers 409"
    assert not any(c.params.get("drop_pending_updates") for c in api.calls_to("deleteWebhook"))


async def test_stop_then_start_again_keeps_receiving(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    api.push_text(chat_id=42, user_id=42, text="before")
    await inbox.wait(1)
    await channel.stop()

    api.push_text(chat_id=42, user_id=42, text="while stopped")
    await channel.start_polling()
    await inbox.wait(2)
    await channel.send(out("still sending"))

    assert [i.text for i in inbox.items] == ["before", "while stopped"]
    assert api.sent_texts(42) == ["still sending"]


async def test_repeated_update_by_polling_is_dropped(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.start_polling()
    update = api.push_text(chat_id=42, user_id=42, text="once")
    api.push_update(update)  # Telegram re-sends the same update id
    api.push_text(chat_id=42, user_id=42, text="next")

    items = await inbox.wait(2)
    await asyncio.sleep(0.05)

    assert [i.text for i in items] == ["once", "next"]


async def test_rejected_token_is_a_clear_setup_error(
    channel_class: type, api: FakeTelegramAPI, inbox: Inbox
) -> None:
    api.valid_tokens = {"1:other"}
    channel = channel_class(Bot.CLIENT, "999:revoked", inbox, api_base=api.base_url)
    try:
        with pytest.raises(TelegramSetupError, match="TELEGRAM_CLIENT_TOKEN"):
            await channel.start_polling()
    finally:
        await channel.stop()


async def test_unreachable_api_at_start_is_not_fatal(make_channel: ChannelFactory) -> None:
    channel = await make_channel(api_base="http://127.0.0.1:9")  # discard port: connection refused

    await channel.start_polling()  # logs and keeps trying instead of failing the app's start
    await asyncio.sleep(0.05)
    await channel.stop()


# --- receiving by webhook ---------------------------------------------------------------------------


@pytest.fixture
async def hooked(make_channel: ChannelFactory) -> AsyncIterator[tuple[Any, str]]:
    channel = await make_channel(webhook_secret=SECRET)
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, url = await serve(app, PATH)
    yield channel, url
    await runner.cleanup()


def _text_message(chat_id: int, text: str) -> dict[str, object]:
    return {
        "message": {
            "message_id": 10,
            "date": 1700000000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Anna", "language_code": "en"},
            "text": text,
        }
    }


async def test_good_secret_is_recorded_before_the_answer(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    handled: list[str | None] = []

    async def slow_app(inbound: Inbound) -> None:
        await asyncio.sleep(0.2)
        handled.append(inbound.text)

    channel = await make_channel(webhook_secret=SECRET, on_inbound=slow_app)
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, slow_url = await serve(app, PATH)
    try:
        status = await api.post_to_webhook(slow_url, {"update_id": 501, **_text_message(42, "hi")}, SECRET)
    finally:
        await runner.cleanup()

    assert status == 200
    # The answer comes only after the app has taken (recorded) the update, so Telegram re-sends it if we crash.
    assert handled == ["hi"]


async def test_good_secret_gives_the_same_inbound(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[Any, str]
) -> None:
    _, url = hooked

    status = await api.post_to_webhook(
        url, {"update_id": 501, **_text_message(42, "hello over webhook")}, SECRET
    )

    assert status == 200
    assert [(i.text, i.dedup_key, i.sender_name) for i in inbox.items] == [
        ("hello over webhook", "tg:client:501", "Anna")
    ]


@pytest.mark.parametrize("secret", ["wrong", None, ""])
async def test_bad_or_missing_secret_gets_401_and_nothing_happens(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[Any, str], secret: str | None
) -> None:
    _, url = hooked
    calls_before = len(api.calls)

    status = await api.post_to_webhook(url, {"update_id": 502, **_text_message(42, "evil")}, secret)
    await asyncio.sleep(0.05)

    assert status == 401
    assert inbox.items == []
    assert len(api.calls) == calls_before


async def test_button_press_by_webhook_is_answered(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[Any, str]
) -> None:
    _, url = hooked
    update = api.push_callback(chat_id=42, user_id=42, data="rate:5", message_id=1)

    assert await api.post_to_webhook(url, update, SECRET) == 200

    assert [i.payload for i in inbox.items] == ["rate:5"]
    assert (
        api.calls_to("answerCallbackQuery")[0].params["callback_query_id"] == update["callback_query"]["id"]
    )


async def test_repeated_update_is_dropped_and_garbage_is_400(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[Any, str]
) -> None:
    _, url = hooked
    update = {"update_id": 503, **_text_message(42, "once")}
    assert await api.post_to_webhook(url, update, SECRET) == 200
    assert await api.post_to_webhook(url, update, SECRET) == 200
    async with aiohttp.ClientSession() as http:
        headers = {SECRET_HEADER: SECRET}
        async with http.post(url, data=b"not json", headers=headers) as bad_json:
            assert bad_json.status == 400
        async with http.post(
            url, json={"update_id": 504, "message": {"nope": 1}}, headers=headers
        ) as bad_shape:
            assert bad_shape.status == 400
        async with http.post(url, json=[1, 2], headers=headers) as not_an_object:
            assert not_an_object.status == 400

    assert [i.text for i in inbox.items] == ["once"]


async def test_set_webhook_then_fake_delivers_pushed_updates(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[Any, str]
) -> None:
    channel, url = hooked

    await channel.set_webhook(url)
    api.push_text(chat_id=42, user_id=42, text="pushed")
    await api.wait_delivered()

    [call] = api.calls_to("setWebhook")
    assert call.params["url"] == url
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    assert [i.text for i in inbox.items] == ["pushed"]
    assert api.webhook_posts[-1][2] == 200


async def test_refused_webhook_is_a_setup_error(api: FakeTelegramAPI, hooked: tuple[Any, str]) -> None:
    channel, url = hooked
    api.fail_next(
        "setWebhook", status=400, description="Bad Request: bad webhook: HTTPS url must be provided"
    )

    with pytest.raises(TelegramSetupError, match=r"(?i)https url must be provided"):
        await channel.set_webhook(url)


async def test_without_configured_secret_one_is_derived_from_the_token(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    other = await make_channel(token="654321:ANOTHER", bot_kind=Bot.STAFF)

    await channel.set_webhook("https://example.org/hook")

    assert api.calls_to("setWebhook")[0].params["secret_token"] == channel.webhook_secret
    assert len(channel.webhook_secret) >= 32
    assert channel.webhook_secret != other.webhook_secret


# --- sending -----------------------------------------------------------------------------------------


async def test_text_is_escaped_and_buttons_become_an_inline_keyboard(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    buttons = ((Button("Да", "ok:1"), Button("Нет", "no:1")), (Button("Сайт", url="https://example.org"),))

    await channel.send(out("Температура <18> & «влажность»", buttons=buttons))

    [call] = api.calls_to("sendMessage")
    assert call.params["chat_id"] == 42
    assert call.params["parse_mode"] == "HTML"
    assert call.params["text"] == "Температура &lt;18&gt; &amp; «влажность»"
    assert call.buttons == [
        [{"text": "Да", "callback_data": "ok:1"}, {"text": "Нет", "callback_data": "no:1"}],
        [{"text": "Сайт", "url": "https://example.org"}],
    ]
    assert api.sent_texts(42) == ["Температура <18> & «влажность»"]


async def test_long_text_is_split_on_paragraphs_with_buttons_on_the_last(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    paragraphs = [f"Шаг {n}: " + ("проверьте фильтр и давление. " * 40).strip() for n in range(1, 9)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 2 * 4096

    await channel.send(out(text, buttons=((Button("Помогло", "kb:ok"),),)))

    calls = api.calls_to("sendMessage")
    sent = api.sent_texts(42)
    assert len(calls) >= 3
    assert all(tg_len(piece) <= 4096 for piece in sent)
    assert all(piece.startswith("Шаг ") for piece in sent), "cuts must fall between paragraphs"
    assert "\n\n".join(sent) == text
    assert [bool(c.buttons) for c in calls] == [False] * (len(calls) - 1) + [True]


async def test_photo_with_short_text_goes_as_caption_in_the_topic(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()

    await channel.send(out("Схема <подключения>", media=(Media("photo", "AgACfile1"),), thread_id="12"))

    [call] = api.calls_to("sendPhoto")
    assert (call.params["photo"], call.params["caption"]) == ("AgACfile1", "Схема &lt;подключения&gt;")
    assert call.params["parse_mode"] == "HTML"
    assert call.params["message_thread_id"] == 12
    assert api.calls_to("sendMessage") == []


async def test_long_caption_is_sent_as_text_first(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    text = "Инструкция. " * 120  # ~1400 characters: too long for a caption

    await channel.send(
        out(text, media=(Media("document", "BQACdoc"), Media("video", "BAACvid"), Media("audio", "CQACaud")))
    )

    assert [c.method for c in api.calls if c.ok] == ["sendMessage", "sendDocument", "sendVideo", "sendAudio"]
    assert "caption" not in api.calls_to("sendDocument")[0].params


async def test_request_location_with_inline_cancel(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()

    await channel.send(out("Укажите адрес", buttons=((Button("Отмена", "cancel"),),), request_location=True))

    first, second = api.calls_to("sendMessage")
    assert first.buttons == [[{"text": "Отмена", "callback_data": "cancel"}]]
    keyboard = second.params["reply_markup"]
    assert keyboard["one_time_keyboard"] is True
    assert keyboard["resize_keyboard"] is True
    assert keyboard["keyboard"][0][0]["request_location"] is True
    assert "местоположение" in keyboard["keyboard"][0][0]["text"]


async def test_a_typed_answer_takes_the_location_keyboard_away(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    # A working day (#18): the client typed the address, and "Send location" stayed under every next question.
    channel = await make_channel()

    await channel.send(out("Адрес: Невский пр., 88", remove_keyboard=True))
    await channel.send(out("Насколько срочно?", buttons=((Button("Обычная", "in:p:P3"),),)))

    first, second = api.calls_to("sendMessage")
    assert first.params["reply_markup"] == {"remove_keyboard": True}
    assert "keyboard" not in str(second.params["reply_markup"]).replace("inline_keyboard", "")


async def test_request_contact_rides_on_the_message(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()

    await channel.send(out("Share your phone number, please", request_contact=True))

    [call] = api.calls_to("sendMessage")
    [[button]] = call.params["reply_markup"]["keyboard"]
    assert button == {"text": "📱 Share phone number", "request_contact": True}


async def test_429_raises_delivery_error_with_retry_after(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    api.fail_next("sendMessage", status=429, retry_after=7)

    with pytest.raises(DeliveryError) as caught:
        await channel.send(out("hi"))

    assert caught.value.retry_after == 7
    assert not caught.value.permanent
    await channel.send(out("hi"))  # the next try goes through
    assert api.sent_texts(42) == ["hi"]


async def test_blocked_user_is_permanent(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    api.block(42)

    with pytest.raises(DeliveryError) as caught:
        await channel.send(out("hi"))

    assert caught.value.permanent
    assert "blocked" in str(caught.value)


async def test_chat_not_found_is_permanent_and_server_errors_are_not(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    api.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    api.fail_next("sendMessage", status=500)
    api.fail_next("sendMessage", status=502)

    with pytest.raises(DeliveryError) as not_found:
        await channel.send(out("hi"))
    with pytest.raises(DeliveryError) as server_error:
        await channel.send(out("hi"))
    with pytest.raises(DeliveryError) as bad_gateway:
        await channel.send(out("hi"))

    assert not_found.value.permanent
    # PTB drops the "Bad Request: " prefix and capitalises what is left.
    assert "chat not found" in str(not_found.value).lower()
    assert (server_error.value.permanent, server_error.value.retry_after) == (False, None)
    assert (bad_gateway.value.permanent, bad_gateway.value.retry_after) == (False, None)


async def test_unreachable_api_is_a_retryable_delivery_error(make_channel: ChannelFactory) -> None:
    channel = await make_channel(api_base="http://127.0.0.1:9")  # discard port: connection refused

    with pytest.raises(DeliveryError) as caught:
        await channel.send(out("hi"))

    assert not caught.value.permanent


async def test_group_moved_to_supergroup_is_followed(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    api.fail_next("sendMessage", status=400, migrate_to_chat_id=-1009)

    await channel.send(out("hello group", chat_id="-9"))

    assert api.sent_texts(-1009) == ["hello group"]
    assert [c.status for c in api.calls] == [400, 200]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (out("x", buttons=((Button("Long", "p" * 65),),)), "65 bytes"),
        (out("x", buttons=((Button("Nothing"),),)), "neither a payload nor a url"),
        (out("   "), "needs text or media"),
    ],
)
async def test_unsendable_outbound_is_permanent_and_calls_nothing(
    api: FakeTelegramAPI, make_channel: ChannelFactory, message: Outbound, reason: str
) -> None:
    channel = await make_channel()

    with pytest.raises(DeliveryError, match=reason) as caught:
        await channel.send(message)

    assert caught.value.permanent
    assert api.calls == []


async def test_set_commands(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()

    await channel.set_commands([("/start", "Начать"), ("status", "Статус заявки")], "ru")
    await channel.set_commands([("start", "Start")], None)
    with pytest.raises(ValueError, match="a-z"):
        await channel.set_commands([("Bad-Name", "x")], None)
    with pytest.raises(ValueError, match="two-letter"):
        await channel.set_commands([("start", "x")], "rus")

    assert [c["command"] for c in api.commands(lang="ru")] == ["start", "status"]
    assert api.commands() == [{"command": "start", "description": "Start"}]
    assert len(api.calls_to("setMyCommands")) == 2


async def test_sends_to_one_chat_are_paced(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    limits = TelegramLimits(private_chat=Rate(1, 0.2), group_chat=None, overall=None)
    channel = await make_channel(limits=limits)

    await asyncio.gather(channel.send(out("a")), channel.send(out("b")), channel.send(out("c", chat_id="43")))

    to_42 = sorted(c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 42)
    [to_43] = [c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 43]
    assert to_42[1] - to_42[0] >= 0.15, "the second message to one chat went out at once"
    assert to_43 - to_42[0] < 0.15, "another chat was held up"


# --- the update dict each framework hands to the shared conversion ------------------------------------

_USER = {"id": 7, "is_bot": False, "first_name": "Ivan", "last_name": "P", "language_code": "ru"}
_GROUP = {"id": -1001, "type": "supergroup", "title": "Staff", "is_forum": True}
_PRIVATE = {"id": 7, "type": "private", "first_name": "Ivan"}


def _msg(**fields: object) -> dict[str, object]:
    return {"message_id": 3, "date": 1700000000, "chat": _PRIVATE, "from": _USER, **fields}


def _file(file_id: str, **fields: object) -> dict[str, object]:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", **fields}


RAW_UPDATES: dict[str, dict[str, Any]] = {
    "text in a forum topic": {
        "message": _msg(chat=_GROUP, text="/jobs", message_thread_id=77, is_topic_message=True)
    },
    "reply in a plain group": {"message": _msg(chat=_GROUP, text="ok", message_thread_id=5)},
    "edited": {"edited_message": _msg(text="fixed", edit_date=1700000100)},
    "photo sizes": {
        "message": _msg(
            caption="шильдик",
            photo=[
                _file("big", width=1280, height=960, file_size=90000),
                _file("small", width=90, height=67),
            ],
        )
    },
    "video note": {"message": _msg(video_note=_file("VN", length=240, duration=3))},
    "voice": {"message": _msg(voice=_file("V1", duration=2, mime_type="audio/ogg"))},
    "document": {"message": _msg(document=_file("D1", mime_type="application/pdf"), caption="акт")},
    "contact of someone else": {"message": _msg(contact={"phone_number": "+7900", "first_name": "Boris"})},
    "location": {"message": _msg(location={"latitude": 55.75, "longitude": 37.61})},
    "anonymous admin": {
        "message": {
            "message_id": 4,
            "date": 1700000000,
            "chat": _GROUP,
            "sender_chat": _GROUP,
            "text": "from the admins",
        }
    },
    "button in a topic": {
        "callback_query": {
            "id": "q1",
            "from": _USER,
            "chat_instance": "ci",
            "data": "offer:accept:T-1",
            "message": _msg(chat=_GROUP, text="offer", message_thread_id=77, is_topic_message=True),
        }
    },
    "button under an old message": {
        "callback_query": {
            "id": "q2",
            "from": _USER,
            "chat_instance": "ci",
            "data": "rate:5",
            "message": {"message_id": 1, "date": 0, "chat": _PRIVATE},
        }
    },
    "button under an inline result": {
        "callback_query": {"id": "q3", "from": _USER, "chat_instance": "ci", "data": "x:1"}
    },
    "game button": {
        "callback_query": {"id": "q4", "from": _USER, "chat_instance": "ci", "game_short_name": "g"}
    },
    "service message": {"message": _msg(chat=_GROUP, new_chat_title="Renamed")},
    "from a bot": {"message": _msg(**{"from": {"id": 8, "is_bot": True, "first_name": "B"}, "text": "hi"})},
}


@pytest.fixture(params=["aiogram", "ptb"])
def framework_dict(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The dict a framework's parsed update turns back into, as each adapter's handlers make it."""
    if request.param == "aiogram":
        return lambda raw: update_dict(aiogram_types.Update.model_validate(raw))
    return lambda raw: telegram.Update.de_json(raw, None).to_dict()


@pytest.mark.parametrize("name", list(RAW_UPDATES))
def test_the_framework_dict_gives_the_inbound_of_the_raw_update(
    name: str, framework_dict: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    raw = {"update_id": 900, **RAW_UPDATES[name]}

    from_raw = update_to_inbound(Bot.STAFF, raw)
    from_framework = update_to_inbound(Bot.STAFF, framework_dict(raw))

    assert from_framework == from_raw
    skipped = {"game button", "service message", "from a bot"}
    assert (from_raw is None) == (name in skipped)
