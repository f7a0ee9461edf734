"""POST /webchat/api/{bot}/send: what reaches the app, and what is refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bots.webchat.requests import MAX_TEXT
from dialogue.messages import Bot, Channel, Inbound, Location
from tests.unit.bots_webchat.conftest import Harness


async def test_send_builds_the_inbound(harness: Harness) -> None:
    resp = await harness.client.post(
        "/webchat/api/client/send",
        json={
            "chat_id": "contact-7",
            "client_msg_id": "m1",
            "text": "  The boiler is leaking  ",
            "name": "Olga",
            "lang": "ru",
            "location": {"lat": 55.75, "lon": 37.62},
        },
    )
    assert resp.status == 200
    assert await resp.json() == {"ok": True}
    assert harness.received == [
        Inbound(
            channel=Channel.WEB,
            bot=Bot.CLIENT,
            chat_id="contact-7",
            sender_id="contact-7",
            dedup_key="web:client:contact-7:m1",
            text="The boiler is leaking",
            location=Location(55.75, 37.62),
            sender_name="Olga",
            lang="ru",
        )
    ]


async def test_button_press_sends_payload_and_echoes_the_label(harness: Harness) -> None:
    resp = await harness.client.post(
        "/webchat/api/staff/send",
        json={"chat_id": "eng-1", "client_msg_id": "b1", "payload": "accept:T1|abc", "label": "Accept"},
    )
    assert resp.status == 200
    (inbound,) = harness.received
    assert (inbound.bot, inbound.payload, inbound.text) == (Bot.STAFF, "accept:T1|abc", None)
    (echo,) = await harness.history.list_after(Bot.STAFF, "eng-1", 0, 10)
    assert (echo["from"], echo["text"], echo["client_msg_id"]) == ("user", "Accept", "b1")


async def test_a_resent_message_keeps_its_dedup_key_and_is_shown_once(harness: Harness) -> None:
    body = {"chat_id": "v-1", "client_msg_id": "same", "text": "hello"}
    for _ in range(2):
        assert (await harness.client.post("/webchat/api/client/send", json=body)).status == 200
    assert [i.dedup_key for i in harness.received] == ["web:client:v-1:same"] * 2
    assert len(await harness.history.list_after(Bot.CLIENT, "v-1", 0, 10)) == 1
    # Another message id is another message.
    await harness.client.post("/webchat/api/client/send", json={**body, "client_msg_id": "other"})
    assert harness.received[-1].dedup_key == "web:client:v-1:other"


async def test_same_message_id_in_the_other_bot_is_a_different_key(harness: Harness) -> None:
    body = {"chat_id": "x1", "client_msg_id": "m1", "text": "hi"}
    await harness.client.post("/webchat/api/client/send", json=body)
    await harness.client.post("/webchat/api/staff/send", json=body)
    assert [i.dedup_key for i in harness.received] == ["web:client:x1:m1", "web:staff:x1:m1"]


OK: dict[str, Any] = {"chat_id": "c1", "client_msg_id": "m1", "text": "hi"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**OK, "chat_id": None}, "'chat_id' is required"),
        ({k: v for k, v in OK.items() if k != "client_msg_id"}, "'client_msg_id' is required"),
        ({**OK, "chat_id": "a b"}, "'chat_id' must be"),
        ({**OK, "chat_id": "x" * 65}, "'chat_id' must be"),
        ({**OK, "client_msg_id": 5}, "'client_msg_id' is required"),
        ({**OK, "text": "x" * (MAX_TEXT + 1)}, "'text' is too long"),
        ({**OK, "text": 42}, "'text' must be a string"),
        ({**OK, "payload": "p" * 300}, "'payload' is too long"),
        ({**OK, "name": "n" * 101}, "'name' is too long"),
        ({**OK, "lang": "russian"}, "'lang' must be a language code"),
        ({**OK, "text": "   "}, "nothing to send"),
        ({"chat_id": "c1", "client_msg_id": "m1"}, "nothing to send"),
        ({**OK, "location": {"lat": 91, "lon": 0}}, "'location.lat' must be between"),
        ({**OK, "location": {"lat": 1, "lon": "east"}}, "'location.lon' must be a number"),
        ({**OK, "location": {"lat": True, "lon": 1}}, "'location.lat' must be a number"),
        ({**OK, "location": [1, 2]}, "'location' must be an object"),
        (["not", "an", "object"], "must be a JSON object"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(harness: Harness, body: Any, fragment: str) -> None:
    resp = await harness.client.post("/webchat/api/client/send", json=body)
    assert resp.status == 400
    data = await resp.json()
    assert data["ok"] is False and fragment in data["error"]
    assert harness.received == []
    assert harness.history.chat_count() == 0


@pytest.mark.parametrize(
    ("path", "data", "fragment"),
    [
        ("/webchat/api/client/send", b"{not json", "not valid JSON"),
        ("/webchat/api/client/send", b"\xff\xfe", "not valid JSON"),
        ("/webchat/api/client/send", b"x" * (65 * 1024), "too large"),
        ("/webchat/api/admin/send", b'{"chat_id": "c", "client_msg_id": "m", "text": "t"}', "unknown bot"),
    ],
)
async def test_unreadable_bodies_and_unknown_bots_are_refused(
    harness: Harness, path: str, data: bytes, fragment: str
) -> None:
    resp = await harness.client.post(path, data=data, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert fragment in (await resp.json())["error"]
    assert harness.received == []


async def test_a_failing_app_answers_503_and_a_resend_is_not_echoed_twice(harness: Harness) -> None:
    calls = 0

    async def fail_once(inbound: Inbound) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is down")

    harness.behaviour = fail_once
    body = {"chat_id": "c1", "client_msg_id": "m1", "text": "hi"}
    first = await harness.client.post("/webchat/api/client/send", json=body)
    assert first.status == 503
    assert "send it again" in (await first.json())["error"]
    second = await harness.client.post("/webchat/api/client/send", json=body)
    assert second.status == 200
    assert [i.dedup_key for i in harness.received] == ["web:client:c1:m1"] * 2
    assert len(await harness.history.list_after(Bot.CLIENT, "c1", 0, 10)) == 1


async def test_one_chat_is_handled_in_order_other_chats_do_not_wait(harness: Harness) -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def slow_first(inbound: Inbound) -> None:
        events.append(f"start {inbound.chat_id} {inbound.text}")
        if inbound.text == "first":
            await release.wait()
        events.append(f"end {inbound.chat_id} {inbound.text}")

    harness.behaviour = slow_first
    post = harness.client.post
    first = asyncio.create_task(
        post("/webchat/api/client/send", json={"chat_id": "a", "client_msg_id": "1", "text": "first"})
    )
    await asyncio.sleep(0.05)
    second = asyncio.create_task(
        post("/webchat/api/client/send", json={"chat_id": "a", "client_msg_id": "2", "text": "second"})
    )
    other = await post("/webchat/api/client/send", json={"chat_id": "b", "client_msg_id": "1", "text": "x"})
    assert other.status == 200
    await asyncio.sleep(0.05)
    assert "start a second" not in events  # waits behind "first" of the same chat
    release.set()
    assert (await first).status == 200 and (await second).status == 200
    a_events = [e for e in events if " a " in e]
    assert a_events == ["start a first", "end a first", "start a second", "end a second"]
    assert len(harness.channel._chat_locks) == 0
