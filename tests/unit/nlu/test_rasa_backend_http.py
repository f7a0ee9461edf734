"""The Rasa backend against a small fake `/model/parse` server (the real one is in tests/integration)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlu.rasa_backend import RasaBackend, RasaUnavailableError

ANSWER: dict[str, Any] = {
    "text": "printer broken HD-1234",
    "intent": {"name": "report_problem", "confidence": 0.97},
    "entities": [
        {
            "entity": "ticket_number",
            "start": 15,
            "end": 22,
            "value": "HD-1234",
            "extractor": "RegexEntityExtractor",
        }
    ],
    "intent_ranking": [{"name": "report_problem", "confidence": 0.97}, {"name": "greet", "confidence": 0.03}],
}


@pytest.fixture()
async def fake_rasa() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def parse(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        if body["text"] == "boom":
            return web.Response(status=500, text="no model loaded")
        return web.json_response({**ANSWER, "text": body["text"]})

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")), seen
    finally:
        await server.close()


async def test_parse_reads_rasa_answer(fake_rasa: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = fake_rasa
    backend = RasaBackend(url)
    try:
        result = await backend.parse("printer broken HD-1234")
    finally:
        await backend.close()
    assert seen == [{"text": "printer broken HD-1234"}]
    assert result.intent.name == "report_problem"
    assert result.to_dict()["entities"][0] == {**ANSWER["entities"][0], "confidence_entity": 1.0}


async def test_server_error_and_unreachable_server(fake_rasa: tuple[str, list[dict[str, Any]]]) -> None:
    url, _ = fake_rasa
    backend = RasaBackend(url)
    with pytest.raises(RasaUnavailableError, match="HTTP 500"):
        await backend.parse("boom")
    await backend.close()
    down = RasaBackend("http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(RasaUnavailableError, match="not reachable"):
        await down.parse("hello")
    await down.close()
