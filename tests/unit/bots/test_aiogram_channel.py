"""What only the aiogram adapter has to get right: its session lifecycle and its aiogram method objects."""

from __future__ import annotations

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bots.telegram.outbound import plan_outbound, to_method
from bots.telegram_common import plan
from dialogue.messages import Bot, Button, Channel, Media, Outbound
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory


async def test_stop_closes_the_aiohttp_session(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    await channel.start_polling()
    await channel.send(Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "hi"))
    await api.wait_for_call("getUpdates")

    await channel.stop()

    session = channel.bot.session
    assert isinstance(session, AiohttpSession)
    assert session._session is None or session._session.closed
    assert api.sent_texts(42) == ["hi"], "the session was in use before stop()"


def test_plan_outbound_is_one_aiogram_method_per_planned_send() -> None:
    out = Outbound(
        Channel.TELEGRAM,
        Bot.STAFF,
        "-1001",
        "Схема <1>",
        media=(Media("photo", "P1"),),
        buttons=((Button("Да", "ok:1"),),),
        request_location=True,
        thread_id="7",
    )

    photo, keyboard = plan_outbound(out)

    assert len(plan.plan_outbound(out)) == 2
    assert isinstance(photo, SendPhoto)
    assert (photo.chat_id, photo.photo, photo.caption, photo.parse_mode) == (
        -1001,
        "P1",
        "Схема &lt;1&gt;",
        ParseMode.HTML,
    )
    assert photo.message_thread_id == 7
    assert isinstance(photo.reply_markup, InlineKeyboardMarkup)
    assert photo.reply_markup.inline_keyboard[0][0].callback_data == "ok:1"
    assert isinstance(keyboard, SendMessage)
    assert isinstance(keyboard.reply_markup, ReplyKeyboardMarkup)
    assert keyboard.reply_markup.keyboard[0][0].request_location is True
    assert keyboard.reply_markup.keyboard[0][0].request_contact is None


def test_a_media_step_without_caption_sends_no_parse_mode_and_follows_a_migrated_chat() -> None:
    step = plan.SendStep(plan.SendKind.DOCUMENT, -9, "", "D1")

    method = to_method(step, -1009)

    assert isinstance(method, SendDocument)
    assert (method.chat_id, method.document, method.caption) == (-1009, "D1", None)
    assert method.parse_mode != ParseMode.HTML  # aiogram's unset default: no parse_mode goes out
