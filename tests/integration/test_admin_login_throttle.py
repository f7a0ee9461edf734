"""The admin login throttle over HTTP, on SQLite and PostgreSQL, under concurrency.

Each browser is an aiohttp client session with its own cookie jar and its own source address on the
loopback network (127.0.0.2, 127.0.0.3, ...), so the app sees distinct addresses. Every password check is
counted by wrapping `verify_password` where `log_in` calls it, and the app's clock stands still unless a
test moves it, so waits are exact.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from helpdesk.admin import usecases
from helpdesk.admin.context import ADMIN_CONTEXT, AdminContext
from helpdesk.admin.demo import DEMO_PASSWORDS
from helpdesk.admin.login_throttle import DEVICE_COOKIE
from helpdesk.admin.passwords import verify_password
from helpdesk.admin.sessions import COOKIE
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage.admin_tables import admin_audit, admin_devices, admin_login_failures, admin_login_throttle
from tests.integration.test_api_http import _empty_postgres
from ticket_core.enums import Role
from ticket_core.model import Actor

ADMIN, SUPERVISOR = "a-admin", "s-sokolova"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LIMIT = 5


@dataclass
class Reply:
    """What a login POST answered."""

    status: int
    retry_after: int | None
    text: str


@dataclass
class Browser:
    """A browser at one source address, keeping cookies."""

    http: aiohttp.ClientSession
    base: str

    async def csrf(self, path: str = "/admin/login") -> str:
        """The CSRF token of a page's form (the login form sets its cookie)."""
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            match = CSRF.search(await response.text())
            assert match is not None, f"{path}: no form"
            return match.group(1)

    async def login(self, login: str, password: str | None = None, token: str | None = None) -> Reply:
        """Submit the login form (with a fresh form unless `token` is given)."""
        token = token or await self.csrf()
        data = {"login": login, "password": password or DEMO_PASSWORDS[login], "csrf": token}
        async with self.http.post(self.base + "/admin/login", data=data, allow_redirects=False) as response:
            retry = response.headers.get("Retry-After")
            return Reply(response.status, int(retry) if retry else None, await response.text())

    async def log_out(self) -> None:
        """Sign out from the dashboard's form."""
        token = await self.csrf("/admin/")
        async with self.http.post(
            self.base + "/admin/logout", data={"csrf": token}, allow_redirects=False
        ) as response:
            assert response.status == 303

    def cookie(self, name: str) -> str | None:
        """A cookie this browser keeps."""
        found = [c.value for c in self.http.cookie_jar if c.key == name]
        return found[0] if found else None

    async def flood(self, login: str, count: int) -> list[Reply]:
        """`count` wrong passwords at once, all on one login form."""
        token = await self.csrf()
        return list(
            await asyncio.gather(*(self.login(login, f"wrong-password-{i}", token) for i in range(count)))
        )


@dataclass
class Site:
    """The app (one or more 'processes' on one database), its frozen clock and the password checks made."""

    rt: Runtime
    servers: list[TestServer]
    checks: list[str]
    now: list[datetime]
    _sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    def browser(self, address: str, server: int = 0) -> Browser:
        """A new browser (empty cookie jar) connecting from `address`."""
        http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(address, 0)),
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # the server is an IP address
        )
        self._sessions.append(http)
        return Browser(http, str(self.servers[server].make_url("")).rstrip("/"))

    def advance(self, seconds: float) -> None:
        """Move the app's clock on."""
        self.now[0] += timedelta(seconds=seconds)

    async def scalar(self, query: Any) -> Any:
        async with self.rt.sessions() as session:
            return (await session.execute(query)).scalar()


def _settings(db_url: str) -> Settings:
    return Settings(_env_file=None, database_url=db_url, kb_embedder="none", kb_cache_dir=None)  # type: ignore[call-arg]


async def _serve(rt: Runtime, clock: Callable[[], datetime]) -> TestServer:
    app = build_web_app(rt)
    ctx: AdminContext = app[ADMIN_CONTEXT]
    ctx.clock = clock
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def site(db_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    """The app on `db_url` with the demo company; its password checks are counted."""
    if db_url.startswith("postgresql"):
        await _empty_postgres(db_url)
    await seed_demo(_settings(db_url), with_kb=False)
    checks: list[str] = []

    def counted(password: str, stored: str | None) -> bool:
        checks.append(password)  # list.append is atomic: checks run on worker threads
        return verify_password(password, stored)

    monkeypatch.setattr(usecases, "verify_password", counted)
    now = [datetime.now().astimezone()]
    rt = await build_runtime(_settings(db_url), load_nlu=False)
    server = await _serve(rt, lambda: now[0])
    found = Site(rt, [server], checks, now)
    try:
        yield found
    finally:
        for http in found._sessions:
            await http.close()
        for server in found.servers:
            await server.close()
        await rt.close()
        if db_url.startswith("postgresql"):
            await _empty_postgres(db_url)  # the shared database: the repository suites expect it empty


async def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit(site: Site) -> None:
    replies = await site.browser("127.0.0.2").flood(ADMIN, 60)
    assert len(site.checks) == LIMIT
    assert Counter(r.status for r in replies) == {401: LIMIT, 429: 60 - LIMIT}
    refused = [r for r in replies if r.status == 429]
    assert all(r.retry_after is not None and r.retry_after >= 1 for r in refused)
    assert all("Too many failed logins" in r.text and "try again" in r.text for r in refused)
    assert await site.scalar(select(func.count()).select_from(admin_login_failures)) == LIMIT


async def test_parallel_wrong_passwords_from_many_addresses_share_the_login_limit(site: Site) -> None:
    browsers = [site.browser(f"127.0.0.{n}") for n in range(2, 14)]
    replies = [r for batch in await asyncio.gather(*(b.flood(ADMIN, 5) for b in browsers)) for r in batch]
    assert len(site.checks) == LIMIT
    assert Counter(r.status for r in replies) == {401: LIMIT, 429: 60 - LIMIT}
    assert any("unknown browsers" in r.text for r in replies if r.status == 429)


async def test_the_limit_holds_across_processes(site: Site) -> None:
    # A second runtime on the same database: its own engine, connection pool and (SQLite) in-process lock,
    # so only the database can keep the two apart, as with two processes.
    other = await build_runtime(_settings(site.rt.settings.database_url), load_nlu=False)
    try:
        site.servers.append(await _serve(other, lambda: site.now[0]))
        first, second = site.browser("127.0.0.2", server=0), site.browser("127.0.0.3", server=1)
        replies = [
            r
            for batch in await asyncio.gather(first.flood(ADMIN, 30), second.flood(ADMIN, 30))
            for r in batch
        ]
        assert len(site.checks) == LIMIT
        assert Counter(r.status for r in replies) == {401: LIMIT, 429: 60 - LIMIT}
    finally:
        await site.servers.pop().close()
        await other.close()


async def test_the_real_user_signs_in_from_a_known_browser_during_an_attack(site: Site) -> None:
    user = site.browser("127.0.0.2")
    assert (await user.login(ADMIN)).status == 303
    assert user.cookie(DEVICE_COOKIE) is not None
    await user.log_out()
    assert user.cookie(DEVICE_COOKIE) is not None  # signing out keeps the browser known
    # The attack: from the user's own address (a shared NAT) and from another one.
    on_same = site.browser("127.0.0.2")
    elsewhere = site.browser("127.0.0.3")
    replies = [
        r
        for batch in await asyncio.gather(on_same.flood(ADMIN, 60), elsewhere.flood(ADMIN, 60))
        for r in batch
    ]
    assert len(site.checks) == 1 + LIMIT
    assert Counter(r.status for r in replies)[401] == LIMIT
    # The right password from the known browser still works, at the attacked address...
    reply = await user.login(ADMIN)
    assert reply.status == 303, reply.text
    assert user.cookie(COOKIE) is not None
    last = await site.scalar(
        select(admin_audit.c.detail)
        .where(admin_audit.c.action == "login")
        .order_by(admin_audit.c.id.desc())
        .limit(1)
    )
    assert last == {"ip": "127.0.0.2", "known_device": True}
    # ...while a browser that never signed in as this login waits, even with the right password.
    stranger = await site.browser("127.0.0.4").login(ADMIN)
    assert stranger.status == 429 and stranger.retry_after is not None
    assert "sign in from a browser you have signed in with before" in stranger.text
    # A device cookie of another login does not make a browser known for this one.
    supervisor = site.browser("127.0.0.5")
    assert (await supervisor.login(SUPERVISOR)).status == 303
    assert (await supervisor.login(ADMIN)).status == 429


async def test_the_failing_address_waits_longer_each_time_and_others_do_not(site: Site) -> None:
    attacker = site.browser("127.0.0.2")
    for _ in range(LIMIT):
        assert (await attacker.login("nobody", "guess-password")).status == 401
    waits = []
    for _ in range(4):
        refused = await attacker.login("nobody", "guess-password")
        assert refused.status == 429 and refused.retry_after is not None
        waits.append(refused.retry_after)
        site.advance(refused.retry_after)
        assert (await attacker.login("nobody", "guess-password")).status == 401
    assert waits == [1, 2, 4, 8]
    assert "from your network address" in refused.text
    # Another address is not held back: a wrong password there is checked, the right one signs in.
    other = site.browser("127.0.0.3")
    assert (await other.login("someone-else", "guess-password")).status == 401
    assert (await other.login(SUPERVISOR)).status == 303
    others = (
        select(func.count())
        .select_from(admin_login_throttle)
        .where(admin_login_throttle.c.subject.in_(["127.0.0.3", "someone-else"]))
    )
    assert await site.scalar(others) == 2
    # Quiet for a window after the wait ended: the attacker's count starts again.
    site.advance(16 + 300)
    checked = len(site.checks)
    for _ in range(LIMIT):
        assert (await attacker.login("nobody", "guess-password")).status == 401
    assert (await attacker.login("nobody", "guess-password")).status == 429
    assert len(site.checks) == checked + LIMIT
    assert await site.scalar(others) == 0  # forgotten counters are dropped along the way


async def test_a_right_password_gives_its_attempt_back_without_clearing_the_count(site: Site) -> None:
    for _ in range(LIMIT - 1):
        assert (await site.browser("127.0.0.2").login(ADMIN, "wrong-password")).status == 401
    assert (await site.browser("127.0.0.2").login(ADMIN)).status == 303
    again = site.browser("127.0.0.2")  # no device cookie: counted on the address and the login
    assert (await again.login(ADMIN, "wrong-password")).status == 401  # the 5th failure, not the 6th
    assert (await again.login(ADMIN, "wrong-password")).status == 429


async def test_a_known_browser_has_a_limit_of_its_own(site: Site) -> None:
    user = site.browser("127.0.0.2")
    assert (await user.login(ADMIN)).status == 303
    replies = await user.flood(ADMIN, 20)
    assert Counter(r.status for r in replies) == {401: LIMIT, 429: 20 - LIMIT}
    assert any("from this browser" in r.text for r in replies if r.status == 429)
    # The same cookie from elsewhere is the same device: a stolen cookie gets no fresh tries.
    thief = site.browser("127.0.0.9")
    thief.http.cookie_jar.update_cookies({DEVICE_COOKIE: user.cookie(DEVICE_COOKIE) or ""})
    assert (await thief.login(ADMIN, "wrong-password")).status == 429
    # The device's failures did not touch the login's counter for unknown browsers.
    assert (await site.browser("127.0.0.3").login(ADMIN, "wrong-password")).status == 401
    # After the wait the right password signs in and the device's count starts again.
    site.advance(1)
    assert (await user.login(ADMIN)).status == 303
    counters = await site.scalar(
        select(func.count()).select_from(admin_login_throttle).where(admin_login_throttle.c.scope == "device")
    )
    assert counters == 0


async def test_a_new_password_forgets_the_known_browsers(site: Site) -> None:
    user = site.browser("127.0.0.2")
    assert (await user.login(ADMIN)).status == 303
    assert await site.scalar(select(func.count()).select_from(admin_devices)) == 1
    async with site.rt.uows() as uow:
        await usecases.set_password(
            uow, Actor(Role.SYSTEM, "system"), ADMIN, "a-brand-new-password", site.now[0]
        )
        await uow.commit()
    assert await site.scalar(select(func.count()).select_from(admin_devices)) == 0
