"""The web chat pages in a real browser (Debian's Chromium, driven by Playwright).

The channel is served by a small aiohttp app in a background thread with an echo-style `on_inbound`
that answers through `channel.send`, so what is checked is the page: typing, Enter, the long poll,
bot text shown escaped with its line breaks, button chips, the identity picker and a reload (demo mode),
and in widget mode (no WEBCHAT_DEMO) a fresh visitor's own session, the limits said in the page and the
staff page behind a login.
Run `scripts/install_chromium.sh` first; the test is skipped only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import asyncio
import base64
import io
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PIL import Image

from bots.ratelimit import Rate
from bots.webchat import WebChatChannel
from bots.webchat.access import VISITOR_COOKIE, StaffIdentity, VisitorLimits
from dialogue.messages import MAX_TEXT_CHARS, Bot, Button, Inbound, Location, Media, Outbound

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _png(width: int, height: int) -> bytes:
    """Return a small gradient PNG (the server checks the bytes, not the name or the browser's type)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + 3 * x, 110 + y, 220)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PHOTO = _png(64, 48)


def _blank_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


CHART = _blank_png(1344, 656)  # /report's chart: drawn at twice its 672 px

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


@dataclass
class EchoServer:
    """The web chat on a free port, answering every message itself."""

    base_url: str = ""
    inbound: list[Inbound] = field(default_factory=list)


async def _echo_reply(channel: WebChatChannel, inbound: Inbound) -> None:
    if inbound.media or inbound.location:
        what = f"photo {inbound.media[0].file_id}" if inbound.media else f"location {inbound.location}"
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, f"Got your {what}"))
        return
    if inbound.text == "tall":
        lines = "\n".join(f"Step {n}: do this, then that." for n in range(1, 61))
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, f"First line\n{lines}"))
        helped = (Button("Helped", payload="helped|sig1"),)
        await channel.send(
            Outbound(inbound.channel, inbound.bot, inbound.chat_id, "Did this help?", buttons=(helped,))
        )
        return
    if inbound.text == "article":
        body = (
            "**Paper jam**: switch it *off*.\n\n1. Open the cover\n2. See [the manual](https://example.com/m)"
        )
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, body, markdown=True))
        return
    if inbound.text == "chart":
        chart = Media("photo", "data:image/png;base64," + base64.b64encode(PHOTO).decode(), caption="Chart")
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, "Report", media=(chart,)))
        return
    if inbound.text == "report":
        chart = Media("photo", "data:image/png;base64," + base64.b64encode(CHART).decode(), caption="Chart")
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, "Report", media=(chart,)))
        return
    if inbound.text == "card" or (inbound.payload or "").startswith("card-"):
        await _job_card(channel, inbound)
        return
    if inbound.payload is not None:
        text = f"Button pressed: {inbound.payload}\nThank you, <i>{inbound.chat_id}</i>!"
        await channel.send(Outbound(inbound.channel, inbound.bot, inbound.chat_id, text))
        return
    await channel.send(
        Outbound(
            inbound.channel,
            inbound.bot,
            inbound.chat_id,
            f"Echo: {inbound.text}\nDid this help?",
            buttons=((Button("Helped", payload="helped|sig1"), Button("Did not help", payload="nope|sig2")),),
        )
    )


async def _job_card(channel: WebChatChannel, inbound: Inbound) -> None:
    """A job's live card as the engine sends it: posted by "card", updated in place by its Start button."""
    where = (inbound.channel, inbound.bot, inbound.chat_id)
    note = Button("Note", payload="card-note|sig")
    if inbound.text == "card":
        start = Button("Start", payload="card-start|sig")
        card = Outbound(*where, "HD-1 - accepted", buttons=((start, note),), card="job:1", card_new=True)
        await channel.send(card)
    elif inbound.payload == "card-start|sig":
        done = Button("Done", payload="card-done|sig")
        await channel.send(Outbound(*where, "HD-1 - in progress", buttons=((done, note),), card="job:1"))
    else:
        await channel.send(Outbound(*where, "Write the note"))


STAFF_COOKIE = "test_staff"  # stands in for the app's admin login in the widget tests
LOGIN_PATH = "/sign-in"


async def _identities(bot: Bot) -> list[dict[str, str]]:
    if bot is Bot.STAFF:
        return [
            {"id": "eng-1", "label": "Ivan Petrov (engineer)"},
            {"id": "eng-2", "label": "Anna Smirnova (engineer)"},
        ]
    return [{"id": "contact-1", "label": "Olga Ivanova - Romashka LLC"}]


async def _staff_login(request: web.Request) -> StaffIdentity | None:
    if request.cookies.get(STAFF_COOKIE) == "eng-1":
        return StaffIdentity("eng-1", "Ivan Petrov (engineer)")
    return None


@contextmanager
def _serve(tmp_path: Path, **options: Any) -> Iterator[EchoServer]:
    """Serve the channel from a thread with its own event loop; Playwright's sync API runs in this one."""
    server = EchoServer()
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        channel: WebChatChannel

        async def on_inbound(inbound: Inbound) -> None:
            server.inbound.append(inbound)
            await _echo_reply(channel, inbound)

        async def sign_in_page(request: web.Request) -> web.Response:
            return web.Response(text="<title>Sign in</title>Sign in here", content_type="text/html")

        channel = WebChatChannel(on_inbound, upload_dir=tmp_path / "uploads", **options)
        app = web.Application()
        channel.add_routes(app)
        app.router.add_get(LOGIN_PATH, sign_in_page)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        server.base_url = f"http://{host}:{port}"
        runner_box.append(runner)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="webchat-echo-server", daemon=True)
    thread.start()
    assert ready.wait(10), "the web chat test server did not start"
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def echo_server(tmp_path: Path) -> Iterator[EchoServer]:
    """The channel in demo mode: these tests pick who they are in the identity picker."""
    with _serve(tmp_path, identities=_identities, demo=True) as server:
        yield server


@pytest.fixture
def widget_server(tmp_path: Path) -> Iterator[EchoServer]:
    """The channel in widget mode (no WEBCHAT_DEMO), with small limits so a test can reach them."""
    limits = VisitorLimits(
        new_sessions_per_address=Rate(3, 60.0, burst=3),
        messages_per_session=Rate(3, 60.0, burst=3),
    )
    with _serve(
        tmp_path,
        secret_key="browser-test-secret",
        staff_login=_staff_login,
        login_url=LOGIN_PATH,
        limits=limits,
    ) as server:
        yield server


def test_client_chat_round_trip_with_buttons(echo_server: EchoServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 720}, locale="en-US")
            page.goto(echo_server.base_url + "/")
            expect(page).to_have_title("Helpdesk - client chat")
            # The picker offers the client identities and "new visitor" (chosen by default).
            expect(page.locator("#identity option")).to_have_count(2)
            expect(page.locator("#status")).to_have_attribute("data-state", "online")

            page.locator("#text").fill("Printer <b>jams</b> again")
            page.locator("#text").press("Enter")

            user = page.locator(".msg.user .bubble")
            expect(user.first).to_have_text("Printer <b>jams</b> again")
            bot = page.locator(".msg.bot .bubble")
            # Shown as text, line break kept: the tags are characters, not markup.
            expect(bot.first).to_have_text("Echo: Printer <b>jams</b> again\nDid this help?")
            assert page.locator(".msg.bot b").count() == 0
            chips = page.locator(".msg.bot .chip")
            expect(chips).to_have_count(2)

            chips.filter(has_text="Did not help").click()
            expect(user.nth(1)).to_have_text("Did not help")
            expect(bot.nth(1)).to_contain_text("Button pressed: nope|sig2")
            expect(bot.nth(1)).to_contain_text("<i>")
            expect(chips.first).to_be_disabled()
            page.wait_for_timeout(300)  # let the smooth scroll settle before the picture
            page.screenshot(path=str(SCREENSHOTS / "webchat_client.png"))

            # A reload shows the same conversation from the server's history, each message once.
            page.reload()
            expect(page.locator(".msg")).to_have_count(4)
            expect(page.locator(".msg.user .bubble").nth(1)).to_have_text("Did not help")

            # Switching to Russian changes the page's texts and what the next message says about its language.
            page.locator(".lang-btn[data-lang=ru]").click()
            expect(page.locator("#text")).to_have_attribute("placeholder", "Введите сообщение")
            page.locator("#text").fill("Привет")
            page.locator("#send").click()
            expect(page.locator(".msg.bot .bubble").nth(2)).to_contain_text("Echo: Привет")
        finally:
            browser.close()

    sent = echo_server.inbound
    assert [i.text for i in sent] == ["Printer <b>jams</b> again", None, "Привет"]
    assert sent[1].payload == "nope|sig2"
    chat_id = sent[0].chat_id
    assert chat_id.startswith("v-") and all(i.chat_id == chat_id for i in sent)
    assert [i.lang for i in sent] == ["en", "en", "ru"]
    assert len({i.dedup_key for i in sent}) == 3


def test_tall_replies_show_their_first_line_and_inline_charts_show_as_pictures(
    echo_server: EchoServer,
) -> None:
    # A working day's stumbles: a tall reply was not scrolled into view (the page asked "near the bottom?"
    # after adding it), a report chart came as "[Photo]" (its data: URL was refused), and the text box took
    # more characters than the engine does.
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 600}, locale="en-US")
            page.goto(echo_server.base_url + "/")
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            expect(page.locator("#text")).to_have_attribute("maxlength", str(MAX_TEXT_CHARS))
            for n in range(6):  # enough history that the view scrolls
                page.locator("#text").fill(f"message {n}")
                page.locator("#text").press("Enter")
                expect(page.locator(".msg.bot")).to_have_count(n + 1)
            page.locator("#text").fill("tall")
            page.locator("#text").press("Enter")
            expect(page.locator(".msg.bot .bubble").last).to_have_text("Did this help?")
            tall = page.locator(".msg.bot .bubble").nth(-2)
            expect(tall).to_contain_text("Step 60")
            page.wait_for_timeout(300)
            box = page.locator("#messages").bounding_box()
            first = tall.bounding_box()
            assert box is not None and first is not None
            # The reply's first line is in view, not only its end.
            assert box["y"] <= first["y"] <= box["y"] + box["height"] - 20, (box, first)
            page.screenshot(path=str(SCREENSHOTS / "webchat_tall_reply.png"))

            page.locator("#text").fill("chart")
            page.locator("#text").press("Enter")
            picture = page.locator(".msg.bot img").last
            expect(picture).to_be_visible()
            assert picture.evaluate("i => i.naturalWidth") == 64
            assert "[Photo]" not in page.locator(".msg.bot .bubble").last.inner_text()
            page.locator("#text").fill("article")
            page.locator("#text").press("Enter")
            article = page.locator(".msg.bot .bubble").last
            expect(article).to_contain_text("Paper jam: switch it off.")
            assert article.locator("strong").inner_text() == "Paper jam"
            assert article.locator("em").inner_text() == "off"
            assert article.locator("a").get_attribute("href") == "https://example.com/m"
            assert (
                "**" not in article.inner_text()
                and "1. Open the cover\n2. See the manual" in article.inner_text()
            )
            page.wait_for_timeout(800)  # the smooth scroll to the end
            page.screenshot(path=str(SCREENSHOTS / "webchat_tall_and_chart.png"))
        finally:
            browser.close()


def test_a_report_chart_shows_at_a_readable_size_and_opens_full_size(echo_server: EchoServer) -> None:
    """#18: /report's chart was drawn about 270 px wide (the photos' thumbnail size), so its labels could not be
    read. A picture the bot drew shows as wide as the chat allows, up to its own 672 px, and a click opens it at
    full size in the page; a photo a person sent stays a thumbnail."""
    from playwright.sync_api import FilePayload, expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(echo_server.base_url + "/staff")
            page.locator("#identity").select_option("eng-1")
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            page.locator("#text").fill("report")
            page.locator("#text").press("Enter")
            chart = page.locator(".msg.bot img").last
            expect(chart).to_be_visible()
            page.wait_for_function("() => document.querySelector('.msg.bot img').complete")
            size = chart.bounding_box()
            assert size is not None and 600 <= size["width"] <= 672, size
            page.screenshot(path=str(SCREENSHOTS / "webchat_report_chart.png"))
            chart.click()
            full = page.locator(".lightbox img")
            expect(full).to_be_visible()
            assert full.evaluate("i => i.getBoundingClientRect().width") == 1344
            page.keyboard.press("Escape")
            expect(page.locator(".lightbox")).to_have_count(0)

            upload: FilePayload = {"name": "meter.png", "mimeType": "image/png", "buffer": CHART}
            page.locator("#photo").set_input_files(files=[upload])
            mine = page.locator(".msg.user img").last
            expect(mine).to_be_visible()
            page.wait_for_function("() => document.querySelector('.msg.user img').complete")
            shown = mine.bounding_box()
            assert shown is not None and shown["width"] <= 280, shown  # a person's photo: a thumbnail
        finally:
            browser.close()


def test_staff_page_picks_an_engineer(echo_server: EchoServer) -> None:
    from playwright.sync_api import FilePayload, expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 760},
                locale="en-US",
                geolocation={"latitude": 55.7512, "longitude": 37.6184},
                permissions=["geolocation"],
            )
            page = context.new_page()
            page.goto(echo_server.base_url + "/staff")
            expect(page).to_have_title("Helpdesk - staff chat")
            page.locator("#identity").select_option("eng-2")
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            page.locator("#text").fill("On my way")
            page.locator("#text").press("Enter")
            chip = page.locator(".msg.bot .chip", has_text="Helped")
            expect(chip).to_be_visible()
            chip.click()
            expect(page.locator(".msg.bot .bubble").nth(1)).to_contain_text("Thank you, <i>eng-2</i>!")

            upload: FilePayload = {"name": "meter.png", "mimeType": "image/png", "buffer": PHOTO}
            page.locator("#photo").set_input_files(files=[upload])
            expect(page.locator(".msg.bot .bubble").nth(2)).to_contain_text("Got your photo web:")
            page.locator("#locate").click()
            expect(page.locator(".msg.bot .bubble").nth(3)).to_contain_text("lat=55.7512, lon=37.6184")
            expect(page.locator(".msg.user .bubble").last).to_contain_text("55.75120, 37.61840")
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / "webchat_staff_mobile.png"))
        finally:
            browser.close()

    assert [(i.bot, i.chat_id, i.sender_id) for i in echo_server.inbound] == [
        (Bot.STAFF, "eng-2", "eng-2")
    ] * 4
    photo = echo_server.inbound[2].media[0]
    assert photo.kind == "photo" and photo.mime_type == "image/png"
    assert echo_server.inbound[3].location == Location(55.7512, 37.6184)


def test_a_job_card_is_updated_in_place_and_stays_live(echo_server: EchoServer) -> None:
    """#18: one live card per job, replaced where it is with the actions that fit, not disabled after a press."""
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 760})
            page.goto(echo_server.base_url + "/staff")
            page.locator("#identity").select_option("eng-1")
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            page.locator("#text").fill("card")
            page.locator("#text").press("Enter")
            cards = page.locator(".msg.bot", has_text="HD-1 - ")
            expect(cards).to_have_count(1)

            cards.locator(".chip", has_text="Note").click()
            expect(page.locator(".msg.bot", has_text="Write the note")).to_be_visible()
            start = cards.locator(".chip", has_text="Start")
            expect(start).to_be_enabled()  # the card is still live after a press that did not change it

            for n in range(5):  # the conversation goes on under the card
                page.locator("#text").fill(f"message {n}")
                page.locator("#text").press("Enter")
                expect(page.locator(".msg.bot", has_text=f"Echo: message {n}")).to_have_count(1)
            start.click()
            expect(cards).to_have_count(1)  # replaced, not posted again
            expect(cards).to_contain_text("HD-1 - in progress")
            expect(cards.locator(".chip", has_text="Done")).to_be_enabled()
            expect(cards.locator(".chip", has_text="Start")).to_have_count(0)
            # #18: the updated card moves to the end of the conversation and into view, its buttons on screen
            # (it was updated where it was first posted, far above the newest messages).
            expect(page.locator(".msg.bot").last).to_contain_text("HD-1 - in progress")
            expect(page.locator(".msg.bot").first).to_contain_text("Write the note")
            page.wait_for_timeout(800)  # the smooth scroll to the end
            done = cards.locator(".chip", has_text="Done")
            box, chip = page.locator("#messages").bounding_box(), done.bounding_box()
            assert box is not None and chip is not None
            assert box["y"] <= chip["y"] and chip["y"] + chip["height"] <= box["y"] + box["height"], (
                box,
                chip,
            )
            page.screenshot(path=str(SCREENSHOTS / "webchat_live_card.png"))

            page.reload()  # the history replays to the same state
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            expect(cards).to_have_count(1)
            expect(cards).to_contain_text("HD-1 - in progress")

            page.locator("#text").fill("card")  # the card asked for again: a new one, the old one retired
            page.locator("#text").press("Enter")
            expect(cards).to_have_count(2)
            expect(cards.first.locator("button.chip")).to_have_count(0)
            expect(cards.last.locator("button.chip", has_text="Start")).to_be_enabled()
        finally:
            browser.close()


def test_the_heading_speaks_the_chats_language(echo_server: EchoServer) -> None:
    """#18 QA walk: a Russian chat was headed "Helpdesk - client chat", its mark was a Latin letter, and the staff
    page did not say that EN/RU changes only the page."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(locale="ru-RU").new_page()
            page.goto(echo_server.base_url + "/")
            expect(page.locator(".brand h1")).to_have_text("Helpdesk — чат клиента")
            expect(page).to_have_title("Helpdesk — чат клиента")
            page.locator(".lang-btn[data-lang=en]").click()
            expect(page.locator(".brand h1")).to_have_text("Helpdesk - client chat")
            expect(page).to_have_title("Helpdesk - client chat")
            expect(page.locator(".brand .logo")).to_have_text("C")
            expect(page.locator("#lang-hint")).to_have_count(0)  # a client's answers follow the page
            page.locator(".lang-btn[data-lang=ru]").click()
            # #18 replay: the round mark said Latin "C" / "S" on the Russian pages.
            expect(page.locator(".brand .logo")).to_have_text("К")
            page.goto(echo_server.base_url + "/staff")
            expect(page.locator(".brand h1")).to_have_text("Helpdesk — чат сотрудников")
            expect(page.locator(".brand .logo")).to_have_text("С")
            # #18 replay: EN/RU switched only the page, and nothing said the bot's answers would not follow.
            expect(page.locator("#lang-hint")).to_have_text(
                "Только для страницы: бот отвечает на языке вашего профиля"
            )
            page.locator(".lang-btn[data-lang=en]").click()
            expect(page).to_have_title("Helpdesk - staff chat")
            expect(page.locator(".brand .logo")).to_have_text("S")
            expect(page.locator("#lang-hint")).to_have_text(
                "Page only: answers come in your profile's language"
            )
        finally:
            browser.close()


# -- widget mode (no WEBCHAT_DEMO) --------------------------------------------------------------------


def test_a_fresh_visitor_chats_in_widget_mode_and_sees_only_their_own_chat(widget_server: EchoServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            visitor = browser.new_context(viewport={"width": 900, "height": 720}, locale="en-US")
            page = visitor.new_page()
            page.goto(widget_server.base_url + "/")
            expect(page).to_have_title("Helpdesk - client chat")
            expect(page.locator("#identity")).to_have_count(0)  # nobody picks who they are
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            expect(page.locator("#empty-notice")).to_have_text("Ask a question or describe your problem.")
            (cookie,) = [c for c in visitor.cookies() if c["name"] == VISITOR_COOKIE]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

            page.locator("#text").fill("My printer jams")
            page.locator("#text").press("Enter")
            expect(page.locator(".msg.user .bubble").first).to_have_text("My printer jams")
            expect(page.locator(".msg.bot .bubble").first).to_contain_text("Echo: My printer jams")
            page.wait_for_timeout(300)  # let the smooth scroll settle before the picture
            page.screenshot(path=str(SCREENSHOTS / "webchat_widget_client.png"))

            # A reload keeps the session and so the conversation.
            page.reload()
            expect(page.locator(".msg")).to_have_count(2)

            # Another visitor starts with an empty chat of their own.
            other = browser.new_context(viewport={"width": 900, "height": 720}, locale="en-US").new_page()
            other.goto(widget_server.base_url + "/")
            expect(other.locator("#status")).to_have_attribute("data-state", "online")
            other.locator("#text").fill("Hello")
            other.locator("#text").press("Enter")
            expect(other.locator(".msg.bot .bubble").first).to_contain_text("Echo: Hello")
            expect(other.locator(".msg")).to_have_count(2)
        finally:
            browser.close()

    first, second = widget_server.inbound
    assert first.chat_id.startswith("v-") and second.chat_id.startswith("v-")
    assert first.chat_id != second.chat_id


def test_widget_limits_are_explained_in_the_page(widget_server: EchoServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 720}, locale="en-US")
            page.goto(widget_server.base_url + "/")
            expect(page.locator("#status")).to_have_attribute("data-state", "online")
            for n in range(4):
                page.locator("#text").fill(f"message {n}")
                page.locator("#text").press("Enter")
            # Three a minute: the fourth is refused, said in the page with the wait, and can be retried.
            expect(page.locator(".notice.error").last).to_contain_text(
                "You are sending messages too fast. Wait"
            )
            expect(page.locator(".msg.user.failed .meta")).to_have_text("Not sent - tap to retry")
            expect(page.locator(".msg.bot")).to_have_count(3)
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / "webchat_widget_too_fast.png"))

            # Three new sessions a minute from one address: the next new visitor is told to wait.
            for _ in range(2):
                browser.new_context().new_page().goto(widget_server.base_url + "/")
            blocked = browser.new_page(viewport={"width": 900, "height": 720}, locale="ru-RU")
            response = blocked.goto(widget_server.base_url + "/")
            assert response is not None and response.status == 429
            expect(blocked.locator("#empty-notice")).to_contain_text("слишком много новых чатов")
            expect(blocked.locator("#text")).to_be_disabled()
            blocked.screenshot(path=str(SCREENSHOTS / "webchat_widget_blocked.png"))
        finally:
            browser.close()
    assert len(widget_server.inbound) == 3


def test_widget_staff_page_needs_a_login_and_acts_as_it(widget_server: EchoServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 760}, locale="en-US")
            page = context.new_page()
            page.goto(widget_server.base_url + "/staff")
            expect(page).to_have_title("Sign in")  # sent to the login

            context.add_cookies([{"name": STAFF_COOKIE, "value": "eng-1", "url": widget_server.base_url}])
            page.goto(widget_server.base_url + "/staff")
            expect(page).to_have_title("Helpdesk - staff chat")
            expect(page.locator("#who")).to_have_text("Ivan Petrov (engineer)")
            expect(page.locator("#identity")).to_have_count(0)
            page.locator("#text").fill("On my way")
            page.locator("#text").press("Enter")
            expect(page.locator(".msg.bot .bubble").first).to_contain_text("Echo: On my way")
            page.wait_for_timeout(300)
            page.screenshot(path=str(SCREENSHOTS / "webchat_widget_staff_mobile.png"))
        finally:
            browser.close()
    assert [(i.bot, i.chat_id) for i in widget_server.inbound] == [(Bot.STAFF, "eng-1")]
