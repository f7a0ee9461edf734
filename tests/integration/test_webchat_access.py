"""The web chat of the real app without WEBCHAT_DEMO: nobody chats as someone else.

A visitor gets a session of their own and reads only their own chat; the staff chat needs the web admin
login and acts as that login; the demo picker's identity routes do not exist. On SQLite only: what is
tested is the web layer, and the PostgreSQL test database is shared with concurrent test runs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialogue.i18n import say
from helpdesk.admin.demo import DEMO_PASSWORDS
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from helpdesk.webchat_login import COOKIE as STAFF_CHAT_COOKIE
from helpdesk.webchat_login import STAFF_CHAT_PATH
from ticket_core.enums import PersonKind
from ticket_core.model import ChannelAccount

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CHAT_ID = re.compile(r'data-chat-id="([^"]*)"')
ENGINEER = "e-smirnov"


@dataclass
class App:
    """The running app and a way to open new browsers on it."""

    rt: Runtime
    server: TestServer
    clients: list[TestClient]

    async def browser(self) -> TestClient:
        """A new browser with its own cookies."""
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client


async def _make_app(sqlite_url: str, *, demo: bool, **more: Any) -> tuple[Runtime, TestServer]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        kb_embedder="none",
        kb_cache_dir=None,
        secret_key="integration-secret-0123456789",
        worker_poll_s=0.05,
        webchat_poll_timeout_s=2,
        webchat_demo=demo,
        **more,
    )
    await seed_demo(settings)
    rt = await build_runtime(settings, load_nlu=False)
    server = TestServer(build_web_app(rt))
    await server.start_server()
    await rt.start(polling=False)
    return rt, server


@pytest.fixture
async def app(sqlite_url: str) -> AsyncIterator[App]:
    """The whole app (web and worker) in widget mode on a SQLite file with the demo company."""
    rt, server = await _make_app(sqlite_url, demo=False)
    running = App(rt, server, [])
    try:
        yield running
    finally:
        for client in running.clients:
            await client.close()
        await rt.close()
        await server.close()


async def _replies(
    client: TestClient, bot: str, want: int = 1, timeout_s: float = 15.0
) -> list[dict[str, Any]]:
    """Poll the browser's own chat until it holds `want` bot messages; return them."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    bot_messages: list[dict[str, Any]] = []
    while asyncio.get_running_loop().time() < deadline:
        resp = await client.get(f"/webchat/api/{bot}/messages", params={"wait": "1"})
        assert resp.status == 200, await resp.text()
        bot_messages = [m for m in (await resp.json())["messages"] if m["from"] == "bot"]
        if len(bot_messages) >= want:
            return bot_messages
    raise AssertionError(f"no reply in the {bot} chat within {timeout_s} s: {bot_messages}")


async def _sign_in(client: TestClient, login: str) -> Any:
    form = await (await client.get("/admin/login")).text()
    token = CSRF.search(form).group(1)  # type: ignore[union-attr]
    return await client.post(
        "/admin/login",
        data={"login": login, "password": DEMO_PASSWORDS[login], "csrf": token, "next": STAFF_CHAT_PATH},
        allow_redirects=False,
    )


@pytest.mark.parametrize("bot", ["client", "staff"])
async def test_the_identity_routes_are_404_without_demo(app: App, bot: str) -> None:
    client = await app.browser()
    assert (await client.get(f"/webchat/api/{bot}/identities")).status == 404


async def test_with_demo_the_picker_is_there_as_before(sqlite_url: str) -> None:
    rt, server = await _make_app(sqlite_url, demo=True)
    try:
        async with TestClient(server) as client:
            staff = await (await client.get("/webchat/api/staff/identities")).json()
            assert "a-admin" in [i["id"] for i in staff["identities"]]
            # The name and the role apart: the page says the role in its own language (#18: "(engineer)" in
            # the Russian picker).
            sokolova = next(i for i in staff["identities"] if i["id"] == "s-sokolova")
            assert sokolova == {"id": "s-sokolova", "label": "Ольга Соколова", "role": "supervisor"}
            assert 'id="identity"' in await (await client.get("/staff")).text()
            resp = await client.post(
                "/webchat/api/client/send",
                json={"chat_id": "acme-anna", "client_msg_id": "d1", "text": "/start"},
            )
            assert resp.status == 200
    finally:
        await rt.close()
        await server.close()


async def test_a_fresh_visitor_chats_gets_a_reply_and_nobody_else_reads_it(app: App) -> None:
    alice = await app.browser()
    page = await alice.get("/")
    assert page.status == 200
    match = CHAT_ID.search(await page.text())
    assert match is not None and match.group(1).startswith("v-")
    alice_chat = match.group(1)
    resp = await alice.post(
        "/webchat/api/client/send", json={"client_msg_id": "a1", "text": "/start", "lang": "en"}
    )
    assert resp.status == 200, await resp.text()
    assert await _replies(alice, "client")

    mallory = await app.browser()
    assert (await mallory.get("/")).status == 200
    for chat in (alice_chat, "acme-anna"):
        stolen = await mallory.get("/webchat/api/client/messages", params={"chat_id": chat, "wait": "0"})
        assert stolen.status == 403
        written = await mallory.post(
            "/webchat/api/client/send", json={"chat_id": chat, "client_msg_id": "x1", "text": "/tickets"}
        )
        assert written.status == 403
    own = await (await mallory.get("/webchat/api/client/messages", params={"wait": "0"})).json()
    assert own["messages"] == []

    # Without any session, a demo contact's history is not readable either.
    stranger = await app.browser()
    resp = await stranger.get("/webchat/api/client/messages", params={"chat_id": "acme-anna", "wait": "0"})
    assert resp.status == 401


async def test_the_staff_chat_needs_the_admin_login(app: App) -> None:
    client = await app.browser()
    page = await client.get("/staff", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == STAFF_CHAT_PATH
    hand_over = await client.get(STAFF_CHAT_PATH, allow_redirects=False)
    assert hand_over.status == 303
    assert unquote(hand_over.headers["Location"]) == f"/admin/login?next={STAFF_CHAT_PATH}"
    for resp in (
        await client.get("/webchat/api/staff/messages", params={"chat_id": "a-admin", "wait": "0"}),
        await client.post(
            "/webchat/api/staff/send", json={"chat_id": "a-admin", "client_msg_id": "k1", "text": "/kb"}
        ),
    ):
        assert resp.status == 401
        assert "sign in" in (await resp.json())["error"]


async def test_the_staff_chat_acts_as_the_signed_in_member_until_they_sign_out(app: App) -> None:
    # A link left by the demo picker to someone else must not make this login act as them.
    async with app.rt.uows() as uow:
        await uow.accounts.link(
            ChannelAccount("web", "staff", ENGINEER, PersonKind.STAFF, "a-admin", ENGINEER)
        )
        await uow.commit()

    client = await app.browser()
    login = await _sign_in(client, ENGINEER)
    assert login.status == 303 and login.headers["Location"] == STAFF_CHAT_PATH
    hand_over = await client.get(STAFF_CHAT_PATH, allow_redirects=False)
    assert hand_over.status == 303 and hand_over.headers["Location"] == "/staff"
    cookie = hand_over.headers["Set-Cookie"]
    assert STAFF_CHAT_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = await client.get("/staff", allow_redirects=False)
    assert page.status == 200
    html = await page.text()
    assert f'data-chat-id="{ENGINEER}"' in html and "(инженер)" in html and 'id="identity"' not in html
    async with app.rt.uows() as uow:
        account = await uow.accounts.find("web", "staff", ENGINEER)
    assert account is not None and account.person_id == ENGINEER

    impersonate = await client.post(
        "/webchat/api/staff/send", json={"chat_id": "a-admin", "client_msg_id": "k1", "text": "/kb"}
    )
    assert impersonate.status == 403
    resp = await client.post("/webchat/api/staff/send", json={"client_msg_id": "j1", "text": "/jobs"})
    assert resp.status == 200, await resp.text()
    (reply,) = await _replies(client, "staff")
    # Known as the engineer (linked by the login, no join code asked for), with their own job list.
    assert (
        reply["text"] in (say("ru", "You have no active jobs."), say("en", "You have no active jobs."))
        or "HD-" in reply["text"]
    ), reply

    # When the admin session ends (sign-out, a password change, expiry) the staff chat ends with it.
    async with app.rt.uows() as uow:
        assert await uow.admin.delete_sessions_of(ENGINEER) == 1  # type: ignore[attr-defined]
        await uow.commit()
    after = await client.post("/webchat/api/staff/send", json={"client_msg_id": "j2", "text": "/jobs"})
    assert after.status == 401
    assert (await client.get("/staff", allow_redirects=False)).status == 303


async def test_a_burst_of_new_visitors_from_one_address_is_stopped_with_429(app: App) -> None:
    # The attack: new chat ids as fast as possible, each one a new client row once it writes.
    statuses = []
    for _ in range(12):
        client = await app.browser()
        page = await client.get("/")
        statuses.append(page.status)
        if page.status == 429:
            assert int(page.headers["Retry-After"]) >= 1
            assert 'data-blocked="' in await page.text()
            refused = await client.post(
                "/webchat/api/client/send", json={"client_msg_id": "s", "text": "/start"}
            )
            assert refused.status == 401  # no session was given out, so nothing can be written
    assert statuses == [200] * 10 + [429] * 2


async def test_behind_a_trusted_balancer_each_visitor_has_an_allowance_of_their_own(sqlite_url: str) -> None:
    """docker-compose's shape: every request comes from HAProxy, which appends the visitor's address to
    X-Forwarded-For. One script's burst used to spend the one allowance of the balancer's address, and the
    widget refused every other new visitor for a minute."""
    rt, server = await _make_app(sqlite_url, demo=False, trusted_proxies="127.0.0.1")
    running = App(rt, server, [])
    try:

        async def new_visitor(forwarded_for: str) -> int:
            client = await running.browser()
            page = await client.get("/", headers={"X-Forwarded-For": forwarded_for})
            return page.status

        # The attacker writes a new address of its own on the left each time; the balancer's entry is last.
        burst = [await new_visitor(f"198.51.100.{i}, 203.0.113.66") for i in range(12)]
        assert burst == [200] * 10 + [429] * 2
        assert await new_visitor("203.0.113.7") == 200  # someone else, at the same time
        assert await new_visitor("203.0.113.66") == 429
    finally:
        for client in running.clients:
            await client.close()
        await rt.close()
        await server.close()


@pytest.mark.parametrize("charset", ["xx-unknown", "rot13", "latin-1"])
async def test_a_body_declared_in_another_charset_is_refused(app: App, charset: str) -> None:
    """docs/bad_input.md: JSON is UTF-8, and a charset other than utf-8/ascii is refused. The web chat read
    the bytes as UTF-8 whatever the header said and answered 200."""
    client = await app.browser()
    assert (await client.get("/")).status == 200
    resp = await client.post(
        "/webchat/api/client/send",
        data=b'{"client_msg_id": "cs1", "text": "hello"}',
        headers={"Content-Type": f"application/json; charset={charset}"},
    )
    assert resp.status == 400
    assert "charset" in (await resp.json())["error"]
