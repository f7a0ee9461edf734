"""With PUBLIC_URL set the app registers Telegram webhooks and answers updates Telegram posts to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage.migrate import upgrade
from tests.fakes.telegram_api import FakeTelegramAPI

CLIENT_TOKEN = "333333:client-token-abcdefghijklmnopqrstuvwxyz"
SECRET = "webhook-secret-123"


@pytest.fixture
async def webhook_app(
    tmp_path: Path, unused_tcp_port: int
) -> AsyncIterator[tuple[Runtime, FakeTelegramAPI, str]]:
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as api:
        base = f"http://127.0.0.1:{unused_tcp_port}"
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'wh.db'}",
            telegram_client_token=CLIENT_TOKEN,
            telegram_api_base=api.base_url,
            telegram_webhook_secret=SECRET,
            telegram_rate_limits=False,
            public_url=base,
            kb_embedder="none",
            worker_poll_s=0.05,
        )
        await upgrade(settings.database_url)
        await seed_demo(settings)
        rt = await build_runtime(settings, load_nlu=False)
        runner = web.AppRunner(build_web_app(rt))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
        await rt.start()
        try:
            yield rt, api, base
        finally:
            await rt.close()
            await runner.cleanup()


async def test_webhook_is_registered_and_answers(webhook_app: tuple[Runtime, FakeTelegramAPI, str]) -> None:
    _rt, api, base = webhook_app
    url = f"{base}/webhook/telegram/client"
    assert api.webhook_url(CLIENT_TOKEN) == url
    assert not api.calls_to("getUpdates")  # no polling in webhook mode
    api.push_text(4242, 4242, "/start", first_name="Вера", lang="ru")  # the fake posts it to our webhook
    call = await api.wait_for_call(
        "sendMessage",
        predicate=lambda c: c.params.get("chat_id") == 4242 and "Здравствуйте, Вера" in (c.plain_text or ""),
    )
    assert call.ok
    update = {
        "update_id": 999999,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"},
    }
    assert await api.post_to_webhook(url, update, "wrong-secret") == 401
    assert await api.post_to_webhook(url, update, None) == 401
