"""The REST API over real HTTP against the aiohttp app, on SQLite and PostgreSQL.

Each test gets a migrated database with the demo company, a running runtime (delivery loop included) and
tokens created the way `helpdesk api-token create` does.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select, text

from helpdesk.api import WebhookSender
from helpdesk.api.context import API_CONTEXT
from helpdesk.api.ratelimit import ApiRateLimit
from helpdesk.api.tokens import hash_token, new_token
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from kb_search.model import Reader
from kb_search.service import KnowledgeBase
from storage.api_tables import api_audit
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.db import make_engine
from storage.tables import TICKET_COUNTER, TICKET_COUNTER_SEED, counters, outbox, tickets


async def _empty_postgres(url: str) -> None:
    """Empty every table of the shared test database (other suites expect it empty) and re-seed the counter."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            names = [
                r[0]
                for r in await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ]
            await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
            await conn.execute(counters.insert().values(name=TICKET_COUNTER, value=TICKET_COUNTER_SEED))
    finally:
        await engine.dispose()


@dataclass
class Api:
    """A running app and an HTTP client to call it."""

    rt: Runtime
    base: str
    http: aiohttp.ClientSession
    app: web.Application

    async def token(self, name: str, *scopes: str, revoked: bool = False) -> str:
        """Create a token the way the CLI does and return it."""
        token = new_token()
        now = datetime.now(UTC)
        async with self.rt.sessions() as session:
            repo = SqlApiTokenRepository(session)
            await repo.add(ApiTokenRecord(uuid.uuid4().hex, name, hash_token(token), scopes, now, "test"))
            if revoked:
                await repo.revoke(name, now)
            await session.commit()
        return token

    async def call(
        self, method: str, path: str, token: str | None = None, json: Any = None, **kwargs: Any
    ) -> tuple[int, Any, Any]:
        """Return (status, JSON body or text, headers)."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.base + path, json=json, headers=headers, **kwargs) as r:
            body: Any = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, body, r.headers

    async def scalar(self, query: Any) -> Any:
        """One value read from the database."""
        async with self.rt.sessions() as session:
            return (await session.execute(query)).scalar()


@asynccontextmanager
async def running_api(db_url: str, port: int) -> AsyncIterator[Api]:
    """The app on `db_url` with the demo company, served on 127.0.0.1:`port`, worker running."""
    postgres = db_url.startswith("postgresql")
    if postgres:
        await _empty_postgres(db_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=db_url,
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        offer_timeout_s=600,
    )
    await seed_demo(settings)
    rt = await build_runtime(settings, load_nlu=False)
    rt.delivery.webhooks = WebhookSender(rt.sessions, timeout_s=5, private_targets=True)  # 127.0.0.1
    app = build_web_app(rt)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await rt.start(polling=False)
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(rt, f"http://127.0.0.1:{port}", http, app)
    finally:
        await rt.close()
        await runner.cleanup()
        if postgres:
            await _empty_postgres(db_url)


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    """A running app on SQLite and on PostgreSQL."""
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


# ---- knowledge base ------------------------------------------------------------------------------


async def test_kb_crud_publish_and_search_within_a_second(api: Api) -> None:
    token = await api.token("kb-admin", "kb:write")
    # Another process's KB: it only sees the change through its one-second refresh from storage.
    other = KnowledgeBase.from_settings(api.rt.settings)
    await other.load(api.rt.uows, refresh_every=1.0)
    try:
        question = "frobnicator overheating warranty"
        status, created, _ = await api.call(
            "POST",
            "/api/kb/articles",
            token,
            {
                "id": "frobnicator-heat",
                "title": "Frobnicator overheating",
                "body": "If the frobnicator is overheating, switch it off; warranty covers the fan.",
                "lang": "en",
                "tags": ["frobnicator", "warranty"],
            },
        )
        assert status == 201, created
        assert created["status"] == "draft" and created["version"] == 1
        assert created["updated_by"] == "api:kb-admin"
        assert not (await api.rt.kb.search(question, Reader.public())).hits  # a draft is not searchable

        status, published, _ = await api.call("POST", "/api/kb/articles/frobnicator-heat/publish", token)
        assert status == 200 and published["status"] == "published"
        status, again, _ = await api.call("POST", "/api/kb/articles/frobnicator-heat/publish", token)
        assert status == 200 and again == published  # published already: nothing written
        hits = (await api.rt.kb.search(question, Reader.public())).hits
        assert hits and hits[0].article_id == "frobnicator-heat"  # at once in this process
        started = asyncio.get_running_loop().time()
        while not (await other.search(question, Reader.public())).hits:
            # A poll a second, then BM25 at once: about a second. 1.5 s was seen exceeded once (1.79 s) in a full
            # clean-clone run on SQLite, which passes alone; the slack covers that, a miss is still a failure.
            assert asyncio.get_running_loop().time() - started < 2.5, "another process did not see it in ~1 s"
            await asyncio.sleep(0.05)
        status, found, _ = await api.call("GET", "/api/kb/search?q=frobnicator+overheating", token)
        assert status == 200 and found["hits"][0]["id"] == "frobnicator-heat"

        status, patched, _ = await api.call(
            "PATCH",
            "/api/kb/articles/frobnicator-heat",
            token,
            {"title": "Frobnicator runs hot", "version": 2},
        )
        assert status == 200 and patched["title"] == "Frobnicator runs hot" and patched["version"] == 3
        status, stale, _ = await api.call(
            "PATCH", "/api/kb/articles/frobnicator-heat", token, {"title": "Lost update", "version": 2}
        )
        assert status == 409 and stale["error"]["code"] == "conflict"

        status, listed, _ = await api.call("GET", "/api/kb/articles?status=published&q=frobnicator", token)
        assert status == 200 and [a["id"] for a in listed["items"]] == ["frobnicator-heat"]

        status, _, _ = await api.call("POST", "/api/kb/articles/frobnicator-heat/unpublish", token)
        assert status == 200
        assert not (await api.rt.kb.search(question, Reader.public())).hits

        status, _, _ = await api.call("DELETE", "/api/kb/articles/frobnicator-heat", token)
        assert status == 204
        status, gone, _ = await api.call("GET", "/api/kb/articles/frobnicator-heat", token)
        assert status == 404 and "GET /api/kb/articles" in gone["error"]["message"]

        status, history, _ = await api.call("GET", "/api/kb/articles/frobnicator-heat/versions", token)
        assert status == 200
        assert [(v["version"], v["action"], v["author"]) for v in history["items"]] == [
            (1, "create", "api:kb-admin"),
            (2, "publish", "api:kb-admin"),
            (3, "edit", "api:kb-admin"),
            (4, "unpublish", "api:kb-admin"),
            (5, "delete", "api:kb-admin"),
        ]
        actions = await api.scalar(
            select(func.count()).select_from(api_audit).where(api_audit.c.target == "frobnicator-heat")
        )
        assert actions == 5
        # The KB use cases' own audit: one admin_audit row per change, the token as the author.
        async with api.rt.uows() as uow:
            kb_audit = await uow.admin.recent_audit(target="frobnicator-heat")
        assert [(e.action, e.staff_id) for e in reversed(kb_audit)] == [
            ("kb.create", "api:kb-admin"),
            ("kb.publish", "api:kb-admin"),
            ("kb.edit", "api:kb-admin"),
            ("kb.unpublish", "api:kb-admin"),
            ("kb.delete", "api:kb-admin"),
        ]
    finally:
        await other.close()


async def test_kb_bad_input_names_the_field_and_changes_nothing(api: Api) -> None:
    token = await api.token("kb-admin", "kb:write")
    status, before, _ = await api.call("GET", "/api/kb/articles?limit=1", token)
    assert status == 200 and before["items"]
    article = before["items"][0]
    path = f"/api/kb/articles/{article['id']}"
    for body, field in [
        ({"lang": "russian"}, "lang"),
        ({"audience": "everyone"}, "audience"),
        ({"title": ""}, "title"),
        ({"tags": [1, 2]}, "tags"),
        ({"titel": "typo"}, "titel"),
        ({"version": "x", "title": "ok"}, "version"),
    ]:
        status, error, _ = await api.call("PATCH", path, token, body)
        assert status == 422, (body, error)
        assert error["error"]["field"] == field
    status, error, _ = await api.call(
        "PATCH", path, token, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400 and error["error"]["code"] == "bad_request"
    status, error, _ = await api.call("POST", "/api/kb/articles", token, {"title": "No body"})
    assert status == 422 and error["error"]["field"] == "body"
    status, error, _ = await api.call("GET", "/api/kb/articles?status=archived", token)
    assert status == 400 and error["error"]["field"] == "status"
    status, error, _ = await api.call("GET", "/api/kb/articles?limit=0", token)
    assert status == 400 and error["error"]["field"] == "limit"
    status, after, _ = await api.call("GET", path, token)
    assert after["version"] == article["version"] and after["title"] == article["title"]
    assert await api.scalar(select(func.count()).select_from(api_audit)) == 0


# ---- authentication, scopes, rate limits -------------------------------------------------------------


async def test_every_auth_failure_mode(api: Api) -> None:
    reader = await api.token("reader", "kb:read")
    revoked = await api.token("old-crm", "kb:read", "kb:write", revoked=True)
    path = "/api/kb/articles"

    status, body, _ = await api.call("GET", path)
    assert status == 401 and body["error"]["code"] == "missing_token"
    assert "Authorization: Bearer" in body["error"]["message"]
    status, body, _ = await api.call("GET", path, headers={"Authorization": f"Basic {reader}"})
    assert status == 401 and body["error"]["code"] == "malformed_token"
    status, body, _ = await api.call("GET", path, new_token())
    assert status == 401 and body["error"]["code"] == "unknown_token"
    status, body, _ = await api.call("GET", path, "not-even-a-token")
    assert status == 401 and body["error"]["code"] == "unknown_token"
    status, body, _ = await api.call("GET", path, revoked)
    assert status == 401 and body["error"]["code"] == "revoked_token"
    assert "old-crm" in body["error"]["message"]

    status, _, _ = await api.call("GET", path, reader)
    assert status == 200
    status, body, _ = await api.call("POST", path, reader, {"title": "t", "body": "b"})
    assert status == 403 and body["error"]["code"] == "missing_scope"
    assert "kb:write" in body["error"]["message"]
    status, body, _ = await api.call("GET", "/api/tickets", reader)
    assert status == 403 and "tickets:read" in body["error"]["message"]
    assert await api.scalar(select(func.count()).select_from(api_audit)) == 0

    status, body, _ = await api.call("GET", "/api/no-such-thing", reader)
    assert status == 404 and body["error"]["code"] == "no_such_endpoint"
    status, body, headers = await api.call("PUT", path, reader)
    assert status == 405 and body["error"]["code"] == "method_not_allowed" and "GET" in headers["Allow"]


async def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    # The limiter's clock moves only by hand: a slow machine cannot refill a token between the calls.
    now = [1000.0]
    api.app[API_CONTEXT].limiter = ApiRateLimit(rate=1.0, burst=3, clock=lambda: now[0])
    token = await api.token("busy", "directory:read")
    other = await api.token("calm", "directory:read")
    statuses = [(await api.call("GET", "/api/engineers", token))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    status, body, headers = await api.call("GET", "/api/engineers", token)
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert int(headers["Retry-After"]) >= 1
    assert (await api.call("GET", "/api/engineers", other))[0] == 200  # per token
    now[0] += 1.1
    assert (await api.call("GET", "/api/engineers", token))[0] == 200


# ---- tickets and the directory ---------------------------------------------------------------------


async def test_ticket_opened_through_the_api_reaches_the_staff(api: Api) -> None:
    token = await api.token("crm", "tickets:write", "directory:read")
    status, ticket, _ = await api.call(
        "POST",
        "/api/tickets",
        token,
        {
            "client_id": "acme",
            "site_id": "acme-office",
            "contact_id": "acme-anna",
            "category": "printers",
            "priority": "P2",
            "description": "Printer on the 3rd floor jams on every page",
        },
    )
    assert status == 201, ticket
    assert ticket["status"] == "new" and ticket["source_channel"] == "api"
    number = ticket["number"]
    offers = await api.scalar(
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.bot == "staff", outbox.c.payload["text"].as_string().contains(f"HD-{number}"))
    )
    assert offers >= 1, "no offer card was queued for an engineer"

    status, page, _ = await api.call("GET", "/api/tickets?status=offered&client_id=acme", token)
    assert status == 200 and [t["number"] for t in page["items"]] == [number]
    status, detail, _ = await api.call("GET", f"/api/tickets/HD-{number}", token)
    assert status == 200 and detail["status"] == "offered"
    names = [e["name"] for e in detail["events"]]
    assert names[:2] == ["ticket_opened", "ticket_offered"]
    assert detail["events"][0]["actor"]["id"] == "api:crm"

    status, comment, _ = await api.call(
        "POST",
        f"/api/tickets/{number}/comments",
        token,
        {"text": "Spare drum is at reception", "visibility": "internal"},
    )
    assert status == 201 and comment["visibility"] == "internal"
    status, cancelled, _ = await api.call(
        "POST", f"/api/tickets/{number}/cancel", token, {"reason": "Fixed by the client"}
    )
    assert status == 200 and cancelled["status"] == "cancelled"
    status, again, _ = await api.call("POST", f"/api/tickets/{number}/cancel", token)
    assert status == 409 and again["error"]["code"] == "invalid_transition"
    status, detail, _ = await api.call("GET", f"/api/tickets/{number}", token)
    assert [c["text"] for c in detail["comments"]] == ["Spare drum is at reception"]
    assert detail["events"][-1]["name"] == "ticket_cancelled"


async def test_bad_ticket_input_names_the_field_and_opens_nothing(api: Api) -> None:
    token = await api.token("crm", "tickets:write")
    good: dict[str, Any] = {"client_id": "acme", "category": "it", "description": "No network"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"priority": "urgent"}, "priority"),
        ({"client_id": "nobody"}, "client_id"),
        ({"site_id": "rom-nevsky"}, "site_id"),
        ({"contact_id": "romashka-ivan"}, "contact_id"),
        ({"description": "   "}, "description"),
        ({"lat": 55.7}, "lon"),
        ({"lat": 123.0, "lon": 1.0}, "lat"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        status, error, _ = await api.call("POST", "/api/tickets", token, {**good, **change})
        assert status == 422, (change, error)
        assert error["error"]["field"] == field
    status, error, _ = await api.call("GET", "/api/tickets/abc", token)
    assert status == 400 and error["error"]["field"] == "number"
    status, error, _ = await api.call("GET", "/api/tickets/999999", token)
    assert status == 404
    assert await api.scalar(select(func.count()).select_from(tickets)) == 0


async def test_directory_lists_engineers_and_clients_with_sites_and_contract(api: Api) -> None:
    token = await api.token("planner", "directory:read")
    status, engineers, _ = await api.call("GET", "/api/engineers", token)
    assert status == 200
    smirnov = next(e for e in engineers["items"] if e["id"] == "e-smirnov")
    assert "printers" in smirnov["skills"] and smirnov["active_jobs"] == 0
    assert all(e["role"] == "engineer" for e in engineers["items"])
    status, page, _ = await api.call("GET", "/api/clients?limit=1", token)
    assert status == 200 and page["total"] == 3 and len(page["items"]) == 1 and page["next_offset"] == 1
    status, acme, _ = await api.call("GET", "/api/clients/acme", token)
    assert status == 200
    assert {s["id"] for s in acme["sites"]} == {"acme-wh1", "acme-office"}
    assert acme["contract"]["id"] == "k-acme"
    status, _, _ = await api.call("GET", "/api/clients/nobody", token)
    assert status == 404


async def test_openapi_and_docs_are_public(api: Api) -> None:
    status, document, _ = await api.call("GET", "/api/openapi.json")
    assert status == 200 and document["openapi"] == "3.1.0"
    assert "/api/tickets/{number}/cancel" in document["paths"]
    status, page, _ = await api.call("GET", "/api/docs")
    assert status == 200 and "/api/kb/articles/{article_id}/publish" in page
