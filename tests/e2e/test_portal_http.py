"""The client portal over HTTP against the real app (no browser): what a refused post leaves behind, and the
refusals in the reader's language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event

from dialogue.messages import Bot, Channel, Inbound
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from tests.support.portal import LINK, add_colleague, png, sent_links, worked_ticket
from ticket_core.model import Contact

ANNA = Contact("acme-anna", "acme", "Anna Brown", "+79161234501", "en", manager=True)
OTHER = Contact("romashka-ivan", "romashka", "Иван Кузнецов", "+79211234502", "ru")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _serve(
    demo_db: Path, tmp_path: Path, port: int, *, worker: bool
) -> AsyncIterator[tuple[Runtime, str]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        public_url=f"http://127.0.0.1:{port}",
        database_url=f"sqlite+aiosqlite:///{demo_db}",
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        webchat_upload_dir=tmp_path / "uploads",
    )
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    if worker:
        await rt.start(polling=False)
    try:
        yield rt, f"http://127.0.0.1:{port}"
    finally:
        await rt.close()
        await runner.cleanup()


@pytest.fixture
async def app(demo_db: Path, tmp_path: Path, unused_tcp_port: int) -> AsyncIterator[tuple[Runtime, str]]:
    """The whole app on the demo database, on a local port named as PUBLIC_URL, with its uploads in the test's
    folder."""
    async for served in _serve(demo_db, tmp_path, unused_tcp_port, worker=True):
        yield served


@pytest.fixture
async def quiet_app(
    demo_db: Path, tmp_path: Path, unused_tcp_port: int
) -> AsyncIterator[tuple[Runtime, str]]:
    """The app without its background loops: every statement on the database is a request's."""
    async for served in _serve(demo_db, tmp_path, unused_tcp_port, worker=False):
        yield served


async def spend(http: aiohttp.ClientSession, base: str, link: str) -> str:
    """Open a sign-in link's page and press its button; the session's CSRF token."""
    page = await (await http.get(link)).text()
    token = CSRF.search(page)
    assert token is not None
    secret = link.rsplit("/", 1)[1]
    async with http.post(base + "/portal/in", data={"csrf": token.group(1), "secret": secret}) as signed:
        assert signed.status == 200 and str(signed.url) == base + "/portal/"
        listing = await signed.text()
    token = CSRF.search(listing)
    assert token is not None
    return token.group(1)


async def sign_in(rt: Runtime, http: aiohttp.ClientSession, base: str, phone: str, chat: str) -> str:
    """Ask for a link by phone, take it from the chat's outbox, press its button; the session's CSRF token."""
    form = await (await http.get(base + "/portal/login")).text()
    token = CSRF.search(form)
    assert token is not None
    async with http.post(base + "/portal/login", data={"csrf": token.group(1), "identifier": phone}) as sent:
        assert sent.status == 200
    links = await sent_links(rt.uows, chat)
    assert links
    page = await (await http.get(links[-1])).text()
    token = CSRF.search(page)
    assert token is not None
    secret = links[-1].rsplit("/", 1)[1]
    async with http.post(base + "/portal/in", data={"csrf": token.group(1), "secret": secret}) as signed:
        assert signed.status == 200
        listing = await signed.text()
    token = CSRF.search(listing)
    assert token is not None
    return token.group(1)


def _photo_form(csrf: str, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("photos", png(), filename="leak.png", content_type="image/png")
    return form


def _stored(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


async def test_a_refused_post_leaves_no_photo_behind(app: tuple[Runtime, str], tmp_path: Path) -> None:
    rt, base = app
    uploads = tmp_path / "uploads"
    await add_colleague(rt.uows, ANNA, chat="w-anna")
    own = await worked_ticket(
        rt.engine, rt.uows, ANNA, "acme-office", "Printer on floor 2 jams on every page"
    )
    foreign = await worked_ticket(rt.engine, rt.uows, OTHER, "rom-nevsky", "Кондиционер течёт в зале")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        csrf = await sign_in(rt, http, base, "+79161234501", "w-anna")

        # Another company's ticket: refused as a missing one, and the photo is not kept.
        async with http.post(
            f"{base}/portal/t/{foreign}/comment", data=_photo_form(csrf, text="look")
        ) as refused:
            assert refused.status == 404
            assert f"No ticket HD-{foreign} among yours" in await refused.text()
        assert _stored(uploads) == []

        # A new request at another company's site: refused, nothing kept.
        async with http.post(
            f"{base}/portal/new",
            data=_photo_form(csrf, site="rom-nevsky", category="printers", description="Jams"),
        ) as refused:
            assert refused.status in (403, 404)
        assert _stored(uploads) == []

        # Allowed: one photo on one's own ticket is stored and shown.
        async with http.post(f"{base}/portal/t/{own}/comment", data=_photo_form(csrf, text="")) as posted:
            assert posted.status == 200
            assert f"/portal/t/{own}/photo/" in await posted.text()
        assert len(_stored(uploads)) == 1


async def test_refusals_in_russian_on_a_russian_page(app: tuple[Runtime, str]) -> None:
    rt, base = app
    await add_colleague(rt.uows, ANNA, chat="w-anna")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        csrf = await sign_in(rt, http, base, "+79161234501", "w-anna")
        http.cookie_jar.update_cookies({"hd_portal_lang": "ru"})
        async with http.get(f"{base}/portal/t/999999") as missing:
            assert missing.status == 404
            assert "Среди ваших заявок нет HD-999999" in await missing.text()
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("site", "acme-office")
        form.add_field("category", "printers")
        form.add_field("description", "Jams")
        form.add_field("photos", b"not an image", filename="notes.txt", content_type="text/plain")
        async with http.post(f"{base}/portal/new", data=form) as refused:
            assert refused.status == 400
            assert "notes.txt — не фото" in await refused.text()


async def test_a_link_asked_for_in_the_chat_signs_in_and_shares_the_pages_allowance(
    app: tuple[Runtime, str],
) -> None:
    rt, base = app
    await add_colleague(rt.uows, ANNA, chat="w-anna")

    async def ask(n: int) -> list[str]:
        inbound = Inbound(
            Channel.WEB, Bot.CLIENT, "w-anna", "w-anna", f"portal-{n}", text="/portal", lang="en"
        )
        return [out.text for out in await rt.engine.handle(inbound)]

    first = await ask(1)
    links = [m.group(0) for text in first for m in LINK.finditer(text)]
    assert len(links) == 1 and links[0].startswith(base + "/portal/in/"), first
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await spend(http, base, links[0])
        assert "Anna Brown" in await (await http.get(base + "/portal/")).text()
    await ask(2)
    await ask(3)
    assert "3 sign-in links were sent" in (await ask(4))[0]
    # The sign-in page counts the same links: it sends Anna no fourth one either.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        before = len(await sent_links(rt.uows, "w-anna"))
        form = await (await http.get(base + "/portal/login")).text()
        token = CSRF.search(form)
        assert token is not None
        async with http.post(
            base + "/portal/login", data={"csrf": token.group(1), "identifier": "+79161234501"}
        ) as sent:
            assert sent.status == 200
        assert len(await sent_links(rt.uows, "w-anna")) == before


async def test_a_page_resumes_its_session_and_reads_in_one_transaction(
    quiet_app: tuple[Runtime, str],
) -> None:
    """Every portal page starts by resuming the session; a page that only reads does it in the same unit of
    work, and the session, its contact and their client are one statement (CPU and round trips per page)."""
    rt, base = quiet_app
    await add_colleague(rt.uows, ANNA, chat="w-anna")
    number = await worked_ticket(rt.engine, rt.uows, ANNA, "acme-office", "Printer on floor 2 jams")
    transactions: list[list[str]] = []  # the statements of each transaction, by connection
    open_on: dict[int, list[str]] = {}

    def on_begin(conn: object) -> None:
        open_on[id(conn)] = []
        transactions.append(open_on[id(conn)])

    def on_statement(conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        if id(conn) in open_on:
            open_on[id(conn)].append(sql)

    def page_work(statements: list[str]) -> bool:  # not the KB's background refresh
        return any(
            table in s for s in statements for table in ("portal_sessions", "FROM tickets", "FROM sites")
        )

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await sign_in(rt, http, base, "+79161234501", "w-anna")
        await http.get(base + "/portal/")  # the session's activity is recorded (once a minute)
        event.listen(rt.db.sync_engine, "before_cursor_execute", on_statement)
        event.listen(rt.db.sync_engine, "begin", on_begin)
        try:
            for path in ("/portal/", f"/portal/t/{number}", "/portal/new"):
                transactions.clear()
                async with http.get(base + path) as page:
                    assert page.status == 200
                pages = [t for t in transactions if page_work(t)]
                assert len(pages) == 1, (path, pages)
                assert sum("portal_sessions" in s for s in pages[0]) == 1, (path, pages)
                assert not any("FROM clients" in s for s in pages[0]), (path, pages)
        finally:
            event.remove(rt.db.sync_engine, "before_cursor_execute", on_statement)
            event.remove(rt.db.sync_engine, "begin", on_begin)
