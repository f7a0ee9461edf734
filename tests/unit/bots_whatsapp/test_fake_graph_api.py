"""The fake Graph API itself refuses what Meta refuses, so adapter bugs cannot hide behind it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.fakes.whatsapp_api import FakeGraphAPI

TO = "79161234567"


async def post(
    api: FakeGraphAPI, body: dict[str, Any], token: str | None = None
) -> tuple[int, dict[str, Any]]:
    url = f"{api.base_url}/v21.0/{api.phone_number_id}/messages"
    headers = {"Authorization": f"Bearer {token or api.access_token}"}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


def interactive(content: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": TO, "type": "interactive", "interactive": content}


def reply_buttons(*titles: str) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]
    return interactive({"type": "button", "body": {"text": "?"}, "action": {"buttons": buttons}})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (reply_buttons("a", "b", "c", "d"), 131009),
        (reply_buttons("x" * 21), 131009),
        (reply_buttons("same", "same"), 131009),
        (
            interactive(
                {
                    "type": "list",
                    "body": {"text": "?"},
                    "action": {"button": "Choose", "sections": [{"rows": [{"id": "1", "title": "t" * 25}]}]},
                }
            ),
            131009,
        ),
        ({"messaging_product": "whatsapp", "to": TO, "type": "text", "text": {"body": "x" * 4097}}, 100),
        ({"to": TO, "type": "text", "text": {"body": "x"}}, 100),
        ({"messaging_product": "whatsapp", "to": TO, "type": "image", "image": {"id": "404"}}, 131053),
    ],
)
async def test_malformed_messages_get_graph_errors(body: dict[str, Any], code: int) -> None:
    async with FakeGraphAPI() as api:
        api.open_window(TO)
        status, answer = await post(api, body)

    assert status == 400
    assert answer["error"]["code"] == code
    assert set(answer["error"]) >= {"message", "type", "code", "fbtrace_id"}


async def test_window_templates_and_auth() -> None:
    text = {"messaging_product": "whatsapp", "to": TO, "type": "text", "text": {"body": "hi"}}
    template: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": TO,
        "type": "template",
        "template": {
            "name": "helpdesk_update",
            "language": {"code": "ru"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "a\nb"}]}],
        },
    }
    async with FakeGraphAPI() as api:
        closed = await post(api, text)
        bad_param = await post(api, template)
        template["template"]["components"][0]["parameters"][0]["text"] = "a b"
        good = await post(api, template)
        unauthorised = await post(api, text, token="nope")

    assert (closed[0], closed[1]["error"]["code"]) == (400, 131047)
    assert bad_param[1]["error"]["code"] == 132018
    assert good[0] == 200 and good[1]["messages"][0]["id"].startswith("wamid.")
    assert good[1]["contacts"] == [{"input": TO, "wa_id": TO}]
    assert (unauthorised[0], unauthorised[1]["error"]["code"]) == (401, 190)
    assert api.sent_texts(TO) == ["a b"]


async def test_fail_next_counts_down_and_keeps_read_receipts_apart() -> None:
    text = {"messaging_product": "whatsapp", "to": TO, "type": "text", "text": {"body": "hi"}}
    async with FakeGraphAPI() as api:
        api.open_window(TO)
        api.fail_next(429, times=2, retry_after=3)
        results = [(await post(api, text))[0] for _ in range(3)]

    assert results == [429, 429, 200]
