"""The whole loop through the real app and the real aiogram stack, against a fake Telegram Bot API over HTTP.

A client asks a question in the client bot, gets a KB answer, says it did not help, fills in the form and
gets a ticket number; the engineer linked to the staff bot gets the offer card, accepts, finishes with a
note; the client sees each status change and rates the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.timers import refresh_staff_menus_once
from helpdesk.web import build_web_app
from storage.migrate import upgrade
from storage.tables import staff
from tests.fakes.telegram_api import FakeTelegramAPI, RecordedCall
from ticket_core.enums import PersonKind, Role
from ticket_core.model import ChannelAccount

CLIENT_TOKEN = "111111:client-token-abcdefghijklmnopqrstuvwxyz"
STAFF_TOKEN = "222222:staff-token-abcdefghijklmnopqrstuvwxyz"
CLIENT_USER = 5001
ENGINEER_USER = 7001


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(default_token=CLIENT_TOKEN) as fake:
        yield fake


@pytest.fixture(params=["aiogram", "ptb"])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, api: FakeTelegramAPI, unused_tcp_port: int
) -> AsyncIterator[tuple[Runtime, str]]:
    """The app with the staff bot on aiogram, then on python-telegram-bot: the same transcript passes on both."""
    settings = Settings(
        telegram_staff_framework=request.param,
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        telegram_client_token=CLIENT_TOKEN,
        telegram_staff_token=STAFF_TOKEN,
        telegram_api_base=api.base_url,
        kb_embedder="none",
        secret_key="e2e-secret",
        worker_poll_s=0.05,
        telegram_rate_limits=False,
        telegram_polling_timeout_s=1,
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


async def reply(api: FakeTelegramAPI, token: str, chat: int, contains: str) -> RecordedCall:
    """Wait for the bot's message to `chat` whose visible text contains `contains`."""
    return await api.wait_for_call(
        "sendMessage",
        predicate=lambda c: (
            c.token == token and c.params.get("chat_id") == chat and contains in (c.plain_text or "")
        ),
        timeout=10,
    )


async def edited(
    api: FakeTelegramAPI, token: str, chat: int, sent: RecordedCall, contains: str
) -> RecordedCall:
    """Wait for the bot's edit of the message `sent` made, to a text that contains `contains`."""
    message_id = sent.result["message_id"]
    return await api.wait_for_call(
        "editMessageText",
        predicate=lambda c: (
            c.token == token
            and c.params.get("chat_id") == chat
            and c.params.get("message_id") == message_id
            and contains in (c.plain_text or "")
        ),
        timeout=10,
    )


async def file_printer_request(api: FakeTelegramAPI, c: str, user: int = CLIENT_USER) -> None:
    """The client's intake after the description: printers, the shared location, normal urgency, who to
    call (a new private client is asked), confirm; the ticket is HD-1001."""
    category = await reply(api, c, user, "К чему это относится?")
    api.push_callback(user, user, button(category, "Принтеры"), lang="ru", token=c)
    await reply(api, c, user, "Укажите адрес")
    api.push_location(user, user, 55.7585, 37.6120, lang="ru", token=c)
    urgency = await reply(api, c, user, "Насколько срочно?")
    api.push_callback(user, user, button(urgency, "Обычная"), lang="ru", token=c)
    await reply(api, c, user, "Как к вам обращаться")  # a new private client: who to call
    api.push_text(user, user, "Пётр, +7 916 555-12-34", lang="ru", token=c)
    summary = await reply(api, c, user, "Проверьте заявку")
    api.push_callback(user, user, button(summary, "Отправить"), lang="ru", token=c)
    await reply(api, c, user, "Заявка HD-1001 оформлена")


async def ticked(api: FakeTelegramAPI, token: str, chat: int, sent: RecordedCall, label: str) -> RecordedCall:
    """Wait for the edit of the checklist `sent` that shows button `label` (a tick edits it in place)."""
    message_id = sent.result["message_id"]
    return await api.wait_for_call(
        "editMessageText",
        predicate=lambda c: (
            c.token == token
            and c.params.get("chat_id") == chat
            and c.params.get("message_id") == message_id
            and label in str(c.buttons)
        ),
        timeout=10,
    )


def button(call: RecordedCall, label: str) -> str:
    for row in call.buttons:
        for b in row:
            if b["text"].startswith(label):
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} in {call.buttons}")


async def test_client_and_engineer_in_telegram(api: FakeTelegramAPI, app: tuple[Runtime, str]) -> None:
    rt, base = app
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as resp:
            assert resp.status == 200

    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")

    api.push_text(CLIENT_USER, CLIENT_USER, "Принтер замял бумагу", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Вот что нашлось в базе знаний")
    helped = await reply(api, c, CLIENT_USER, "Это помогло?")

    api.push_callback(CLIENT_USER, CLIENT_USER, button(helped, "Не помогло"), lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    api.push_text(CLIENT_USER, CLIENT_USER, "Замятие повторяется каждый раз, лоток 2", lang="ru", token=c)
    await file_printer_request(api, c)

    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    assert "навык: Принтеры и МФУ" in (offer.plain_text or "")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(offer, "Принять"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Вы приняли HD-1001")
    await reply(api, c, CLIENT_USER, "Инженер Алексей Смирнов принял вашу заявку HD-1001")
    # The offer's message became the job card, edited in place with the job's buttons (one live card per job).
    card = await edited(api, s, ENGINEER_USER, offer, "HD-1001 — инженер назначен")
    assert "Принять" not in str(card.buttons) and "На месте" in str(card.buttons)

    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(card, "Выполнено"), lang="ru", token=s)
    checklist = await reply(api, s, ENGINEER_USER, "Чек-лист по HD-1001")
    api.push_callback(
        ENGINEER_USER, ENGINEER_USER, button(checklist, "⬜ Очистить тракт"), lang="ru", token=s
    )
    # A tick edits the checklist where it is (it used to post the whole list again per tick).
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Очистить тракт")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "⬜ Распечатать"), lang="ru", token=s)
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Распечатать")
    assert len([c for c in api.calls_to("sendMessage") if "Чек-лист" in (c.plain_text or "")]) == 1
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "Всё сделано"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Опишите, что сделано")
    api.push_text(ENGINEER_USER, ENGINEER_USER, "Почистил ролики подачи", lang="ru", token=s)
    spent = await reply(api, s, ENGINEER_USER, "Сколько времени")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(spent, "30 мин"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "HD-1001 закрыта как выполненная")
    done = await edited(api, s, ENGINEER_USER, offer, "HD-1001 — выполнена")
    assert not [b for row in done.buttons for b in row if "callback_data" in b]  # only the map link is left

    rating = await reply(api, c, CLIENT_USER, "Заявка HD-1001 выполнена")
    assert [b["text"] for b in rating.buttons[0]] == ["1", "2", "3", "4", "5"]
    api.push_callback(CLIENT_USER, CLIENT_USER, button(rating, "5"), lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Спасибо за оценку 5")
    await reply(api, s, ENGINEER_USER, "Клиент оценил HD-1001: 5 из 5")

    # Every button press was answered so the spinner stops.
    presses = sum(
        1 for c in api.calls if c.method == "getUpdates" for u in (c.result or []) if "callback_query" in u
    )
    assert len(api.calls_to("answerCallbackQuery")) == presses == 11
    # Every outbox row was sent, exactly once: the calls Telegram got are exactly the calls the rows plan
    # (one Outbound may be several calls, e.g. a text with buttons plus a location keyboard).
    from sqlalchemy import select

    from bots.telegram.outbound import plan_outbound
    from dialogue.messages import Outbound
    from storage.tables import outbox

    await asyncio.sleep(0.2)
    async with rt.sessions() as session:
        rows = (await session.execute(select(outbox.c.status, outbox.c.channel, outbox.c.payload))).all()
    assert {row.status for row in rows} == {"sent"}
    sent = [Outbound.from_dict(row.payload) for row in rows if row.channel == "telegram"]
    card_edits = [out for out in sent if out.card and not out.card_new]
    planned = sum(len(plan_outbound(out)) for out in sent if out not in card_edits)
    assert len(api.calls_to("editMessageText")) == len(card_edits) == 4  # accepted, 2 checklist ticks, done
    sends = [
        c
        for c in api.calls
        if c.ok and c.method.startswith("send") and c.token in (CLIENT_TOKEN, STAFF_TOKEN)
    ]
    assert len(sends) == planned


# The staff bot beyond the job loop (#18): each staff chat gets its role's command menu, in the person's
# language, and a client's photo reaches the engineer as a photo of the staff bot.

SUPERVISOR_USER = 7002
PHOTO = b"\xff\xd8\xff\xe0" + b"client-photo-of-the-leak" * 10


async def test_each_staff_chat_gets_its_roles_menu(api: FakeTelegramAPI, app: tuple[Runtime, str]) -> None:
    s = STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")
    api.push_text(SUPERVISOR_USER, SUPERVISOR_USER, "/start SOKOLOVA-2026", lang="ru", token=s)
    await reply(api, s, SUPERVISOR_USER, "Здравствуйте")

    menus = {
        call.params["scope"]["chat_id"]: call.params["commands"]
        for call in api.calls_to("setMyCommands", token=s)
        if call.ok and (call.params.get("scope") or {}).get("type") == "chat"
    }
    engineer = [c["command"] for c in menus[ENGINEER_USER]]
    supervisor = [c["command"] for c in menus[SUPERVISOR_USER]]
    assert engineer == ["jobs", "shift", "report", "profile", "help"]
    assert supervisor == ["queue", "reassign", "level", "report", "profile", "help"]
    assert menus[ENGINEER_USER][0]["description"] == "Мои заявки и действия по ним"  # in their language


async def test_staff_linked_before_get_their_menu_without_writing(
    api: FakeTelegramAPI, app: tuple[Runtime, str]
) -> None:
    """A chat linked before per-role menus (or whose person's role changed since) gets its role's menu from
    the worker, without its person writing /start or /help again."""
    rt, _ = app
    async with rt.uows() as uow:  # linked earlier: nothing recorded of a menu
        await uow.accounts.link(
            ChannelAccount(
                "telegram",
                "staff",
                str(SUPERVISOR_USER),
                PersonKind.STAFF,
                "s-sokolova",
                str(SUPERVISOR_USER),
            )
        )
        await uow.commit()
    assert await refresh_staff_menus_once(rt.engine, rt.wake_delivery) == 1
    assert await refresh_staff_menus_once(rt.engine, rt.wake_delivery) == 0  # set once, not on every run
    call = await api.wait_for_call("setMyCommands", predicate=lambda c: _menu_chat(c) == SUPERVISOR_USER)
    assert [c["command"] for c in call.params["commands"]] == [
        "queue",
        "reassign",
        "level",
        "report",
        "profile",
        "help",
    ]

    async with rt.db.begin() as conn:  # promoted to admin (in the staff table: no chat command does it)
        await conn.execute(staff.update().where(staff.c.id == "s-sokolova").values(role=str(Role.ADMIN)))
    assert await refresh_staff_menus_once(rt.engine, rt.wake_delivery) == 1
    call = await api.wait_for_call(
        "setMyCommands",
        predicate=lambda c: _menu_chat(c) == SUPERVISOR_USER and c.params["commands"][0]["command"] == "kb",
    )
    assert not [
        c
        for c in api.calls_to("sendMessage", token=STAFF_TOKEN)
        if c.params.get("chat_id") == SUPERVISOR_USER
    ]


def _menu_chat(call: RecordedCall) -> object:
    return (call.params.get("scope") or {}).get("chat_id") if call.ok else None


async def test_the_clients_photo_reaches_the_engineer(api: FakeTelegramAPI, app: tuple[Runtime, str]) -> None:
    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")

    api.push_text(CLIENT_USER, CLIENT_USER, "/new", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    api.push_photo(CLIENT_USER, CLIENT_USER, content=PHOTO, lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Фото добавлено")
    api.push_text(CLIENT_USER, CLIENT_USER, "Принтер жуёт бумагу, фото прилагаю", lang="ru", token=c)
    await file_printer_request(api, c)

    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    assert "Фото от клиента: 1 (ниже)" in (offer.plain_text or "")
    photo = await api.wait_for_call(
        "sendPhoto",
        predicate=lambda call: call.token == s and call.params.get("chat_id") == ENGINEER_USER,
        timeout=10,
    )
    # The client bot's file id means nothing to the staff bot: the photo itself was uploaded.
    assert [content for _name, content in photo.files.values()] == [PHOTO]
    assert photo.plain_text == "Фото от клиента по HD-1001"


async def test_the_engineer_links_a_suggested_article_with_one_press(
    api: FakeTelegramAPI, app: tuple[Runtime, str]
) -> None:
    """The job card's KB button and the note question of Done offer the KB's articles for the client's
    question; one press keeps the question as a confirmed phrasing of the article (#14), on both frameworks."""
    rt, _ = app
    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")
    api.push_text(CLIENT_USER, CLIENT_USER, "/new", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    question = "Принтер опять замял бумагу, лист застрял внутри"
    api.push_text(CLIENT_USER, CLIENT_USER, question, lang="ru", token=c)
    await file_printer_request(api, c)

    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(offer, "Принять"), lang="ru", token=s)
    card = await edited(api, s, ENGINEER_USER, offer, "HD-1001 — инженер назначен")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(card, "📚 Статьи БЗ"), lang="ru", token=s)
    listed = await reply(api, s, ENGINEER_USER, "Статьи базы знаний к вопросу по HD-1001")
    assert f"«{question}»" in (listed.plain_text or "")
    titles = [b["text"] for row in listed.buttons for b in row]
    assert titles[0] == "📖 Принтер замял бумагу" and len(titles) <= 3

    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(card, "Выполнено"), lang="ru", token=s)
    checklist = await reply(api, s, ENGINEER_USER, "Чек-лист по HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(checklist, "⬜ Очистить"), lang="ru", token=s)
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Очистить")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "⬜ Распечатать"), lang="ru", token=s)
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Распечатать")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "Всё сделано"), lang="ru", token=s)
    note_q = await reply(api, s, ENGINEER_USER, "Опишите, что сделано по HD-1001")
    assert [b["text"] for row in note_q.buttons for b in row] == titles
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(note_q, "📖 Принтер"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Статья «Принтер замял бумагу» связана с вопросом клиента по HD-1001")

    from sqlalchemy import select

    from storage.kb_tables import kb_phrasings

    async with rt.sessions() as session:
        rows = (await session.execute(select(kb_phrasings))).mappings().all()
    assert [(r["article_id"], r["text"], r["audience"], r["source"]) for r in rows] == [
        ("printer-jam", question, "public", "engineer_linked")
    ]
    # The press left the note question waiting: the note and the time finish the job.
    api.push_text(ENGINEER_USER, ENGINEER_USER, "Вытащил лист, почистил ролики", lang="ru", token=s)
    spent = await reply(api, s, ENGINEER_USER, "Сколько времени")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(spent, "Пропустить"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "HD-1001 закрыта как выполненная")


async def test_a_reopened_job_stays_in_the_engineers_jobs(
    api: FakeTelegramAPI, app: tuple[Runtime, str]
) -> None:
    """#18: a reopen goes back (as an offer) to the engineer who did the work and stays in their /jobs, its
    card saying it is a reopen and why, with Accept / Decline; it used to leave /jobs until re-accepted."""
    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")
    api.push_text(CLIENT_USER, CLIENT_USER, "/new", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    api.push_text(CLIENT_USER, CLIENT_USER, "Принтер замял бумагу в лотке 2", lang="ru", token=c)
    await file_printer_request(api, c)

    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(offer, "Принять"), lang="ru", token=s)
    card = await edited(api, s, ENGINEER_USER, offer, "HD-1001 — инженер назначен")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(card, "Выполнено"), lang="ru", token=s)
    checklist = await reply(api, s, ENGINEER_USER, "Чек-лист по HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(checklist, "⬜ Очистить"), lang="ru", token=s)
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Очистить")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "⬜ Распечатать"), lang="ru", token=s)
    now = await ticked(api, s, ENGINEER_USER, checklist, "✅ Распечатать")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(now, "Всё сделано"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Опишите, что сделано по HD-1001")
    api.push_text(ENGINEER_USER, ENGINEER_USER, "Почистил ролики", lang="ru", token=s)
    spent = await reply(api, s, ENGINEER_USER, "Сколько времени")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(spent, "Пропустить"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "HD-1001 закрыта как выполненная")

    rating = await reply(api, c, CLIENT_USER, "Заявка HD-1001 выполнена")
    api.push_callback(CLIENT_USER, CLIENT_USER, button(rating, "Не исправлено"), lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите, что не так")
    api.push_text(CLIENT_USER, CLIENT_USER, "Опять замяло", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Заявка HD-1001 снова открыта")
    await reply(api, s, ENGINEER_USER, "Снова открыта заявка HD-1001")  # the offer itself

    api.push_text(ENGINEER_USER, ENGINEER_USER, "/jobs", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Ваши заявки:")
    listed = await reply(api, s, ENGINEER_USER, "Снова открыта заявка HD-1001")
    assert "вы её выполняли\nПричина: Опять замяло" in (listed.plain_text or "")
    assert [b["text"] for b in listed.buttons[0]] == ["Принять", "Отклонить"]
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(listed, "Принять"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Вы приняли HD-1001")
    await edited(api, s, ENGINEER_USER, listed, "HD-1001 — инженер назначен")  # the listed card, in place


async def test_a_supervisor_reassigns_a_job_in_work_by_command(
    api: FakeTelegramAPI, app: tuple[Runtime, str]
) -> None:
    """#18's leftover: `/reassign HD-1001` shows whom a job in work may go to as buttons (as the SLA alert's
    Reassign does), a press offers it to that engineer, and an engineer is refused; on both frameworks."""
    c, s = CLIENT_TOKEN, STAFF_TOKEN
    api.push_text(ENGINEER_USER, ENGINEER_USER, "/start SMIRNOV-2026", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Здравствуйте, Алексей Смирнов")
    api.push_text(SUPERVISOR_USER, SUPERVISOR_USER, "/start SOKOLOVA-2026", lang="ru", token=s)
    await reply(api, s, SUPERVISOR_USER, "Здравствуйте")
    api.push_text(CLIENT_USER, CLIENT_USER, "/new", first_name="Пётр", lang="ru", token=c)
    await reply(api, c, CLIENT_USER, "Опишите проблему")
    api.push_text(CLIENT_USER, CLIENT_USER, "Принтер замял бумагу в лотке 2", lang="ru", token=c)
    await file_printer_request(api, c)
    offer = await reply(api, s, ENGINEER_USER, "Новая заявка HD-1001")
    api.push_callback(ENGINEER_USER, ENGINEER_USER, button(offer, "Принять"), lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Вы приняли HD-1001")

    api.push_text(ENGINEER_USER, ENGINEER_USER, "/reassign HD-1001 Иванова", lang="ru", token=s)
    await reply(api, s, ENGINEER_USER, "Только руководитель может переназначать работу")
    api.push_text(SUPERVISOR_USER, SUPERVISOR_USER, "/reassign HD-1001", lang="ru", token=s)
    asked = await reply(api, s, SUPERVISOR_USER, "Кому передать HD-1001? Сейчас она у Алексея Смирнова.")
    labels = [b["text"] for row in asked.buttons for b in row]
    assert labels[0] == "Вернуть в очередь" and "Мария Иванова" in labels and "Алексей Смирнов" not in labels
    api.push_callback(SUPERVISOR_USER, SUPERVISOR_USER, button(asked, "Мария Иванова"), lang="ru", token=s)
    await reply(api, s, SUPERVISOR_USER, "HD-1001 предложена инженеру Марии Ивановой.")
    await reply(api, s, ENGINEER_USER, "Заявку HD-1001 передали другому исполнителю")
