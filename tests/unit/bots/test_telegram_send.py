"""send() through aiogram to the fake Bot API: the right calls, and errors mapped to DeliveryError."""

from __future__ import annotations

import pytest

from bots.telegram.text import tg_len
from dialogue.messages import Bot, Button, Channel, DeliveryError, Media, Outbound
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.unit.bots.conftest import ChannelFactory


def out(text: str, chat_id: str = "42", **kwargs: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.CLIENT, chat_id, text, **kwargs)  # type: ignore[arg-type]


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


async def test_photo_with_short_text_goes_as_caption(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()

    await channel.send(out("Схема <подключения>", media=(Media("photo", "AgACfile1"),), thread_id="12"))

    [call] = api.calls_to("sendPhoto")
    assert (call.params["photo"], call.params["caption"]) == ("AgACfile1", "Схема &lt;подключения&gt;")
    assert call.params["message_thread_id"] == 12
    assert api.calls_to("sendMessage") == []


async def test_long_caption_is_sent_as_text_first(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    text = "Инструкция. " * 120  # ~1400 characters: too long for a caption

    await channel.send(out(text, media=(Media("document", "BQACdoc"), Media("video", "BAACvid"))))

    assert [c.method for c in api.calls if c.ok] == ["sendMessage", "sendDocument", "sendVideo"]
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
    assert keyboard["keyboard"][0][0]["request_location"] is True
    assert "местоположение" in keyboard["keyboard"][0][0]["text"]


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


async def test_chat_not_found_is_permanent_and_server_error_is_not(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    api.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    api.fail_next("sendMessage", status=500)

    with pytest.raises(DeliveryError) as not_found:
        await channel.send(out("hi"))
    with pytest.raises(DeliveryError) as server_error:
        await channel.send(out("hi"))

    assert not_found.value.permanent
    assert (server_error.value.permanent, server_error.value.retry_after) == (False, None)


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

    assert [c["command"] for c in api.commands(lang="ru")] == ["start", "status"]
    assert api.commands() == [{"command": "start", "description": "Start"}]
    assert len(api.calls_to("setMyCommands")) == 2
