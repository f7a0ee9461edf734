"""Planning sends for Telegram (`bots.telegram_common.plan`): the rules both adapters send by."""

from __future__ import annotations

import pytest

from bots.telegram_common.errors import UnsendableError
from bots.telegram_common.plan import (
    InlineButton,
    InlineKeyboard,
    KeyboardRemoval,
    ReplyButton,
    ReplyKeyboard,
    SendKind,
    SendStep,
    plan_outbound,
)
from dialogue.messages import Bot, Button, Channel, Media, Outbound


def out(text: str, **kwargs: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.STAFF, "-100", text, **kwargs)  # type: ignore[arg-type]


def test_reply_keyboard_speaks_the_outbound_language_or_the_texts_script() -> None:
    [ru_by_script] = plan_outbound(out("Пришлите номер", request_contact=True))
    [en_by_lang] = plan_outbound(out("Пришлите номер", request_contact=True, lang="en"))
    [both] = plan_outbound(out("Where are you?", request_contact=True, request_location=True))

    assert isinstance(ru_by_script.reply_markup, ReplyKeyboard)
    assert ru_by_script.reply_markup.buttons[0].text == "📱 Отправить номер телефона"
    assert isinstance(en_by_lang.reply_markup, ReplyKeyboard)
    assert en_by_lang.reply_markup.buttons[0].text == "📱 Share phone number"
    assert isinstance(both.reply_markup, ReplyKeyboard)
    assert [(b.request_contact, b.request_location) for b in both.reply_markup.buttons] == [
        (True, False),
        (False, True),
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


def test_reply_keyboard_after_inline_buttons_gets_a_message_of_its_own() -> None:
    first, second = plan_outbound(
        out("Адрес?", buttons=((Button("Отмена", "cancel"),),), request_location=True)
    )

    assert first.reply_markup == InlineKeyboard(((InlineButton("Отмена", callback_data="cancel"),),))
    assert second == SendStep(
        SendKind.MESSAGE,
        -100,
        "📍 Отправить местоположение",
        reply_markup=ReplyKeyboard((ReplyButton("📍 Отправить местоположение", request_location=True),)),
    )


def test_a_keyboard_removal_rides_on_a_message_without_inline_buttons() -> None:
    (ack,) = plan_outbound(out("Адрес: Невский пр., 88", remove_keyboard=True))
    assert ack.reply_markup == KeyboardRemoval() and ack.reply_markup.to_dict() == {"remove_keyboard": True}
    # A message can carry one keyboard: inline buttons keep theirs (the dialogue sends the removal on an
    # acknowledgement of its own).
    (question,) = plan_outbound(out("Срочно?", buttons=((Button("Да", "y"),),), remove_keyboard=True))
    assert isinstance(question.reply_markup, InlineKeyboard)
    assert Outbound.from_dict(out("x", remove_keyboard=True).to_dict()).remove_keyboard
    assert "remove_keyboard" not in out("x").to_dict()


def test_keyboards_as_bot_api_json() -> None:
    inline = InlineKeyboard(
        ((InlineButton("Да", callback_data="ok"), InlineButton("Сайт", url="https://x.org")),)
    )
    reply = ReplyKeyboard((ReplyButton("📱", request_contact=True),))

    assert inline.to_dict() == {
        "inline_keyboard": [[{"text": "Да", "callback_data": "ok"}, {"text": "Сайт", "url": "https://x.org"}]]
    }
    assert reply.to_dict() == {
        "keyboard": [[{"text": "📱", "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


@pytest.mark.parametrize(
    ("kind", "field"),
    [(SendKind.MESSAGE, "text"), (SendKind.PHOTO, "photo"), (SendKind.DOCUMENT, "document")],
)
def test_each_kind_names_the_parameter_that_carries_it(kind: SendKind, field: str) -> None:
    assert kind.media_field == field
