"""The webhook over real HTTP: Meta's handshake, signatures, and every message type -> `Inbound`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bots.whatsapp import StatusUpdate
from dialogue.messages import Bot, Channel, Contact, Inbound, InboundNotRecorded, Location, Media
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET as SECRET
from tests.fakes.whatsapp_api import FakeGraphAPI
from tests.unit.bots_whatsapp.conftest import CLIENT, VERIFY_TOKEN, ChannelFactory, Hooked, Inbox


async def test_handshake_echoes_the_challenge(api: FakeGraphAPI, hooked: Hooked) -> None:
    status, text = await api.verify_webhook(hooked.url, VERIFY_TOKEN, challenge="1158201444")

    assert (status, text) == (200, "1158201444")


@pytest.mark.parametrize(
    ("token", "mode"), [("wrong-token", "subscribe"), ("", "subscribe"), (VERIFY_TOKEN, "other")]
)
async def test_handshake_with_wrong_token_or_mode_is_403(
    api: FakeGraphAPI, hooked: Hooked, token: str, mode: str
) -> None:
    status, text = await api.verify_webhook(hooked.url, token, challenge="42", mode=mode)

    assert status == 403
    assert "42" not in text


async def test_signed_text_message_becomes_an_inbound(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked
) -> None:
    payload = api.text_message(CLIENT, "Не работает кондиционер", name="Ирина")
    message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    assert await api.post_webhook(hooked.url, payload, SECRET) == 200
    [inbound] = await inbox.wait(1)

    assert inbound == Inbound(
        channel=Channel.WHATSAPP,
        bot=Bot.CLIENT,
        chat_id=CLIENT,
        sender_id=CLIENT,
        dedup_key=f"wa:{message_id}",
        text="Не работает кондиционер",
        sender_name="Ирина",
        lang=None,
    )


@pytest.mark.parametrize("signature", ["bad", "missing", "empty-secret"])
async def test_bad_or_missing_signature_is_401_and_nothing_happens(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked, signature: str
) -> None:
    payload = api.text_message(CLIENT, "evil")
    secret = {"bad": SECRET, "missing": None, "empty-secret": ""}[signature]

    status = await api.post_webhook(hooked.url, payload, secret, bad_signature=signature == "bad")
    await asyncio.sleep(0.1)

    assert status == 401
    assert inbox.items == []
    assert api.calls == []  # no read receipt either
    assert await hooked.window.last_inbound(CLIENT) is None


async def test_signature_covers_the_raw_bytes(api: FakeGraphAPI, inbox: Inbox, hooked: Hooked) -> None:
    # Same JSON, different bytes: a signature of re-serialised JSON would wrongly pass or fail here.
    payload = api.text_message(CLIENT, "hello")
    raw = json.dumps(payload, indent=3).encode()

    assert await api.post_webhook(hooked.url, raw, SECRET) == 200
    await inbox.wait(1)
    async with aiohttp.ClientSession() as http:
        signed_for_other_bytes = {
            "X-Hub-Signature-256": _signature(json.dumps(payload).encode()),
            "Content-Type": "application/json",
        }
        async with http.post(hooked.url, data=raw, headers=signed_for_other_bytes) as response:
            assert response.status == 401


async def test_button_and_list_replies_carry_the_payload(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked
) -> None:
    await api.post_webhook(hooked.url, api.button_reply(CLIENT, "rate:5:sig", "Отлично"), SECRET)
    await api.post_webhook(
        hooked.url, api.list_reply(CLIENT, "site:17:sig", "Офис на Ленина", "полное"), SECRET
    )
    await api.post_webhook(hooked.url, api.legacy_button(CLIENT, "status:9", "Статус"), SECRET)

    items = await inbox.wait(3)

    assert [(i.payload, i.text) for i in items] == [
        ("rate:5:sig", None),
        ("site:17:sig", None),
        ("status:9", None),
    ]


@pytest.mark.parametrize(
    ("kind", "voice", "expected_kind"),
    [
        ("image", False, "photo"),
        ("video", False, "video"),
        ("document", False, "document"),
        ("audio", False, "audio"),
        ("audio", True, "audio"),
        ("sticker", False, "sticker"),
    ],
)
async def test_media_messages_become_media(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked, kind: str, voice: bool, expected_kind: str
) -> None:
    caption = "вот фото щитка" if kind in ("image", "video", "document") else None
    payload = api.media_message(CLIENT, kind, b"bytes", caption=caption, mime_type="x/y", voice=voice)
    media_id = payload["entry"][0]["changes"][0]["value"]["messages"][0][kind]["id"]

    await api.post_webhook(hooked.url, payload, SECRET)
    [inbound] = await inbox.wait(1)

    assert inbound.media == (Media(expected_kind, media_id, caption, "x/y"),)
    assert inbound.text == caption


async def test_location_and_contacts(api: FakeGraphAPI, inbox: Inbox, hooked: Hooked) -> None:
    await api.post_webhook(hooked.url, api.location_message(CLIENT, 55.7558, 37.6176, name="Офис"), SECRET)
    contact = api.contacts_message(CLIENT, "+7 916 000-11-22", "Пётр", "Иванов", contact_wa_id="79160001122")
    await api.post_webhook(hooked.url, contact, SECRET)

    location, shared = await inbox.wait(2)

    assert location.location == Location(55.7558, 37.6176)
    assert location.text is None
    assert shared.contact == Contact("+7 916 000-11-22", "Пётр", "Иванов", "79160001122")


@pytest.mark.parametrize("kind", ["unknown", "unsupported", "reaction", "system", "order", "poll"])
async def test_unsupported_types_give_an_empty_inbound(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked, kind: str
) -> None:
    payload = api.unsupported_message(CLIENT, kind)

    assert await api.post_webhook(hooked.url, payload, SECRET) == 200
    [inbound] = await inbox.wait(1)

    assert (inbound.text, inbound.payload, inbound.media, inbound.location, inbound.contact) == (
        None,
        None,
        (),
        None,
        None,
    )
    assert inbound.dedup_key.startswith("wa:wamid.")


async def test_statuses_are_not_messages(
    api: FakeGraphAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    statuses: list[StatusUpdate] = []

    async def on_status(status: StatusUpdate) -> None:
        statuses.append(status)

    hooked = await make_channel(on_status=on_status)
    payload = api.combine(
        api.status_update("wamid.out1", CLIENT, "sent"),
        api.status_update("wamid.out1", CLIENT, "delivered"),
        api.status_update("wamid.out1", CLIENT, "read"),
        api.status_update("wamid.out2", CLIENT, "failed", error_code=131026),
    )

    assert await api.post_webhook(hooked.url, payload, SECRET) == 200
    await asyncio.sleep(0.1)

    assert inbox.items == []
    assert [(s.message_id, s.status) for s in statuses] == [
        ("wamid.out1", "sent"),
        ("wamid.out1", "delivered"),
        ("wamid.out1", "read"),
        ("wamid.out2", "failed"),
    ]
    assert statuses[-1].errors == ((131026, "Message undeliverable"),)
    assert [c for c in api.calls if c.kind == "read"] == []


async def test_repeated_message_is_handled_once_and_keeps_its_dedup_key(
    api: FakeGraphAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    payload = api.text_message(CLIENT, "once", message_id="wamid.HBgLrepeat")
    first = await make_channel()

    assert await api.post_webhook(first.url, payload, SECRET) == 200
    assert await api.post_webhook(first.url, payload, SECRET) == 200
    await inbox.wait(1)
    await asyncio.sleep(0.05)
    # Another process (after a restart) sees the same key, so the engine's durable dedup catches it.
    second = await make_channel()
    assert await api.post_webhook(second.url, payload, SECRET) == 200
    await inbox.wait(2)

    assert [i.dedup_key for i in inbox.items] == ["wa:wamid.HBgLrepeat", "wa:wamid.HBgLrepeat"]


async def test_each_message_is_marked_read(api: FakeGraphAPI, inbox: Inbox, hooked: Hooked) -> None:
    payload = api.text_message(CLIENT, "hi", message_id="wamid.HBgLread1")

    await api.post_webhook(hooked.url, payload, SECRET)
    call = await api.wait_for_call(lambda c: c.kind == "read")

    assert call.body == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.HBgLread1"}
    assert api.read == ["wamid.HBgLread1"]


async def test_failed_read_receipt_does_not_stop_the_message(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked
) -> None:
    api.fail_next(500, kind="read")

    await api.post_webhook(hooked.url, api.text_message(CLIENT, "still here"), SECRET)

    assert [i.text for i in await inbox.wait(1)] == ["still here"]


async def test_inbound_opens_the_service_window_at_the_message_time(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked
) -> None:
    written = int((datetime.now(UTC) - timedelta(hours=2)).timestamp())

    await api.post_webhook(hooked.url, api.text_message(CLIENT, "hi", timestamp=written), SECRET)
    await inbox.wait(1)

    assert await hooked.window.last_inbound(CLIENT) == datetime.fromtimestamp(written, UTC)


async def test_messages_are_recorded_in_order_before_the_answer_and_503_when_they_cannot_be(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    recorded: list[str] = []
    down = {"second"}

    async def app(inbound: Inbound) -> None:
        if inbound.text in down:
            raise InboundNotRecorded("the database is away")
        recorded.append(f"{inbound.chat_id}:{inbound.text}")

    hooked = await make_channel(on_inbound=app)
    batch = api.combine(api.text_message("111", "first"), api.text_message("111", "second"))
    # "first" is recorded, "second" is not: Meta must deliver the body again.
    assert await api.post_webhook(hooked.url, batch, SECRET) == 503
    assert recorded == ["111:first"]
    down.clear()
    assert await api.post_webhook(hooked.url, batch, SECRET) == 200  # the repeat of "first" is dropped
    assert await api.post_webhook(hooked.url, api.text_message("222", "other chat"), SECRET) == 200

    assert recorded == ["111:first", "111:second", "222:other chat"]


async def test_a_failing_handler_does_not_block_the_chat(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    seen: list[str | None] = []
    both = asyncio.Event()

    async def flaky(inbound: Inbound) -> None:
        seen.append(inbound.text)
        if len(seen) == 2:
            both.set()
        if inbound.text == "boom":
            raise RuntimeError("engine bug")

    hooked = await make_channel(on_inbound=flaky)
    await api.post_webhook(
        hooked.url, api.combine(api.text_message(CLIENT, "boom"), api.text_message(CLIENT, "next")), SECRET
    )
    await asyncio.wait_for(both.wait(), 5)

    assert seen == ["boom", "next"]


async def test_signed_garbage_and_other_numbers_get_200_and_change_nothing(
    api: FakeGraphAPI, inbox: Inbox, hooked: Hooked
) -> None:
    other_number = api.text_message(CLIENT, "for another number")
    other_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    weird = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"value": {"messages": [{"nope": 1}]}}]}],
    }

    for body in (b"not json at all", [1, 2], weird, other_number):
        assert await api.post_webhook(hooked.url, body, SECRET) == 200
    await asyncio.sleep(0.1)

    assert inbox.items == []
    assert api.calls == []


async def test_after_close_webhooks_get_503_so_meta_delivers_again(api: FakeGraphAPI, hooked: Hooked) -> None:
    await hooked.channel.close()

    assert await api.post_webhook(hooked.url, api.text_message(CLIENT, "late"), SECRET) == 503


def test_missing_configuration_is_a_clear_error() -> None:
    from bots.whatsapp import WhatsAppChannel

    async def ignore(inbound: Inbound) -> None:
        return None

    with pytest.raises(ValueError, match="WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"):
        WhatsAppChannel(ignore, phone_number_id="123", access_token="t", app_secret="", verify_token=" ")
    with pytest.raises(ValueError, match="numeric id"):
        WhatsAppChannel(ignore, phone_number_id="+7 916", access_token="t", app_secret="s", verify_token="v")


def _signature(raw: bytes) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
