"""The client portal in a real browser (Debian's Chromium, Playwright), on a phone-sized screen, against the
real app: a client's manager asks for a sign-in link, gets it in their chat, signs in, finds the ticket, reads
its history (the engineer's public message and visit, never the internal note), rates it, writes with a photo
that the page shows, reopens it, opens a new request with a photo, searches the KB, cannot see another
company's ticket (the same page as for a missing one), and reads the portal in Russian. The spent link no
longer works. Screenshots are kept in var/test-artifacts/portal/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from tests.support.portal import INTERNAL_NOTE, add_colleague, png, sent_links, worked_ticket
from ticket_core.model import Contact

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "portal"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
ANNA = Contact("acme-anna", "acme", "Anna Brown", "+79161234501", "en", manager=True)
OTHER = Contact("romashka-ivan", "romashka", "Иван Кузнецов", "+79211234502", "ru")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


@pytest.fixture
async def app(demo_db: Path, tmp_path: Path, unused_tcp_port: int) -> AsyncIterator[tuple[Runtime, str]]:
    """The whole app (web chat, portal, worker) on the demo database, on a local port."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{demo_db}",
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        webchat_upload_dir=tmp_path / "uploads",
    )
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start(polling=False)
    try:
        yield rt, f"http://127.0.0.1:{unused_tcp_port}"
    finally:
        await rt.close()
        await runner.cleanup()


async def test_a_manager_follows_and_works_their_tickets_in_the_portal(
    app: tuple[Runtime, str], tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    await add_colleague(rt.uows, ANNA, chat="w-anna")
    number = await worked_ticket(
        rt.engine, rt.uows, ANNA, "acme-office", "Printer on floor 2 jams on every page"
    )
    foreign = await worked_ticket(rt.engine, rt.uows, OTHER, "rom-nevsky", "Кондиционер течёт в зале")
    photo = tmp_path / "leak.png"
    photo.write_bytes(png())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
            await page.goto(base + "/portal/")
            await expect(page).to_have_url(re.compile(r".*/portal/login\?next=.*"))
            await page.locator("input[name=identifier]").fill("+7 916 123-45-01")
            await shot(page, "01-login")
            await page.get_by_role("button", name="Send me a link").click()
            await expect(page.locator("h1")).to_have_text("Check your chat or mail")
            links = await sent_links(rt.uows, "w-anna")
            assert len(links) == 1, links
            await page.goto(links[0])
            await shot(page, "02-link")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page).to_have_url(base + "/portal/")
            await expect(page.locator("p.empty")).to_be_visible()  # open ones first: this one is resolved
            await page.get_by_role("button", name="Done").click()
            await expect(page.locator("ul.tickets")).to_contain_text(f"HD-{number}")
            # The other company's ticket never shows.
            await page.get_by_role("button", name="All").click()
            await expect(page.locator("ul.tickets")).to_contain_text(f"HD-{number}")
            await expect(page.locator("ul.tickets")).not_to_contain_text(f"HD-{foreign}")
            await page.locator("input[name=q]").fill("floor 2")
            await page.get_by_role("button", name="Find").click()
            await expect(page.locator("ul.tickets li")).to_have_count(1)
            await shot(page, "03-list")

            await page.locator(f"a[href='/portal/t/{number}']").click()
            history = page.locator("#history")
            await expect(history).to_contain_text("Replaced the pickup roller")
            await expect(history).to_contain_text("The engineer is on site")
            await expect(history).to_contain_text("Roller replaced, test page printed")
            await expect(page.locator("body")).not_to_contain_text(INTERNAL_NOTE)
            await expect(page.locator("ul.visits li")).to_have_count(4)
            await shot(page, "04-ticket")

            await page.locator("#rate label").nth(4).click()
            await page.locator("#rate textarea").fill("Fast and tidy")
            await page.get_by_role("button", name="Rate", exact=True).click()
            await expect(page.locator(".flash.ok")).to_have_text("Thank you for your rating!")
            await expect(history).to_contain_text("Rated 5 of 5")

            await page.locator("#comment textarea").fill("The tray is wet again, see the photo")
            await page.locator("#comment input[type=file]").set_input_files(str(photo))
            await page.get_by_role("button", name="Send", exact=True).click()
            await expect(page.locator(".flash.ok")).to_contain_text("Your message is added")
            image = page.locator("#history img").last
            await expect(image).to_be_visible()
            assert await image.evaluate("img => img.naturalWidth") == 64
            await page.locator("#reopen textarea").fill("Still jams after an hour")
            await page.get_by_role("button", name="Reopen the request").click()
            await expect(page.locator(".flash.ok")).to_contain_text("open again")
            await expect(history).to_contain_text("Request reopened: Still jams after an hour")
            await shot(page, "05-rated-commented-reopened")

            await page.goto(base + f"/portal/t/{foreign}")
            missing_foreign = await page.locator("main").inner_text()
            await page.goto(base + "/portal/t/987654")
            missing = await page.locator("main").inner_text()
            assert missing_foreign.replace(str(foreign), "N") == missing.replace("987654", "N")

            await page.get_by_role("link", name="New request").click()
            await page.locator("select[name=site]").select_option("acme-wh1")
            await page.locator("select[name=category]").select_option("plumbing")
            await page.locator("textarea[name=description]").fill("Water on the warehouse floor near gate 3")
            await page.locator("input[type=file]").set_input_files(str(photo))
            await shot(page, "06-new")
            await page.get_by_role("button", name="Send the request").click()
            await expect(page.locator(".flash.ok")).to_contain_text("registered")
            await expect(page.locator("h1")).to_contain_text("HD-")
            await expect(page.locator("section.card").first.locator("img")).to_have_count(1)

            await page.get_by_role("link", name="Help articles").click()
            await page.locator("input[name=q]").fill("printer paper jam")
            await page.get_by_role("button", name="Search").click()
            await expect(page.locator("ul.articles li").first).to_be_visible()
            await shot(page, "07-kb")
            await page.locator("ul.articles li a").first.click()
            await expect(page.locator("article h1")).to_be_visible()

            await page.goto(base + "/portal/")
            await page.get_by_role("link", name="RU").click()
            await expect(page.locator("nav.tabs")).to_contain_text("Заявки")
            await shot(page, "08-ru")

            fresh = await browser.new_page(viewport=PHONE)
            await fresh.goto(links[0])
            await expect(fresh.locator("h1")).to_contain_text("no longer works")
        finally:
            await browser.close()
