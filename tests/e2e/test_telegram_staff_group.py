"""A forum topic per ticket in the staff supergroup, through the real app and both staff-bot frameworks.

The ticket's topic is created through the outbox when the ticket opens and gets the ticket card; the
engineer's message in the topic becomes an internal note, a "!" message reaches the client; the accept
and the resolution are posted there, and resolving closes the topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from tests.e2e.test_telegram_loop import (
    CLIENT_TOKEN,
    STAFF_TOKEN,
    button,
    edited,
    file_printer_request,
    reply,
    ticked,
)
from tests.fakes.telegram_api import FakeTelegramAPI, RecordedCall
from ticket_core.enums import Visibility

GROUP = -1001234567890
CLIENT_USER = 5002
ENGINEER_USER = 7002


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as fake:
        fake.make_forum(GROUP)
        yield fake


@pytest.fixture(params=["aiogram", "ptb"])
async def app(
    request: pytest.FixtureRequest, demo_db: Path, api: FakeTelegramAPI, unused_tcp_port: int
) -> AsyncIterator[Runtime]:
    settings = Settings(
        telegram_staff_framework=request.param,
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{demo_db}",
        telegram_client_token=CLIENT_TOKEN,
        telegram_staff_token=STAFF_TOKEN,
        telegram_staff_group_id=str(GROUP),
        telegram_staff_group_forum=True,
        telegram_api_base=api.base_url,
        kb_embedder="none",
        secret_key="e2e-secret",
        worker_poll_s=0.05,
        telegram_rate_limits=False,
        telegram_polling_timeout_s=1,
    )
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()
        await runner.cleanup()


async def in_topic(api: FakeTelegramAPI, topic: int, contains: str) -> RecordedCall:
    return await api.wait_for_call(
        "sendMessage",
        predicate=lambda c: (
            c.token == STAFF_TOKEN
            and c.params.get("chat_id") == GROUP
            and c.params.get("message_thread_id") == topic
            and contains in (c.plain_text or "")
        ),
        timeout=10,
    )


async def comments(rt: Runtime, want: int) -> list[tuple[str, str]]:
    for _ in range(100):
        async with rt.uows() as uow:
            ticket = await uow.tickets.get_by_number(1001)
            found = await uow.comments.list_for_ticket(ticket.id, include_internal=True) if ticket else []
        if len(found) >= want:
            return [(str(c.visibility), c.text) for c in found]
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {want} comments, got {found}")


async def test_a_topic_per_ticket_in_the_staff_group(api: FakeTelegramAPI, app: Runtime) -> None:
    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")

    api.push_text(CLIENT_USER, CLIENT_USER, "/new", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    api.push_text(CLIENT_USER, CLIENT_USER, "Принтер печатает пустые листы", lang="ru", token=c)
    await file_printer_request(api, c, CLIENT_USER)

    created = await api.wait_for_call("createForumTopic", timeout=10)
    assert created.params["chat_id"] == GROUP and created.params["name"] == "HD-1001 · Пётр · Принтеры и МФУ"
    topic = created.result["message_thread_id"]
    card = await in_topic(api, topic, "🆕 HD-1001")
    assert "Принтер печатает пустые листы" in (card.plain_text or "")
    await in_topic(api, topic, "Предложена: Алексей Смирнов")

    # The engineer writes in the topic: an internal note; "!" goes to the client.
    api.push_text(
        GROUP, ENGINEER_USER, "Заказал фотобарабан", chat_type="supergroup", thread_id=topic, token=s
    )
    assert await comments(app, 1) == [(str(Visibility.INTERNAL), "Заказал фотобарабан")]
    api.push_text(
        GROUP, ENGINEER_USER, "!Приеду завтра в 10:00", chat_type="supergroup", thread_id=topic, token=s
    )
    await in_topic(api, topic, "Отправлено клиенту")
    await reply(api, c, CLIENT_USER, "Приеду завтра в 10:00")
    assert (await comments(app, 2))[1] == (str(Visibility.PUBLIC), "Приеду завтра в 10:00")
    # A group member who is not linked staff gets one polite refusal in the topic.
    api.push_text(GROUP, 9999, "а я кто?", chat_type="supergroup", thread_id=topic, token=s)
    await in_topic(api, topic, "только сообщения сотрудников")

    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(offer, "Принять"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Вы приняли HD-1001")
    await in_topic(api, topic, "Принял: Алексей Смирнов")
    card = await edited(api, s, ENGINEER_USER, offer, "HD-1001 — ")  # the offer, now the job card

    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(card, "Выполнено"), lang="ru", token=s)
    checklist = await reply(api, s, ENGINEER_USER, "Чек-лист по HD-1001")
    now = checklist
    for item in ("Очистить тракт", "Распечатать"):
        api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, f"⬜ {item}"), lang="ru", token=s)
        now = await ticked(api, s, ENGINEER_USER, checklist, f"✅ {item}")  # edited in place
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "Всё сделано"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Опишите, что сделано")
    api.push_text(ENGINEER_USER, ENGINEER_USER, "Заменил фотобарабан", lang="ru", token=s)
    spent = await reply(api, s, ENGINEER_USER, "Сколько времени")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(spent, "30 мин"), lang="ru", token=s)

    await in_topic(api, topic, "Выполнена: Заменил фотобарабан")
    closed = await api.wait_for_call("closeForumTopic", timeout=10)
    assert closed.params == {"chat_id": GROUP, "message_thread_id": topic}
    assert api.topics[(STAFF_TOKEN, GROUP, topic)]["closed"] is True
    assert len(api.calls_to("createForumTopic")) == 1
