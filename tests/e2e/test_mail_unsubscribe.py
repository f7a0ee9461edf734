"""Unsubscribing from notification mails, against the real app: mail in through its SMTP listener, mail out to a
real SMTP server (tests/support/mailbox.py), the portal over HTTP.

A client who wrote by mail gets notifications there, each with List-Unsubscribe naming a signed link (and the
mailto) and the link in its footer; a GET of the link changes nothing (mail scanners fetch links), the mail
program's one-click POST (RFC 8058, no cookies) stops the notifications, audited; answers to the client's own
mail and a portal sign-in link still come; the portal's Mail page turns them on again; a mail saying
"unsubscribe" (the mailto) stops them again and is answered once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import aiosmtplib
import pytest
from aiohttp import web
from sqlalchemy import func, select

from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage.migrate import upgrade
from storage.tables import outbox
from tests.support.mailbox import Mailbox
from tests.support.portal import LINK
from ticket_core import usecases as uc
from ticket_core.enums import Role
from ticket_core.model import Actor

SUPPORT = "support@desk.test"
IVAN = "ivan@romashka.test"
SUPERVISOR = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
URL = re.compile(r"<(https?://[^>]+/portal/unsubscribe/[^>]+)>")


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    async with Mailbox() as box:
        yield box


@pytest.fixture
async def app(tmp_path: Path, mailbox: Mailbox, unused_tcp_port: int) -> AsyncIterator[tuple[Runtime, str]]:
    """The demo company with mail in and out and the portal, on a local port named as PUBLIC_URL."""
    base = f"http://127.0.0.1:{unused_tcp_port}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        kb_embedder="none",
        secret_key="mail-unsubscribe-secret",
        public_url=base,
        worker_poll_s=0.05,
        email_address=SUPPORT,
        smtp_listen="127.0.0.1:0",
        email_relay=f"127.0.0.1:{mailbox.port}",
        email_attachment_dir=str(tmp_path / "mail"),
    )
    await upgrade(settings.database_url)
    await seed_demo(settings)
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start(polling=False)
    try:
        yield rt, base
    finally:
        await rt.close()
        await runner.cleanup()


async def _send(rt: Runtime, subject: str, body: str, message_id: str) -> None:
    assert rt.email is not None and rt.email.listener is not None
    m = EmailMessage()
    m["From"] = f"Иван Кузнецов <{IVAN}>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = message_id
    m.set_content(body)
    await aiosmtplib.send(m, hostname="127.0.0.1", port=rt.email.listener.port, timeout=10)


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


async def _supervisor_writes(rt: Runtime, number: int, text: str) -> None:
    async def work(uow: object, now: object) -> object:
        ticket = await uc.get_ticket_by_number(uow, SUPERVISOR, number)  # type: ignore[arg-type]
        return await uc.add_comment(uow, SUPERVISOR, ticket.id, now, text)  # type: ignore[arg-type]

    await rt.engine.run_system(work)
    rt.wake_delivery()


async def _queued_to_ivan(rt: Runtime) -> int:
    async with rt.sessions() as session:
        return int((await session.execute(select(func.count()).where(outbox.c.chat_id == IVAN))).scalar_one())


async def _audit(rt: Runtime) -> list[tuple[bool, str]]:
    async with rt.uows() as uow:
        now = datetime.now(UTC)
        events = await uow.events.list_between(["mail_notifications_changed"], now - timedelta(hours=1), now)
    return [(e["data"]["on"], e["data"]["via"]) for e in events]


async def test_a_client_unsubscribes_by_link_resubscribes_in_the_portal_and_unsubscribes_by_mail(
    app: tuple[Runtime, str], mailbox: Mailbox
) -> None:
    rt, base = app
    await _send(rt, "Кондиционер течёт", "В зале капает вода с кондиционера.", "<ivan-1@romashka.test>")
    opened = (await mailbox.wait_for(1))[0]
    number = int(re.search(r"HD-(\d+)", str(opened["Subject"])).group(1))  # type: ignore[union-attr]
    assert opened["List-Unsubscribe"] is None  # an answer to Ivan's own mail

    await _supervisor_writes(rt, number, "Мастер будет в 15:00")
    note = (await mailbox.wait_for(2))[1]
    found = URL.search(str(note["List-Unsubscribe"]))
    assert found is not None and f"<mailto:{SUPPORT}?subject=unsubscribe>" in str(note["List-Unsubscribe"])
    link = found.group(1)
    assert link.startswith(base + "/portal/unsubscribe/") and link in _text(note)
    assert "Не присылать эти уведомления на почту" in _text(note)

    async with aiohttp.ClientSession() as http:  # no cookies: the mail program's POST
        async with http.get(link) as page:  # a scanner's GET turns nothing off
            assert page.status == 200 and IVAN in await page.text()
        assert await _audit(rt) == []
        async with http.post(
            link,
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as done:
            assert done.status == 200
            assert f"Уведомления больше не приходят на {IVAN}" in await done.text()
        async with http.post(link[:-3] + "AAA") as forged:
            assert forged.status == 404
    assert await _audit(rt) == [(False, "link")]

    queued = await _queued_to_ivan(rt)
    await _supervisor_writes(rt, number, "Мастер задерживается на час")
    assert await _queued_to_ivan(rt) == queued  # no notification by mail any more

    # Answers to his own mail still come, and so does a sign-in link he asks for.
    await _send(rt, f"Re: [HD-{number}] Кондиционер течёт", "Спасибо, ждём.", "<ivan-2@romashka.test>")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        form = await (await http.get(base + "/portal/login")).text()
        token = CSRF.search(form)
        assert token is not None
        before = len(mailbox.mails)
        async with http.post(
            base + "/portal/login", data={"csrf": token.group(1), "identifier": IVAN}
        ) as sent:
            assert sent.status == 200
        mails = await mailbox.wait_for(before + 1)
        links = [m.group(0) for mail in mails[before:] for m in LINK.finditer(_text(mail))]
        assert links, [_text(m) for m in mails[before:]]
        page = await (await http.get(links[0])).text()
        token = CSRF.search(page)
        assert token is not None
        async with http.post(
            base + "/portal/in", data={"csrf": token.group(1), "secret": links[0].rsplit("/", 1)[1]}
        ) as signed:
            assert signed.status == 200
        mail_page = await (await http.get(base + "/portal/mail")).text()
        assert IVAN in mail_page and "выключены" in mail_page
        csrf = CSRF.search(mail_page)
        assert csrf is not None
        async with http.post(
            base + "/portal/mail", data={"csrf": csrf.group(1), "address": IVAN, "on": "1"}
        ) as on:
            assert on.status == 200 and "Уведомления на почту снова включены." in await on.text()
        # Someone else's address is not the contact's to turn on or off.
        async with http.post(
            base + "/portal/mail", data={"csrf": csrf.group(1), "address": "anna@acme.test", "on": "0"}
        ) as other:
            assert other.status == 404
    assert await _audit(rt) == [(False, "link"), (True, "portal")]

    before = len(mailbox.mails)
    await _supervisor_writes(rt, number, "Мастер на месте")
    mails = await mailbox.wait_for(before + 1)
    assert any("Мастер на месте" in _text(m) for m in mails[before:])

    # The mailto of List-Unsubscribe: a mail saying "unsubscribe" stops them again, answered once.
    before = len(mailbox.mails)
    await _send(rt, "unsubscribe", "", "<ivan-3@romashka.test>")
    answer = (await mailbox.wait_for(before + 1))[before]
    assert "уведомления о заявках на ivan@romashka.test больше не приходят" in _text(answer)
    for _ in range(100):
        if len(await _audit(rt)) == 3:
            break
        await asyncio.sleep(0.05)
    assert await _audit(rt) == [(False, "link"), (True, "portal"), (False, "mail")]
    queued = await _queued_to_ivan(rt)
    await _supervisor_writes(rt, number, "Работа выполнена")
    assert await _queued_to_ivan(rt) == queued
