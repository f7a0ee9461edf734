"""The real app, in-process on a free port, with all three client channels on and the platform fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET, FakeGraphAPI

CLIENT_TOKEN = "111111:client-token-abcdefghijklmnopqrstuvwxyz"
STAFF_TOKEN = "222222:staff-token-abcdefghijklmnopqrstuvwxyz"
VERIFY_TOKEN = "e2e-verify-token"


@dataclass
class RunningApp:
    """The running app, its address, the fakes it talks to and an HTTP client for the tests."""

    rt: Runtime
    base_url: str
    telegram: FakeTelegramAPI
    whatsapp: FakeGraphAPI
    http: aiohttp.ClientSession

    @property
    def whatsapp_webhook(self) -> str:
        """Where Meta would post this app's WhatsApp webhooks."""
        return f"{self.base_url}/webhook/whatsapp"


def app_settings(db: Path, uploads: Path, telegram: FakeTelegramAPI, whatsapp: FakeGraphAPI) -> Settings:
    """Settings for the e2e app: the given SQLite file, lexical KB, fast worker, every channel on a fake.

    The web chat runs in demo mode: the drivers name their chat, as the demo picker does.
    """
    # _env_file: pydantic-settings reads it at run time; mypy sees only the declared fields.
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        secret_key="e2e-secret",
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        telegram_client_token=CLIENT_TOKEN,
        telegram_staff_token=STAFF_TOKEN,
        telegram_api_base=telegram.base_url,
        telegram_rate_limits=False,
        telegram_polling_timeout_s=1,
        whatsapp_phone_number_id=whatsapp.phone_number_id,
        whatsapp_access_token=whatsapp.access_token,
        whatsapp_app_secret=DEFAULT_APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_api_base=whatsapp.base_url,
        webchat_upload_dir=uploads,
        webchat_poll_timeout_s=5,
        webchat_demo=True,  # the web chat drivers name their chat (a demo contact, an engineer) in each request
    )


@asynccontextmanager
async def running_app(db: Path, uploads: Path) -> AsyncIterator[RunningApp]:
    """Start the fakes and the app over `db` (already migrated and seeded); stop all of it afterwards.

    Args:
        db: the SQLite file to run on.
        uploads: the web chat's upload folder.
    """
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as telegram, FakeGraphAPI() as whatsapp:
        settings = app_settings(db, uploads, telegram, whatsapp)
        rt = await build_runtime(settings, nlu=None, load_nlu=False)
        runner = web.AppRunner(build_web_app(rt), shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        await rt.start()
        try:
            async with aiohttp.ClientSession() as http:
                yield RunningApp(rt, f"http://127.0.0.1:{port}", telegram, whatsapp, http)
        finally:
            await rt.close()
            await runner.cleanup()
