"""The pure parts of the python-telegram-bot adapter: planning sends, reading updates, mapping errors."""

from __future__ import annotations

import datetime as dt

import pytest
import telegram as tg
from telegram.error import RetryAfter

from bots.ratelimit import Rate
from bots.telegram import TelegramLimits
from bots.telegram_ptb.inbound import callback_to_inbound, is_user_content, message_to_inbound
from bots.telegram_ptb.plan import SendKind, UnsendableError, plan_outbound
from bots.telegram_ptb.sender import limits_for, retry_seconds
from dialogue.messages import Bot, Channel, Media, Outbound

# PTB 22 reads RetryAfter.retry_after while building the error, which warns about a future type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def out(text: str, **kwargs: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.STAFF, "-100", text, **kwargs)  # type: ignore[arg-type]


def test_reply_keyboard_speaks_the_outbound_language_or_the_texts_script() -> None:
    [ru_by_script] = plan_outbound(out("Пришлите номер", request_contact=True))
    [en_by_lang] = plan_outbound(out("Пришлите номер", request_contact=True, lang="en"))
    [both] = plan_outbound(out("Where are you?", request_contact=True, request_location=True))

    assert isinstance(ru_by_script.reply_markup, tg.ReplyKeyboardMarkup)
    assert ru_by_script.reply_markup.keyboard[0][0].text == "📱 Отправить номер телефона"
    assert isinstance(en_by_lang.reply_markup, tg.ReplyKeyboardMarkup)
    assert en_by_lang.reply_markup.keyboard[0][0].text == "📱 Share phone number"
    assert isinstance(both.reply_markup, tg.ReplyKeyboardMarkup)
    assert [(b.request_contact, b.request_location) for b in both.reply_markup.keyboard[0]] == [
        (True, None),
        (None, True),
    ]


def test_long_media_caption_goes_after_the_file_and_unknown_kinds_as_documents() -> None:
    long_caption = "Очень подробно. " * 80
    steps = plan_outbound(
        out("", media=(Media("photo", "P1", caption=long_caption), Media("sticker", "S1", caption="a<b")))
    )

    assert [(s.kind, s.file_id, bool(s.text)) for s in steps[:1]] == [(SendKind.PHOTO, "P1", False)]
    assert all(s.kind is SendKind.MESSAGE for s in steps[1:-1])
    assert (steps[-1].kind, steps[-1].file_id, steps[-1].text) == (SendKind.DOCUMENT, "S1", "a&lt;b")


def test_thread_and_channel_names() -> None:
    [in_topic] = plan_outbound(Outbound(Channel.TELEGRAM, Bot.STAFF, "-1001", "x", thread_id="77"))
    [to_channel] = plan_outbound(Outbound(Channel.TELEGRAM, Bot.STAFF, "@helpdesk_news", "x", thread_id="t"))

    assert (in_topic.chat_id, in_topic.thread_id) == (-1001, 77)
    assert (to_channel.chat_id, to_channel.thread_id) == ("@helpdesk_news", None)
    assert to_channel.to_chat(-5).chat_id == -5


def test_empty_outbound_is_unsendable() -> None:
    with pytest.raises(UnsendableError, match="needs text or media"):
        plan_outbound(out(" \n "))


def test_retry_after_in_seconds_from_int_or_timedelta() -> None:
    assert retry_seconds(RetryAfter(7)) == 7.0
    assert retry_seconds(RetryAfter(dt.timedelta(seconds=2.5))) == 2.5


def test_limits_private_group_and_bot_wide() -> None:
    private, group, overall = Rate(1, 1.0), Rate(20, 60.0), Rate(30, 1.0)
    limits = TelegramLimits(private_chat=private, group_chat=group, overall=overall)

    assert limits_for(limits, 42) == [("*", overall), (("chat", 42), private)]
    assert limits_for(limits, -100) == [("*", overall), (("chat", -100), group)]
    assert limits_for(limits, "@news") == [("*", overall), (("chat", "@news"), group)]
    assert limits_for(limits, None) == [("*", overall)]
    assert limits_for(TelegramLimits.none(), 42) == []


def _message(**fields: object) -> tg.Message:
    data = {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": -100, "type": "supergroup", "title": "Staff"},
        **fields,
    }
    return tg.Message.de_json(data, None)


def test_anonymous_admin_speaks_as_the_chat_and_replies_are_not_threads() -> None:
    message = _message(
        sender_chat={"id": -100, "type": "supergroup", "title": "Staff"},
        text="reply in a plain group",
        message_thread_id=5,  # a reply chain, not a forum topic
    )

    inbound = message_to_inbound(Bot.STAFF, 9, message)

    assert (inbound.sender_id, inbound.sender_name, inbound.thread_id) == ("-100", "Staff", None)
    assert inbound.dedup_key == "tg:staff:9"


def test_voice_and_document_media() -> None:
    voice = _message(
        **{"from": {"id": 1, "is_bot": False, "first_name": "A"}},
        voice={"file_id": "V1", "file_unique_id": "v", "duration": 3, "mime_type": "audio/ogg"},
    )
    document = _message(
        **{"from": {"id": 1, "is_bot": False, "first_name": "A"}},
        document={"file_id": "D1", "file_unique_id": "d", "mime_type": "application/pdf"},
        caption="акт",
    )

    assert message_to_inbound(Bot.CLIENT, 1, voice).media[0].kind == "audio"
    doc = message_to_inbound(Bot.CLIENT, 2, document)
    assert (doc.media[0].kind, doc.media[0].file_id, doc.media[0].mime_type, doc.text) == (
        "document",
        "D1",
        "application/pdf",
        "акт",
    )


def test_bot_and_service_messages_are_not_user_content() -> None:
    assert not is_user_content(_message(**{"from": {"id": 2, "is_bot": True, "first_name": "B"}}, text="x"))
    assert not is_user_content(_message(new_chat_title="Renamed"))
    assert is_user_content(_message(location={"latitude": 1.0, "longitude": 2.0}))


def test_button_under_an_inline_result_answers_the_user() -> None:
    query = tg.CallbackQuery(
        id="q1",
        from_user=tg.User(7, "Ivan", False, last_name="P", language_code="ru"),
        chat_instance="ci",
        data="offer:accept:T-1",
    )

    inbound = callback_to_inbound(Bot.STAFF, 11, query)

    assert (inbound.chat_id, inbound.sender_id, inbound.sender_name, inbound.lang) == (
        "7",
        "7",
        "Ivan P",
        "ru",
    )
    assert inbound.payload == "offer:accept:T-1"
