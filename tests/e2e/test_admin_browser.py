"""The web admin in a real browser (Debian's Chromium, driven by Playwright), against the real app.

An admin signs in, writes and publishes a KB article, and a client asking the web chat gets it as the answer;
the admin opens a ticket's timeline; an engineer who signs in gets 403 on every admin page. A supervisor
replays a dead letter on the Messages page and the running app handles it, and retries undelivered messages.
Screenshots of the main pages are kept in var/test-artifacts/admin/ (gitignored). Run
`scripts/install_chromium.sh` first; the test is skipped only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import update

from dialogue.messages import Bot, Channel, Outbound
from helpdesk.admin.demo import DEMO_PASSWORDS
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage import inbox as box
from storage import inbox_admin
from storage import outbox_delivery as out
from storage.inbox_tables import inbox
from ticket_core import usecases as uc
from ticket_core.enums import Priority, Role, Visibility
from ticket_core.model import Actor

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "admin"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TITLE = "Guest Wi-Fi code for visitors"
BODY = "The guest Wi-Fi network is **Visitors**; its code ZEBRA-4217 is printed on the reception desk."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


@pytest.fixture
async def app(demo_db: Path, tmp_path: Path, unused_tcp_port: int) -> AsyncIterator[tuple[Runtime, str]]:
    """The whole app (web chat, admin, worker) on the demo database, on a local port."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{demo_db}",
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        webchat_upload_dir=tmp_path / "uploads",
    )
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    if getattr(rt, "reports", None) is None:  # until the runtime wires its report source itself
        from storage.reports import SqlReportSource

        rt.reports = SqlReportSource(rt.db)  # type: ignore[attr-defined]
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start(polling=False)
    try:
        yield rt, f"http://127.0.0.1:{unused_tcp_port}"
    finally:
        await rt.close()
        await runner.cleanup()


async def _ticket_with_history(rt: Runtime) -> int:
    """A ticket opened by the supervisor, with an internal note: its timeline has something to show."""
    supervisor = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
    now = datetime.now(UTC)
    async with rt.uows() as uow:
        draft = uc.TicketDraft(
            client_id="acme",
            category="printers",
            description="Printer in the head office jams on every page",
            priority=Priority.P2,
            site_id="acme-office",
            source_channel="api",
        )
        ticket = await uc.open_ticket(uow, supervisor, draft, now)
        await uc.add_comment(
            uow, supervisor, ticket.id, now, "Toner was replaced last week", Visibility.INTERNAL
        )
        await uow.commit()
    return ticket.number


async def _sign_in(page: object, base: str, login: str, *, open_form: bool = True) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    if open_form:
        await page.goto(base + "/admin/login")
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill(DEMO_PASSWORDS[login])
    await page.locator("form button[type=submit]").click()


async def test_admin_publishes_an_article_the_chat_answers_with_it(app: tuple[Runtime, str]) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    number = await _ticket_with_history(rt)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            admin = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            await admin.goto(base + "/admin/tickets")
            await expect(admin).to_have_url(base + "/admin/login?next=/admin/tickets")
            await shot(admin, "login")
            await _sign_in(admin, base, "a-admin", open_form=False)  # back to the page asked for
            await expect(admin.locator("h1")).to_contain_text("Tickets")
            await admin.get_by_role("link", name="Dashboard").click()
            await expect(admin.locator("h1")).to_have_text("Dashboard")
            await shot(admin, "dashboard")

            # Write the article: preview, create the draft, edit it, publish.
            await admin.goto(base + "/admin/kb")
            await shot(admin, "kb_list")
            await admin.get_by_role("link", name="New article").click()
            await admin.locator("input[name=id]").fill("guest-wifi")
            await admin.locator("input[name=title]").fill("Guest Wi-Fi")
            await admin.locator("textarea[name=body]").fill("Ask reception for the **guest** code.")
            await admin.locator("input[name=lang]").fill("en")
            await admin.locator("input[name=tags]").fill("wifi, guest, visitors")
            await admin.get_by_role("button", name="Preview").click()
            await expect(admin.locator("#preview strong")).to_have_text("guest")
            await admin.get_by_role("button", name="Create draft").click()
            await expect(admin.locator(".flash.ok")).to_have_text("Draft created.")
            await expect(admin.locator("#article-status")).to_have_text("draft")

            await admin.locator("input[name=title]").fill(TITLE)
            await admin.locator("textarea[name=body]").fill(BODY)
            await admin.get_by_role("button", name="Preview").click()
            await expect(admin.locator("#preview")).to_contain_text("ZEBRA-4217")
            await shot(admin, "kb_edit_preview")
            await admin.locator("#save-button").click()
            await expect(admin.locator(".flash.ok")).to_have_text("Saved.")
            await admin.locator("#status-button").click()
            await expect(admin.locator("#article-status")).to_have_text("published")
            await admin.get_by_role("link", name="History").click()
            await expect(admin.locator("#diff")).to_contain_text("ZEBRA-4217")
            await expect(admin.locator("#versions tr")).to_have_count(4)  # header + create, edit, publish
            await shot(admin, "kb_history")

            # A client asks the web chat and gets the article as the answer.
            chat = await browser.new_page(viewport={"width": 900, "height": 720}, locale="en-US")
            await chat.goto(base + "/")
            await expect(chat.locator("#status")).to_have_attribute("data-state", "online")
            await chat.locator("#text").fill("What is the guest Wi-Fi code for visitors?")
            await chat.locator("#text").press("Enter")
            await expect(chat.locator(".msg.bot .bubble").first).to_contain_text("ZEBRA-4217", timeout=15_000)
            await shot(chat, "webchat_answer")

            # The ticket list and one ticket's timeline, internal note and SLA.
            await admin.goto(base + "/admin/tickets")
            await shot(admin, "tickets")
            await admin.get_by_role("link", name=f"HD-{number}").click()
            await expect(admin.locator("#timeline")).to_contain_text("Ticket opened")
            await expect(admin.locator("#comments")).to_contain_text("internal note")
            await expect(admin.locator("#comments")).to_contain_text("Toner was replaced last week")
            await expect(admin.locator("#sla")).to_contain_text("resolution")
            await shot(admin, "ticket_timeline")
            for name, path in (
                ("engineers", "/admin/engineers"),
                ("clients", "/admin/clients"),
                ("sla", "/admin/sla"),
                ("reports", "/admin/reports?group=category"),
            ):
                await admin.goto(base + path)
                await expect(admin.locator("h1")).to_be_visible()
                await shot(admin, name)

            # Edit an engineer's profile: a bad schedule is shown next to its field, a good one is saved.
            await admin.goto(base + "/admin/engineers")
            await admin.locator('a[href="/admin/engineers/e-smirnov"]').click()
            await admin.locator("input[name=regions]").fill("mow, mos")
            await admin.locator("input[name=working_hours]").fill("mon-fri 9-18")
            await admin.locator("#save-button").click()
            await expect(admin.locator("#error-working_hours")).to_contain_text("is not HH:MM")
            await shot(admin, "engineer_edit_error")
            await admin.locator("input[name=working_hours]").fill("mon-fri 09:00-18:00; sat 10:00-14:00")
            await admin.locator("#save-button").click()
            await expect(admin.locator(".flash.ok")).to_contain_text("Profile saved")
            await expect(admin.locator("#hours-now")).to_contain_text("Mon–Fri 09:00–18:00; Sat 10:00–14:00")
            await shot(admin, "engineer_edit")
            await admin.goto(base + "/admin/engineers")
            await expect(admin.locator("#engineers-table")).to_contain_text(
                "Moscow (MOW), Moscow Oblast (MOS)"
            )
            # Homes are places on a map, not bare numbers (#18 replay): the nearest town links to OpenStreetMap.
            smirnov_home = admin.locator("#engineers-table tr", has_text="e-smirnov").locator("a.map")
            await expect(smirnov_home).to_have_text("Moscow")
            await expect(smirnov_home).to_have_attribute(
                "href", "https://www.openstreetmap.org/?mlat=55.75000&mlon=37.62000#map=15/55.75000/37.62000"
            )
            await expect(smirnov_home).to_have_attribute("title", "55.7500, 37.6200")
            await shot(admin, "engineers_profiles")

            # An engineer signs in but gets 403 on every admin page.
            engineer_context = await browser.new_context(
                viewport={"width": 1280, "height": 700}, locale="en-US"
            )
            engineer = await engineer_context.new_page()
            await _sign_in(engineer, base, "e-smirnov")
            # In his own language (his staff record's), whatever the browser's.
            await expect(engineer.locator("h1")).to_have_text("Нет доступа")
            for path in (
                "/admin/",
                "/admin/tickets",
                f"/admin/tickets/{number}",
                "/admin/kb",
                "/admin/kb/guest-wifi/history",
                "/admin/reports",
                "/admin/engineers/e-smirnov",
                "/admin/messages",
            ):
                response = await engineer.goto(base + path)
                assert response is not None and response.status == 403, path
                await expect(engineer.locator("#error-message")).to_contain_text(
                    "нет доступа к этой странице"
                )
            await shot(engineer, "engineer_forbidden")
        finally:
            await browser.close()

    expected = {
        "login",
        "dashboard",
        "kb_list",
        "kb_edit_preview",
        "kb_history",
        "webchat_answer",
        "tickets",
        "ticket_timeline",
        "engineers",
        "clients",
        "sla",
        "reports",
        "engineer_forbidden",
    }
    assert expected <= {p.stem for p in ARTIFACTS.glob("*.png")}


async def _stuck_messages(rt: Runtime) -> tuple[int, int, int, int]:
    """Two dead letters (a demo client's and an unknown visitor's) and two undelivered staff messages."""
    at = datetime.now(UTC) - timedelta(hours=3)
    ids: list[int] = []
    async with rt.sessions() as session, session.begin():
        for n, (sender, text) in enumerate(
            (
                ("acme-anna", "Hello, is anyone there? The printer on floor 2 is still jammed"),
                ("visitor-7", "hi"),
            )
        ):
            payload = {
                "channel": "web", "bot": "client", "chat_id": sender, "sender_id": sender,
                "dedup_key": f"web:client:browser-dead-{n}", "text": text,
            }  # fmt: skip
            row_id = await box.record(
                session, dedup_key=payload["dedup_key"], chat=f"web:client:{sender}", payload=payload, at=at
            )
            assert row_id is not None
            # As the inbox leaves a message that kept failing: tried several times, then parked.
            await session.execute(update(inbox).where(inbox.c.id == row_id).values(attempts=4))
            await box.mark_dead(session, row_id, at=at, error="OperationalError: database is locked")
            ids.append(row_id)
        for staff_id, text in (("e-smirnov", "New job HD-1001: printer jam"), ("e-kozlov", "Shift reminder")):
            result = await session.execute(
                out.outbox.insert()
                .values(
                    channel="web", bot="staff", chat_id=staff_id, payload=Outbound(Channel.WEB, Bot.STAFF, staff_id, text).to_dict(), status="failed",
                    attempts=14, next_attempt_at=at, created_at=at,
                    last_error="DeliveryError: 500 Internal Server Error (gave up after 24 h)",
                )
                .returning(out.outbox.c.id)
            )  # fmt: skip
            ids.append(int(result.scalar_one()))
    return ids[0], ids[1], ids[2], ids[3]


async def _wait_for(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the running app did not pick the messages up"
        await asyncio.sleep(0.1)


async def test_admin_replays_dead_letters_and_retries_undelivered_messages(app: tuple[Runtime, str]) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    anna, visitor, smirnov, kozlov = await _stuck_messages(rt)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def anna_handled() -> bool:
        async with rt.sessions() as session:
            row = await inbox_admin.get(session, anna)
        return row is not None and row.status is box.InboxStatus.DONE

    async def both_sent() -> bool:
        async with rt.sessions() as session:
            rows = await out.get_rows(session, [smirnov, kozlov])
        return [r.status for r in rows] == [out.OutboxStatus.SENT] * 2

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            await _sign_in(page, base, "s-sokolova")  # a supervisor may act here too (and reads Russian)
            await page.get_by_role("link", name="Сообщения").click()
            await expect(page.locator("h1")).to_have_text("Сообщения")
            await expect(page.locator(f"#inbox-{anna}")).to_contain_text("Anna Brown (ACME Logistics)")
            await expect(page.locator(f"#inbox-{visitor}")).to_contain_text(
                "Веб-чат · бот клиентов · чат visitor-7"
            )
            await expect(page.locator(f"#outbox-{smirnov}")).to_contain_text("Алексей Смирнов (инженер)")
            await page.screenshot(path=str(ARTIFACTS / "messages.png"), full_page=True)

            # Replay Anna's message: it is pending again, and the running app handles it within a second or so.
            await page.locator(f"#inbox-{anna} button").click()
            await expect(page.locator("#notice")).to_contain_text("1 входящее сообщение снова в очереди")
            await expect(page.locator(f"#inbox-{anna}")).to_have_count(0)
            await _wait_for(anna_handled)
            await page.screenshot(path=str(ARTIFACTS / "messages_replayed.png"), full_page=True)

            # Retry all undelivered: the delivery loop sends them through the web chat.
            await page.locator("#retry-all").click()
            await expect(page.locator("#notice")).to_contain_text("2 исходящих сообщения снова в очереди")
            await _wait_for(both_sent)
            await page.locator("#replay-all").click()
            await expect(page.locator("#no-dead-letters")).to_be_visible()
            await expect(page.locator("#no-undelivered")).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "messages_empty.png"), full_page=True)
        finally:
            await browser.close()


async def test_a_supervisor_reads_an_engineers_home_as_a_place_on_the_map(app: tuple[Runtime, str]) -> None:
    """#18 replay: the profile showed a home as "59.96, 30.32"; now the nearest district links to the map."""
    from playwright.async_api import async_playwright, expect

    _, base = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 700}, locale="ru-RU")
            await _sign_in(page, base, "s-sokolova")  # reads Russian
            await page.goto(base + "/admin/engineers/e-petrov")
            home = page.locator("#profile a.map")
            await expect(home).to_have_text("Петроградский")
            await expect(home).to_have_attribute("title", "59.9600, 30.3200")
            await expect(page.locator("#profile")).to_contain_text("Петроградский 59.9600, 30.3200")
            # Skills and regions by name, as the list shows them (the profile showed "hvac, plumbing", "MOW").
            await expect(page.locator("#profile")).to_contain_text("Кондиционеры и вентиляция, Сантехника")
            await expect(page.locator("#profile")).to_contain_text("Москва (MOW)")
            await expect(page.locator("#profile")).to_contain_text("Москва, UTC+3")  # not "Europe/Moscow"
            await page.screenshot(path=str(ARTIFACTS / "engineer_profile_home.png"), full_page=True)
        finally:
            await browser.close()
