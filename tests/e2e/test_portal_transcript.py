"""One ticket across three channels (#21): a client opens it in Telegram (the fake Bot API), a colleague follows
it by mail (the app's real SMTP listener in, a real SMTP server out) and in the client portal (over HTTP), and
all three see the same history: the colleague's mail reaches the Telegram chat, the engineer's message reaches
both the chat and the mailbox, the portal shows every message, and the colleague's portal message reaches the
chat.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import aiosmtplib
import pytest
from aiohttp import web

from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage.migrate import upgrade
from tests.e2e.test_telegram_loop import CLIENT_TOKEN, button, reply
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.mailbox import Mailbox
from tests.support.portal import LINK, add_colleague
from ticket_core import usecases as uc
from ticket_core.enums import PersonKind, Role
from ticket_core.model import Actor, ChannelAccount, Contact

IVAN_USER = 5101
MARIA = Contact(
    "romashka-maria", "romashka", "Мария Орлова", None, "ru", email="maria@romashka.test", manager=True
)
SUPPORT = "support@desk.test"


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as fake:
        yield fake


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    async with Mailbox() as box:
        yield box


@pytest.fixture
async def app(
    tmp_path: Path, api: FakeTelegramAPI, mailbox: Mailbox, unused_tcp_port: int
) -> AsyncIterator[tuple[Runtime, str]]:
    """The app with the Telegram client bot, mail in and out, and the portal, on a local port."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        telegram_client_token=CLIENT_TOKEN,
        telegram_api_base=api.base_url,
        kb_embedder="none",
        secret_key="portal-transcript-secret",
        worker_poll_s=0.05,
        telegram_rate_limits=False,
        telegram_polling_timeout_s=1,
        email_address=SUPPORT,
        smtp_listen="127.0.0.1:0",
        email_relay=f"127.0.0.1:{mailbox.port}",
        email_attachment_dir=str(tmp_path / "mail"),
        webchat_upload_dir=tmp_path / "uploads",
    )
    await upgrade(settings.database_url)
    await seed_demo(settings)
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start()
    try:
        yield rt, f"http://127.0.0.1:{unused_tcp_port}"
    finally:
        await rt.close()
        await runner.cleanup()


def _text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


async def _mail(rt: Runtime, subject: str, body: str, message_id: str) -> None:
    assert rt.email is not None and rt.email.listener is not None
    m = EmailMessage()
    m["From"] = f"Мария Орлова <{MARIA.email}>"
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = message_id
    m.set_content(body)
    await aiosmtplib.send(m, hostname="127.0.0.1", port=rt.email.listener.port, timeout=10)


async def _portal_session(http: aiohttp.ClientSession, base: str, link: str) -> str:
    """Open the link's page, press its button; return the session's CSRF token from the list page."""
    page = await (await http.get(link)).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    secret = link.rsplit("/", 1)[1]
    async with http.post(base + "/portal/in", data={"csrf": csrf.group(1), "secret": secret}) as signed:
        assert signed.status == 200 and str(signed.url).endswith("/portal/")
        listing = await signed.text()
    token = re.search(r'name="csrf" value="([^"]+)"', listing)
    assert token is not None
    return token.group(1)


async def test_telegram_mail_and_portal_see_one_history(
    api: FakeTelegramAPI, mailbox: Mailbox, app: tuple[Runtime, str]
) -> None:
    rt, base = app
    c = CLIENT_TOKEN
    async with rt.uows() as uow:
        await uow.accounts.link(
            ChannelAccount(
                "telegram", "client", str(IVAN_USER), PersonKind.CONTACT, "romashka-ivan", str(IVAN_USER)
            )
        )
        await uow.commit()
    await add_colleague(rt.uows, MARIA)

    # 1. Ivan opens the request in Telegram.
    api.push_text(IVAN_USER, IVAN_USER, "/new", first_name="Иван", lang="ru", token=c)
    await reply(api, c, IVAN_USER, "Опишите проблему")
    api.push_text(IVAN_USER, IVAN_USER, "Кондиционер в зале капает на столы", lang="ru", token=c)
    category = await reply(api, c, IVAN_USER, "К чему это относится?")
    api.push_callback(IVAN_USER, IVAN_USER, button(category, "Кондиционеры"), lang="ru", token=c)
    site = await reply(api, c, IVAN_USER, "Выберите объект")
    api.push_callback(IVAN_USER, IVAN_USER, button(site, "Ромашка на Невском"), lang="ru", token=c)
    urgency = await reply(api, c, IVAN_USER, "Насколько срочно?")
    api.push_callback(IVAN_USER, IVAN_USER, button(urgency, "Срочно"), lang="ru", token=c)
    summary = await reply(api, c, IVAN_USER, "Проверьте заявку")
    api.push_callback(IVAN_USER, IVAN_USER, button(summary, "Отправить"), lang="ru", token=c)
    opened = await reply(api, c, IVAN_USER, "оформлена")
    ref = re.search(r"HD-\d+", opened.plain_text or "")
    assert ref is not None
    number = int(ref.group(0)[3:])

    # 2. Maria, his colleague, writes on it by mail: Ivan reads it in Telegram, and Maria now follows it.
    await _mail(
        rt,
        f"Re: {ref.group(0)} кондиционер",
        "Это над столиком 5, вода уже на полу.",
        "<maria-1@romashka.test>",
    )
    await reply(api, c, IVAN_USER, "Это над столиком 5")

    # 3. The engineer (here the supervisor) writes: Ivan reads it in Telegram, Maria by mail.
    supervisor = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")

    async def engineer_writes(uow: object, now: object) -> object:
        ticket = await uc.get_ticket_by_number(uow, supervisor, number)  # type: ignore[arg-type]
        return await uc.add_comment(uow, supervisor, ticket.id, now, "Мастер будет в 15:00, перекройте воду")  # type: ignore[arg-type]

    await rt.engine.run_system(engineer_writes)
    rt.wake_delivery()
    await reply(api, c, IVAN_USER, "Мастер будет в 15:00")
    for _ in range(300):  # the mail of the engineer's message to Maria, who follows by mail now
        if _found(mailbox):
            break
        await asyncio.sleep(0.05)
    assert _found(mailbox), [_text_of(m) for m in mailbox.mails]

    # 4. Maria asks for a portal link by mail address; it comes by mail; she sees the whole history there.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # 127.0.0.1
        form = await (await http.get(base + "/portal/login")).text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        before = len(mailbox.mails)
        async with http.post(
            base + "/portal/login", data={"csrf": csrf.group(1), "identifier": "Maria@Romashka.test"}
        ) as sent:
            assert sent.status == 200
        mails = await mailbox.wait_for(before + 1)
        links = [m.group(0) for mail in mails[before:] for m in LINK.finditer(_text_of(mail))]
        assert links, [_text_of(m) for m in mails[before:]]
        token = await _portal_session(http, base, links[0])
        page = await (await http.get(f"{base}/portal/t/{number}")).text()
        for seen in ("Кондиционер в зале капает на столы", "Это над столиком 5", "Мастер будет в 15:00"):
            assert seen in page, seen

        # 5. Maria writes in the portal: Ivan reads it in Telegram.
        async with http.post(
            f"{base}/portal/t/{number}/comment", data={"csrf": token, "text": "Воду перекрыли, ждём мастера"}
        ) as posted:
            assert posted.status == 200
    await reply(api, c, IVAN_USER, "Воду перекрыли, ждём мастера")


def _found(mailbox: Mailbox) -> bool:
    return any("Мастер будет в 15:00" in _text_of(m) for m in mailbox.mails)
