"""GET /webchat/api/{bot}/messages and `WebChatChannel.send`: the long poll."""

from __future__ import annotations

import asyncio
import time

import pytest

from dialogue.messages import Bot, Button, Channel, DeliveryError, Media, Outbound
from tests.unit.bots_webchat.conftest import Harness


def reply(chat_id: str, text: str, bot: Bot = Bot.CLIENT, **kw: object) -> Outbound:
    return Outbound(Channel.WEB, bot, chat_id, text, **kw)  # type: ignore[arg-type]


async def test_poll_returns_a_sent_message_with_its_buttons(harness: Harness) -> None:
    buttons = ((Button("Helped", payload="fb:1|s"), Button("Did not help", payload="fb:0|s")),)
    await harness.channel.send(reply("c1", "Restart the router.\nThen wait 2 minutes.", buttons=buttons))
    resp = await harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1", "after": "0"})
    assert resp.status == 200
    data = await resp.json()
    (message,) = data["messages"]
    assert message["seq"] == 1
    assert message["from"] == "bot"
    assert message["text"] == "Restart the router.\nThen wait 2 minutes."
    assert message["buttons"] == [
        [
            {"text": "Helped", "payload": "fb:1|s", "url": None},
            {"text": "Did not help", "payload": "fb:0|s", "url": None},
        ]
    ]
    assert message["at"].endswith("+00:00")
    assert data["epoch"] == harness.history.epoch


async def test_a_waiting_poll_wakes_as_soon_as_a_message_is_sent(harness: Harness) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(
        harness.client.get("/webchat/api/staff/messages", params={"chat_id": "eng-1", "after": "0"})
    )
    await asyncio.sleep(0.2)
    assert not poll.done()
    assert harness.channel.signals.waiting((Bot.STAFF, "eng-1")) == 1
    await harness.channel.send(reply("eng-1", "New job HD-1001", bot=Bot.STAFF))
    resp = await poll
    assert time.monotonic() - started < 2.0  # the timeout is 3 s: it did not just time out
    assert [m["text"] for m in (await resp.json())["messages"]] == ["New job HD-1001"]
    assert harness.channel.signals.waiting((Bot.STAFF, "eng-1")) == 0


async def test_a_message_to_another_chat_or_bot_does_not_answer_the_poll(harness: Harness) -> None:
    poll = asyncio.create_task(
        harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1", "wait": "0.5"})
    )
    await asyncio.sleep(0.1)
    await harness.channel.send(reply("c2", "not yours"))
    await harness.channel.send(reply("c1", "staff side", bot=Bot.STAFF))
    resp = await poll
    assert (await resp.json())["messages"] == []


async def test_after_returns_only_newer_messages(harness: Harness) -> None:
    for n in range(1, 4):
        await harness.channel.send(reply("c1", f"m{n}"))
    resp = await harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1", "after": "1"})
    assert [(m["seq"], m["text"]) for m in (await resp.json())["messages"]] == [(2, "m2"), (3, "m3")]
    resp = await harness.client.get(
        "/webchat/api/client/messages", params={"chat_id": "c1", "after": "3", "wait": "0"}
    )
    assert (await resp.json())["messages"] == []


async def test_an_empty_poll_answers_after_its_wait(harness: Harness) -> None:
    started = time.monotonic()
    resp = await harness.client.get("/webchat/api/client/messages", params={"chat_id": "c9", "wait": "0.3"})
    assert resp.status == 200
    assert (await resp.json())["messages"] == []
    assert 0.25 < time.monotonic() - started < 2.0


async def test_shutdown_answers_waiting_polls_at_once(harness: Harness) -> None:
    poll = asyncio.create_task(harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1"}))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await harness.app.shutdown()
    resp = await poll
    assert (await resp.json())["messages"] == []
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "'chat_id' is required"),
        ({"chat_id": "a/b"}, "'chat_id' must be"),
        ({"chat_id": "c1", "after": "x"}, "'after' must be a whole number"),
        ({"chat_id": "c1", "after": "-1"}, "'after' must be between"),
        ({"chat_id": "c1", "wait": "soon"}, "'wait' must be a number"),
        ({"chat_id": "c1", "wait": "nan"}, "'wait' must be a number"),
    ],
)
async def test_bad_poll_parameters_are_refused(
    harness: Harness, params: dict[str, str], fragment: str
) -> None:
    resp = await harness.client.get("/webchat/api/client/messages", params=params)
    assert resp.status == 400
    assert fragment in (await resp.json())["error"]


async def test_poll_of_an_unknown_bot_is_refused(harness: Harness) -> None:
    resp = await harness.client.get("/webchat/api/robot/messages", params={"chat_id": "c1"})
    assert resp.status == 400


async def test_media_and_link_buttons_are_shown_only_when_a_browser_can_use_them(harness: Harness) -> None:
    name = "0" * 32 + ".png"
    out = reply(
        "c1",
        "see attached",
        media=(
            Media("photo", f"web:{name}"),
            Media("photo", "AgACAgIAAxkBAAI"),
            Media("document", "https://x/y.pdf"),
        ),
        buttons=((Button("Open", url="https://example.com/a"), Button("Bad", url="javascript:alert(1)")),),
        request_location=True,
    )
    await harness.channel.send(out)
    (message,) = harness.history._chats[("client", "c1")][1]
    assert [m["url"] for m in message["media"]] == [f"/webchat/files/{name}", None, "https://x/y.pdf"]
    assert [b["url"] for b in message["buttons"][0]] == ["https://example.com/a", None]
    assert message["request_location"] is True


async def test_send_refuses_what_is_not_a_web_chat_message(harness: Harness) -> None:
    with pytest.raises(DeliveryError) as info:
        await harness.channel.send(Outbound(Channel.TELEGRAM, Bot.CLIENT, "123", "hi"))
    assert info.value.permanent
    with pytest.raises(DeliveryError):
        await harness.channel.send(reply("bad chat id", "hi"))
    assert harness.history.chat_count() == 0


async def test_with_recheck_a_poll_sees_what_another_process_appended(harness: Harness) -> None:
    harness.channel.recheck_s = 0.1
    poll = asyncio.create_task(
        harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1", "wait": "2"})
    )
    await asyncio.sleep(0.15)
    # Straight into the history, as a worker process writing a shared table would: no wake-up here.
    await harness.history.append(Bot.CLIENT, "c1", {"from": "bot", "text": "from the worker"})
    started = time.monotonic()
    resp = await poll
    assert [m["text"] for m in (await resp.json())["messages"]] == ["from the worker"]
    assert time.monotonic() - started < 1.0


async def test_without_recheck_another_process_is_seen_at_the_timeout(harness: Harness) -> None:
    poll = asyncio.create_task(
        harness.client.get("/webchat/api/client/messages", params={"chat_id": "c1", "wait": "0.5"})
    )
    await asyncio.sleep(0.1)
    await harness.history.append(Bot.CLIENT, "c1", {"from": "bot", "text": "late"})
    started = time.monotonic()
    resp = await poll
    # Not woken early (nothing in this process sent it), but the last read at the timeout finds it.
    assert time.monotonic() - started > 0.25
    assert [m["text"] for m in (await resp.json())["messages"]] == ["late"]
