"""The web chat reads JSON and uploads within the app's limits: a clear 400, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.unit.bots_webchat.conftest import Harness


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            b'{"chat_id": "c", "client_msg_id": "m", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            "nested too deeply",
        ),
        (b"[" * 60_000, "nested too deeply"),  # within the web chat's 64 KB
        (b'{"chat_id": "c", "client_msg_id": "m", "location": {"lat": NaN, "lon": 1}}', "NaN"),
        (b'{"chat_id": "c", "client_msg_id": "m", "text": "t", "n": ' + b"9" * 5000 + b"}", "64 bits"),
    ],
)
async def test_deep_or_odd_json_is_a_400(harness: Harness, data: bytes, fragment: str) -> None:
    resp = await harness.client.post(
        "/webchat/api/client/send", data=data, headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert fragment in (await resp.json())["error"]
    assert harness.received == []


async def test_control_characters_are_stripped_from_the_message(harness: Harness) -> None:
    body = {
        "chat_id": "contact-7",
        "client_msg_id": "m1",
        "text": "Течёт\u0000 кран\u0007",
        "name": "Ol\u0000ga",
    }
    resp = await harness.client.post("/webchat/api/client/send", data=json.dumps(body).encode())
    assert resp.status == 200
    [inbound] = harness.received
    assert inbound.text == "Течёт кран" and inbound.sender_name == "Olga"


async def test_a_message_of_only_control_characters_has_nothing_to_send(harness: Harness) -> None:
    body = {"chat_id": "contact-7", "client_msg_id": "m1", "text": "\u0000\u0001"}
    resp = await harness.client.post("/webchat/api/client/send", data=json.dumps(body).encode())
    assert resp.status == 400
    assert "nothing to send" in (await resp.json())["error"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # No closing boundary: aiohttp raises ValueError("Reading after EOF") while reading the parts.
        (
            b'--b\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\ncontact-7\r\n'
            b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\n\r\n\x89PNG',
            "multipart/form-data; boundary=b",
        ),
        # A NUL in a part header: InvalidHeader, which is not a ValueError.
        (
            b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a\x00.png"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"x" * 1000, "multipart/form-data; boundary="),
    ],
)
async def test_a_broken_upload_is_a_400(harness: Harness, body: bytes, content_type: str) -> None:
    resp = await harness.client.post(
        "/webchat/api/client/upload", data=body, headers={"Content-Type": content_type}
    )
    assert resp.status == 400
    assert harness.received == []
