"""Sending over real HTTP to the fake Graph API: message shapes, limits, the window, errors, the rate."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bots.ratelimit import Rate, RateLimiter
from dialogue.messages import Bot, Button, Channel, DeliveryError, Media, Outbound
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET as SECRET
from tests.fakes.whatsapp_api import FakeGraphAPI
from tests.unit.bots_whatsapp.conftest import CLIENT, ChannelFactory, Hooked, open_window


def out(text: str = "Привет", **kwargs: object) -> Outbound:
    return Outbound(Channel.WHATSAPP, Bot.CLIENT, CLIENT, text, **kwargs)  # type: ignore[arg-type]


def buttons(*labels: str) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(label, f"p:{i}"),) for i, label in enumerate(labels))


async def test_text_inside_the_window(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)

    await hooked.channel.send(out("Заявка №12 принята"))

    [call] = api.messages_to(CLIENT)
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CLIENT,
        "type": "text",
        "text": {"body": "Заявка №12 принята", "preview_url": False},
    }
    assert api.sent_texts(CLIENT) == ["Заявка №12 принята"]


async def test_long_text_is_split_at_paragraphs(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    paragraphs = [f"Абзац {n}: " + "слово " * 300 for n in range(5)]  # ~1900 characters each

    await hooked.channel.send(out("\n\n".join(paragraphs)))

    texts = api.sent_texts(CLIENT)
    assert len(texts) == 3
    assert all(len(t) <= 4096 for t in texts)
    assert (
        texts[0].startswith("Абзац 0") and texts[1].startswith("Абзац 2") and texts[2].startswith("Абзац 4")
    )
    assert " ".join(" ".join(texts).split()) == " ".join(" ".join(paragraphs).split())


async def test_three_buttons_are_reply_buttons_with_short_titles(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)

    await hooked.channel.send(
        out("Как всё прошло?", buttons=buttons("Отлично", "Нормально", "Плохо, инженер опоздал"))
    )

    [call] = api.messages_to(CLIENT)
    assert call.interactive_type == "button"
    replies = [b["reply"] for b in call.body["interactive"]["action"]["buttons"]]
    assert [r["id"] for r in replies] == ["p:0", "p:1", "p:2"]
    assert [r["title"] for r in replies] == ["Отлично", "Нормально", "Плохо, инженер опоз…"]
    assert all(len(r["title"]) <= 20 for r in replies)
    assert api.sent_to(CLIENT)[0].text == "Как всё прошло?"


async def test_five_buttons_are_one_list(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    labels = ("Офис на Ленина, 1", "Склад", "Магазин на Тверской улице, дом 15, строение 2", "Дача", "Другое")

    await hooked.channel.send(out("Выберите объект", buttons=buttons(*labels)))

    [call] = api.messages_to(CLIENT)
    assert call.interactive_type == "list"
    action = call.body["interactive"]["action"]
    assert action["button"] == "Выбрать"
    [section] = action["sections"]
    rows = section["rows"]
    assert [r["id"] for r in rows] == [f"p:{i}" for i in range(5)]
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[2]["title"].endswith("…")
    assert rows[2]["description"] == "Магазин на Тверской улице, дом 15, строение 2"
    assert "description" not in rows[0]


async def test_more_than_ten_choices_go_in_several_lists(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)

    await hooked.channel.send(out("Pick a time", buttons=buttons(*(f"{h}:00" for h in range(8, 20)))))

    calls = api.messages_to(CLIENT)
    assert [c.interactive_type for c in calls] == ["list", "list"]
    assert [len(c.seen.choices) for c in calls if c.seen] == [10, 2]
    assert calls[0].body["interactive"]["action"]["button"] == "Choose"


async def test_url_buttons_become_links_in_the_text(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    rows = ((Button("Инструкция", url="https://example.com/kb/1"), Button("Да", "yes")),)

    await hooked.channel.send(out("Помогла статья?", buttons=rows))

    [seen] = api.sent_to(CLIENT)
    assert seen.text == "Помогла статья?\n\nИнструкция: https://example.com/kb/1"
    assert seen.choices == ("Да",)


async def test_long_text_with_buttons_goes_ahead_as_plain_text(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    text = "\n".join(f"Строка {n}: " + "х" * 60 for n in range(30))  # ~2100 characters

    await hooked.channel.send(out(text, buttons=buttons("Да", "Нет")))

    first, second = api.messages_to(CLIENT)
    assert (first.type, second.interactive_type) == ("text", "button")
    assert len(second.body["interactive"]["body"]["text"]) <= 1024
    assert first.body["text"]["body"] + "\n" + second.body["interactive"]["body"]["text"] == text


async def test_location_request(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)

    await hooked.channel.send(out("Where is the site?", request_location=True))

    [call] = api.messages_to(CLIENT)
    assert call.body["interactive"] == {
        "type": "location_request_message",
        "body": {"text": "Where is the site?"},
        "action": {"name": "send_location"},
    }


async def test_media_by_id_with_caption_and_foreign_ids_skipped(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    media_id = api.add_media(b"%PDF-1.4", "application/pdf")
    media = (Media("document", media_id), Media("photo", "AgACAgIAAxkBAAIBZ2telegram"))

    await hooked.channel.send(out("Акт выполненных работ", media=media))

    [call] = api.messages_to(CLIENT)
    assert call.body["document"] == {"id": media_id, "caption": "Акт выполненных работ"}


async def test_outside_the_window_the_template_carries_the_text(api: FakeGraphAPI, hooked: Hooked) -> None:
    await hooked.window.record_inbound(CLIENT, datetime.now(UTC) - timedelta(hours=25))

    await hooked.channel.send(out("Заявка №12: инженер выехал.\nОжидайте   звонка", buttons=buttons("Ок")))

    [call] = api.messages_to(CLIENT)
    assert call.body["template"] == {
        "name": "helpdesk_update",
        "language": {"code": "ru"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Заявка №12: инженер выехал. Ожидайте звонка"}],
            }
        ],
    }


async def test_template_name_and_language_are_configurable(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    hooked = await make_channel(template_lang="en")

    await hooked.channel.send(out("Ticket 12 is resolved"))

    assert api.messages_to(CLIENT)[0].body["template"]["language"] == {"code": "en"}


async def test_window_closed_on_meta_side_falls_back_to_the_template_once(
    api: FakeGraphAPI, hooked: Hooked
) -> None:
    await hooked.window.record_inbound(CLIENT, datetime.now(UTC))  # we think it is open; Meta disagrees

    await hooked.channel.send(out("Инженер будет в 15:00", buttons=buttons("Ок")))

    refused = [c for c in api.calls if c.kind == "message" and not c.ok]
    assert [(c.status, c.answer) for c in refused] == [(400, None)]
    assert [(s.type, s.text) for s in api.sent_to(CLIENT)] == [("template", "Инженер будет в 15:00")]


async def test_late_131047_status_sends_the_template(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    await hooked.channel.send(out("Ваша заявка закрыта"))
    sent_id = api.messages_to(CLIENT)[0].answer["messages"][0]["id"]

    failed = api.status_update(sent_id, CLIENT, "failed", error_code=131047)
    assert await api.post_webhook(hooked.url, failed, SECRET) == 200
    call = await api.wait_for_call(lambda c: c.type == "template")

    assert call.seen is not None and call.seen.text == "Ваша заявка закрыта"


@pytest.mark.parametrize(("code", "expected"), [(130429, 5.0), (131056, 6.0), (80007, 60.0), (4, 60.0)])
async def test_throttling_is_retry_after(
    api: FakeGraphAPI, hooked: Hooked, code: int, expected: float
) -> None:
    await open_window(hooked, api)
    api.fail_next(429 if code == 130429 else 400, code=code)

    with pytest.raises(DeliveryError) as caught:
        await hooked.channel.send(out())

    assert (caught.value.retry_after, caught.value.permanent) == (expected, False)


async def test_retry_after_header_wins(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    api.fail_next(429, retry_after=17)

    with pytest.raises(DeliveryError) as caught:
        await hooked.channel.send(out())

    assert caught.value.retry_after == 17.0


async def test_blocked_recipient_is_permanent(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    api.block(CLIENT)

    with pytest.raises(DeliveryError) as caught:
        await hooked.channel.send(out())

    assert caught.value.permanent
    assert "131026" in str(caught.value)


async def test_server_error_and_network_failure_are_retried_later(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    hooked = await make_channel()
    await open_window(hooked, api)
    api.fail_next(500)
    with pytest.raises(DeliveryError) as server:
        await hooked.channel.send(out())
    unreachable = await make_channel(api_base="http://127.0.0.1:9")
    await open_window(unreachable, api)
    with pytest.raises(DeliveryError) as network:
        await unreachable.channel.send(out())

    assert not server.value.permanent and not network.value.permanent


async def test_wrong_token_is_not_permanent_and_says_what_to_fix(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    hooked = await make_channel(access_token="expired")
    await open_window(hooked, api)

    with pytest.raises(DeliveryError) as caught:
        await hooked.channel.send(out())

    assert not caught.value.permanent and caught.value.retry_after == 300.0
    assert "WHATSAPP_ACCESS_TOKEN" in str(caught.value)


async def test_unsendable_outbound_is_permanent_and_sends_nothing(api: FakeGraphAPI, hooked: Hooked) -> None:
    await open_window(hooked, api)
    staff = Outbound(Channel.WHATSAPP, Bot.STAFF, CLIENT, "card")
    too_long_payload = out("x", buttons=((Button("a", "p" * 300),),))

    for bad in (staff, too_long_payload, out("", media=(Media("photo", "web:1.jpg"),))):
        with pytest.raises(DeliveryError) as caught:
            await hooked.channel.send(bad)
        assert caught.value.permanent

    assert api.calls == []


async def test_the_limiter_spaces_messages(api: FakeGraphAPI, make_channel: ChannelFactory) -> None:
    slow = Rate(20, 1.0)  # 50 ms apart, slow enough to measure on a busy machine
    hooked = await make_channel(rate=slow, limiter=RateLimiter())
    await open_window(hooked, api)

    for n in range(5):
        await hooked.channel.send(out(f"m{n}"))

    times = [c.at for c in api.messages_to(CLIENT)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 4
    assert all(gap >= 0.045 for gap in gaps), gaps


async def test_default_rate_is_80_a_second_per_number(
    api: FakeGraphAPI, make_channel: ChannelFactory
) -> None:
    clock = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    from bots.whatsapp import MESSAGES_RATE

    hooked = await make_channel(rate=MESSAGES_RATE, limiter=RateLimiter(clock=lambda: clock[0], sleep=sleep))
    await open_window(hooked, api)
    for n in range(3):
        await hooked.channel.send(out(f"m{n}"))

    assert slept == pytest.approx([1 / 80, 1 / 80])
