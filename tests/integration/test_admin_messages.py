"""The admin's Messages page over HTTP, on SQLite and PostgreSQL: dead letters with Replay, undelivered
messages with Retry; admins and supervisors act (CSRF-checked, audited), engineers get 403."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storage import inbox as box
from storage import inbox_admin
from storage import outbox_delivery as out
from storage.admin_tables import admin_audit
from tests.integration import test_admin_http
from tests.integration.test_admin_http import ADMIN, ENGINEER, SUPERVISOR, Admin, signed_in

admin = test_admin_http.admin  # the app with the demo company, as in the other admin HTTP tests

PAGE = "/admin/messages"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _dead_letter(admin: Admin, n: int, text: str, sender: str = "acme-anna") -> int:
    payload = {
        "channel": "web",
        "bot": "client",
        "chat_id": sender,
        "sender_id": sender,
        "dedup_key": f"web:client:admin-test-{n}",
        "text": text,
    }
    async with admin.rt.sessions() as session, session.begin():
        row_id = await box.record(
            session, dedup_key=payload["dedup_key"], chat=f"web:client:{sender}", payload=payload, at=AT
        )
        assert row_id is not None
        await box.mark_dead(session, row_id, at=AT, error="RuntimeError: <b>engine</b> broke")
    return row_id


async def _failed(admin: Admin, chat: str, text: str) -> int:
    async with admin.rt.sessions() as session, session.begin():
        result = await session.execute(
            out.outbox.insert()
            .values(
                channel="web", bot="staff", chat_id=chat, payload={"text": text}, status="failed",
                attempts=9, next_attempt_at=AT, created_at=AT, last_error="HTTP 500 from the platform",
            )
            .returning(out.outbox.c.id)
        )  # fmt: skip
        return int(result.scalar_one())


async def _inbox_status(admin: Admin, row_id: int) -> str:
    async with admin.rt.sessions() as session:
        row = await inbox_admin.get(session, row_id)
    assert row is not None
    return str(row.status)


async def _outbox_status(admin: Admin, row_id: int) -> str:
    async with admin.rt.sessions() as session:
        [row] = await out.get_rows(session, [row_id])
    return str(row.status)


async def _audits(admin: Admin) -> list[tuple[str, str, str, Any]]:
    async with admin.rt.sessions() as session:
        rows = await session.execute(
            select(admin_audit.c.staff_id, admin_audit.c.action, admin_audit.c.target, admin_audit.c.detail)
            .where(admin_audit.c.action.in_(["inbox.replay", "outbox.retry"]))
            .order_by(admin_audit.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_empty_lists_say_so(admin: Admin) -> None:
    await signed_in(admin, ADMIN)
    page = await admin.page(PAGE)
    assert 'href="/admin/messages" class="active">Messages</a>' in page  # in the navigation
    assert "No dead letters: the bot has not given up on any incoming message." in page
    assert "No undelivered messages: delivery has not given up on any outgoing message." in page
    assert "Replay all" not in page and "Retry all" not in page


async def test_admin_replays_a_dead_letter_it_goes_back_to_pending(admin: Admin) -> None:
    anna = await _dead_letter(admin, 1, "The printer <script>alert(1)</script> is jammed")
    other = await _dead_letter(admin, 2, "second", sender="visitor-9")
    await signed_in(admin, ADMIN)
    page = await admin.page(PAGE)
    assert f'id="inbox-{anna}"' in page and f'id="inbox-{other}"' in page
    assert "Anna Brown (ACME Logistics)" in page  # the demo contact behind web/client/acme-anna
    assert "Web chat · clients&#39; bot · chat visitor-9" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "RuntimeError: &lt;b&gt;engine&lt;/b&gt; broke" in page
    assert "Replay all 2" in page and "2 dead letters" in page

    response = await admin.post(f"{PAGE}/inbox/{anna}/replay", {})
    assert response.status == 303 and response.headers["Location"] == f"{PAGE}?replayed=1"
    assert await _inbox_status(admin, anna) == "pending" and await _inbox_status(admin, other) == "dead"
    after = await admin.page(f"{PAGE}?replayed=1")
    assert "1 incoming message queued again; the app handles it within a second." in after
    assert f'id="inbox-{anna}"' not in after and f'id="inbox-{other}"' in after
    assert await _audits(admin) == [(ADMIN, "inbox.replay", f"inbox:{anna}", {"count": 1, "ids": [anna]})]

    # The same button again (another admin was first, or a second click): the list as it is now, 409.
    again = await admin.post(f"{PAGE}/inbox/{anna}/replay", {})
    assert again.status == 409
    text = await again.text()
    assert f"inbox message {anna} is not a dead letter" in text and "The list below is up to date." in text
    bad = await admin.post(f"{PAGE}/inbox/not-a-number/replay", {})
    assert bad.status == 400 and "is not an inbox id" in await bad.text()

    everything = await admin.post(f"{PAGE}/inbox/replay-all", {})
    assert everything.headers["Location"] == f"{PAGE}?replayed=1"
    assert await _inbox_status(admin, other) == "pending"
    assert (await _audits(admin))[-1][:3] == (ADMIN, "inbox.replay", "inbox:all-dead")
    assert "No dead letters" in await admin.page(PAGE)


async def test_supervisor_retries_undelivered_messages(admin: Admin) -> None:
    first = await _failed(admin, "e-smirnov", "New job HD-1001: printer jam")
    second = await _failed(admin, "e-kozlov", "New job HD-1002")
    await signed_in(admin, SUPERVISOR)
    page = await admin.page(PAGE)
    assert f'id="outbox-{first}"' in page and "<strong>Алексей Смирнов</strong>" in page
    # Roles, channels and bots in the reader's words, not raw values (it said "Алексей Смирнов (engineer)").
    assert '<span class="muted">(инженер)</span>' in page and "(engineer)" not in page
    assert "Веб-чат · бот сотрудников · чат e-smirnov" in page
    # The supervisor reads Russian.
    assert "HTTP 500 from the platform" in page and "Отправить снова все (2)" in page

    response = await admin.post(f"{PAGE}/outbox/{first}/retry", {})
    assert response.status == 303 and response.headers["Location"] == f"{PAGE}?retried=1"
    assert await _outbox_status(admin, first) == "pending" and await _outbox_status(admin, second) == "failed"
    assert "1 исходящее сообщение снова в очереди" in await admin.page(f"{PAGE}?retried=1")
    response = await admin.post(f"{PAGE}/outbox/retry-all", {})
    assert response.headers["Location"] == f"{PAGE}?retried=1"
    assert await _outbox_status(admin, second) == "pending"
    assert [a[:3] for a in await _audits(admin)] == [
        (SUPERVISOR, "outbox.retry", f"outbox:{first}"),
        (SUPERVISOR, "outbox.retry", "outbox:all-failed"),
    ]
    nothing = await admin.post(f"{PAGE}/outbox/retry-all", {})
    assert nothing.headers["Location"] == f"{PAGE}?retried=0"
    assert "Делать нечего" in await admin.page(f"{PAGE}?retried=0")


async def test_engineer_gets_403_and_changes_nothing(admin: Admin) -> None:
    dead = await _dead_letter(admin, 1, "help")
    failed = await _failed(admin, "e-smirnov", "job")
    await signed_in(admin, ENGINEER)
    response = await admin.client.get(PAGE, allow_redirects=False)
    assert response.status == 403 and "Нет доступа" in await response.text()  # the engineer reads Russian
    csrf = admin.session_csrf or await admin.csrf()
    for path in (f"{PAGE}/inbox/{dead}/replay", f"{PAGE}/inbox/replay-all", f"{PAGE}/outbox/{failed}/retry"):
        refused = await admin.post(path, {}, token=csrf)
        assert refused.status == 403, path
    assert await _inbox_status(admin, dead) == "dead" and await _outbox_status(admin, failed) == "failed"
    assert await _audits(admin) == []


async def test_replay_and_retry_need_the_csrf_token(admin: Admin) -> None:
    dead = await _dead_letter(admin, 1, "help")
    failed = await _failed(admin, "e-smirnov", "job")
    await signed_in(admin, ADMIN)
    for path in (f"{PAGE}/inbox/{dead}/replay", f"{PAGE}/outbox/retry-all"):
        for token in (None, "forged-token"):
            refused = await admin.post(path, {}, token=token)
            assert refused.status == 403 and "Form expired" in await refused.text()
    assert await _inbox_status(admin, dead) == "dead" and await _outbox_status(admin, failed) == "failed"
    assert (
        await admin.scalar(
            select(func.count())
            .select_from(admin_audit)
            .where(admin_audit.c.action.not_in(["login", "kb.import"]))  # the demo KB's import is audited
        )
        == 0
    )
