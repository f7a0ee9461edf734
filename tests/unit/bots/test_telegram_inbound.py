"""Reading Telegram updates (`bots.telegram_common.inbound`): the Bot API's JSON -> `Inbound`."""

from __future__ import annotations

from typing import Any

from bots.telegram_common.inbound import (
    callback_to_inbound,
    is_user_content,
    message_to_inbound,
    update_to_inbound,
)
from dialogue.messages import Bot, Channel, Contact, Inbound, Location

FROM_A = {"id": 1, "is_bot": False, "first_name": "A"}


def _message(**fields: object) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": -100, "type": "supergroup", "title": "Staff"},
        **fields,
    }


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
    voice = _message(**{"from": FROM_A}, voice={"file_id": "V1", "duration": 3, "mime_type": "audio/ogg"})
    document = _message(
        **{"from": FROM_A}, document={"file_id": "D1", "mime_type": "application/pdf"}, caption="акт"
    )

    assert message_to_inbound(Bot.CLIENT, 1, voice).media[0].kind == "audio"
    doc = message_to_inbound(Bot.CLIENT, 2, document)
    assert (doc.media[0].kind, doc.media[0].file_id, doc.media[0].mime_type, doc.text) == (
        "document",
        "D1",
        "application/pdf",
        "акт",
    )


def test_video_note_is_a_video_and_the_largest_photo_wins_whatever_the_order() -> None:
    note = _message(**{"from": FROM_A}, video_note={"file_id": "N1", "length": 240, "duration": 2})
    photo = _message(
        **{"from": FROM_A},
        photo=[
            {"file_id": "big", "width": 800, "height": 600},
            {"file_id": "small", "width": 80, "height": 60, "file_size": 999999},
        ],
    )

    assert [(m.kind, m.file_id, m.mime_type) for m in message_to_inbound(Bot.CLIENT, 1, note).media] == [
        ("video", "N1", "video/mp4")
    ]
    assert [(m.kind, m.file_id) for m in message_to_inbound(Bot.CLIENT, 2, photo).media] == [("photo", "big")]


def test_bot_and_service_messages_are_not_user_content() -> None:
    assert not is_user_content(_message(**{"from": {"id": 2, "is_bot": True, "first_name": "B"}}, text="x"))
    assert not is_user_content(_message(new_chat_title="Renamed"))
    assert is_user_content(_message(location={"latitude": 1.0, "longitude": 2.0}))


def test_button_under_an_inline_result_answers_the_user() -> None:
    query = {
        "id": "q1",
        "from": {"id": 7, "is_bot": False, "first_name": "Ivan", "last_name": "P", "language_code": "ru"},
        "chat_instance": "ci",
        "data": "offer:accept:T-1",
    }

    inbound = callback_to_inbound(Bot.STAFF, 11, query)

    assert (inbound.chat_id, inbound.sender_id, inbound.sender_name, inbound.lang) == (
        "7",
        "7",
        "Ivan P",
        "ru",
    )
    assert inbound.payload == "offer:accept:T-1"


def test_update_to_inbound_reads_each_update_type_and_skips_the_rest() -> None:
    shared = _message(
        **{"from": FROM_A},
        contact={"phone_number": "+7900", "first_name": "A", "user_id": 1},
        location={"latitude": 55.0, "longitude": 37.0},
    )

    assert update_to_inbound(Bot.CLIENT, {"update_id": 5, "edited_message": shared}) == Inbound(
        channel=Channel.TELEGRAM,
        bot=Bot.CLIENT,
        chat_id="-100",
        sender_id="1",
        dedup_key="tg:client:5",
        location=Location(lat=55.0, lon=37.0),
        contact=Contact(phone="+7900", first_name="A", user_id="1"),
        sender_name="A",
    )
    game = {"id": "q", "from": FROM_A, "chat_instance": "ci", "game_short_name": "g"}
    assert update_to_inbound(Bot.CLIENT, {"update_id": 6, "callback_query": game}) is None
    assert update_to_inbound(Bot.CLIENT, {"update_id": 7, "my_chat_member": {}}) is None
