"""Bad input over real HTTP is a 4xx that names what is wrong, never a 500, on SQLite and PostgreSQL.

PostgreSQL refuses a NUL in text, so a NUL that reached it (a REST filter, a ticket description, an admin
login) was an answer 500 there while SQLite stored it; these tests run on both.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.tables import tickets
from tests.integration.test_api_http import Api, running_api


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


async def raw_call(
    api: Api, method: str, path: str, token: str, body: bytes, content_type: str
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    async with api.http.request(method, api.base + path, data=body, headers=headers) as resp:
        return resp.status, await resp.json()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/tickets?client_id=acme%00", "client_id"),
        ("/api/tickets?assignee_id=%00&site_id=x", "assignee_id"),
        ("/api/kb/articles?q=printer%00", "q"),
        ("/api/kb/articles?audience=client:%00", "audience"),
        ("/api/kb/search?q=vpn%00", "q"),
        ("/api/clients/acme%00", "client_id"),
        ("/api/kb/articles/x%00y", "article_id"),
        ("/api/tickets?%00=1", "\x00"),
    ],
)
async def test_a_nul_in_a_filter_or_id_is_a_400_naming_it(api: Api, path: str, field: str) -> None:
    token = await api.token("reader", "tickets:read", "kb:read", "directory:read")
    status, body, _ = await api.call("GET", path, token)
    assert status == 400, body
    assert body["error"]["code"] == "bad_request" and body["error"]["field"] == field
    assert "U+0000" in body["error"]["message"]


async def test_a_nul_in_a_ticket_description_is_refused_and_nothing_is_opened(api: Api) -> None:
    token = await api.token("writer", "tickets:write")
    before = await api.scalar(select(func.count()).select_from(tickets))
    status, body, _ = await api.call(
        "POST",
        "/api/tickets",
        token,
        {"client_id": "acme", "category": "it", "description": "The printer\u0000 is broken"},
    )
    assert status == 400, body
    assert body["error"]["field"] == "description" and "U+0000" in body["error"]["message"]
    assert await api.scalar(select(func.count()).select_from(tickets)) == before
    # Tabs and line breaks are text, not control characters to refuse.
    status, body, _ = await api.call(
        "POST",
        "/api/tickets",
        token,
        {"client_id": "acme", "category": "it", "description": "Line one\r\n\tline two"},
    )
    assert status == 201, body


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "fragment"),
    [
        (b"[" * 5000 + b"]" * 5000, "application/json", 400, "nested too deeply"),
        (b'{"text": ' + b"[" * 1200 + b"]" * 1200 + b"}", "application/json", 400, "nested too deeply"),
        (b'{"text": "hello"}', "application/json; charset=xx-unknown", 400, "charset"),
        (b'{"text": "hello"}', "application/json; charset=rot13", 400, "charset"),
        (b'{"text": "\xff\xfe"}', "application/json", 400, "UTF-8"),
        (b'{"text": NaN}', "application/json", 400, "NaN"),
        (b'{"visibility": ' + b"9" * 5000 + b"}", "application/json", 400, "64 bits"),
        (b"", "application/json", 400, "empty"),
        (b'"just a string"', "application/json", 400, "JSON object"),
        (b'{"text": "' + b"a" * (3 * 1024 * 1024) + b'"}', "application/json", 413, "too large"),
    ],
)
async def test_unacceptable_bodies_are_4xx_with_the_reason(
    api: Api, raw: bytes, content_type: str, status: int, fragment: str
) -> None:
    token = await api.token("commenter", "tickets:write")
    opened, ticket, _ = await api.call(
        "POST", "/api/tickets", token, {"client_id": "acme", "category": "it", "description": "Printer jam"}
    )
    assert opened == 201, ticket
    got, body = await raw_call(
        api, "POST", f"/api/tickets/{ticket['number']}/comments", token, raw, content_type
    )
    assert got == status, body
    if fragment:
        assert fragment in body["error"]["message"], body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_id": 42, "category": "it", "description": "x"}, "client_id"),
        ({"client_id": "acme", "category": ["it"], "description": "x"}, "category"),
        ({"client_id": "acme", "category": "it", "description": "x", "lat": "55"}, "lat"),
        ({"client_id": "acme", "category": "it", "description": "x", "priority": {"P1": 1}}, "priority"),
        ({"client_id": "acme", "category": "it", "description": "x", "zz_unknown": 1}, "zz_unknown"),
    ],
)
async def test_wrong_types_and_unknown_fields_name_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    token = await api.token("writer", "tickets:write")
    status, answer, _ = await api.call("POST", "/api/tickets", token, body)
    assert status == 422, answer
    assert answer["error"]["field"] == field


@pytest.mark.parametrize("number", ["%C2%B2", "%D9%A1%D9%A0%D9%A0%D9%A1", "HD-%00", "9" * 12])
async def test_odd_ticket_numbers_are_a_400(api: Api, number: str) -> None:
    token = await api.token("reader", "tickets:read")
    status, body, _ = await api.call("GET", f"/api/tickets/{number}", token)
    assert status == 400, body


async def login_form(api: Api) -> str:
    async with api.http.get(api.base + "/admin/login") as resp:
        match = re.search(r'name="csrf"\s+value="([^"]+)"', await resp.text())
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),  # None: any refusal below 500
    [
        (b"login=admin%00&password=x&csrf={csrf}", "application/x-www-form-urlencoded", 400),
        (b"login=admin&password=%07x&csrf={csrf}", "application/x-www-form-urlencoded", 400),
        (b"login=admin&password=x&csrf={csrf}", "application/x-www-form-urlencoded; charset=xx-unknown", 400),
        (b"login=admin&password=x&csrf={csrf}", "application/x-www-form-urlencoded; charset=rot13", 400),
        (b"login=adm\xffin&password=x&csrf={csrf}", "application/x-www-form-urlencoded", 400),
        # Escapes that are not UTF-8 become U+FFFD (aiohttp decodes them so): a refused login, not a crash.
        (b"login=adm%FFin&password=x&csrf={csrf}", "application/x-www-form-urlencoded", None),
        (
            b'--b\r\nContent-Disposition: form-data; name="login"\r\n\r\nadmin',
            "multipart/form-data; boundary=b",
            400,
        ),
        (b"login=admin", "multipart/form-data", 400),
        (b"login=admin", "multipart/form-data; boundary=", 400),
    ],
)
async def test_the_admin_login_refuses_unreadable_forms_with_a_400(
    api: Api, body: bytes, content_type: str, status: int | None
) -> None:
    csrf = await login_form(api)
    data = body.replace(b"{csrf}", csrf.encode())
    async with api.http.post(
        api.base + "/admin/login", data=data, headers={"Content-Type": content_type}, allow_redirects=False
    ) as resp:
        assert resp.status == status if status is not None else 400 <= resp.status < 500, await resp.text()


async def test_concurrent_edits_of_one_article_are_a_409_never_a_500(api: Api) -> None:
    # Both requests read version N and write N+1; the database keeps one (a unique index on the versions).
    token = await api.token("kb-editor", "kb:write")
    status, created, _ = await api.call(
        "POST", "/api/kb/articles", token, {"id": "race", "title": "Race", "body": "Two editors at once."}
    )
    assert status == 201, created
    statuses: list[int] = []
    for round_ in range(5):
        results = await asyncio.gather(
            *(
                api.call("PATCH", "/api/kb/articles/race", token, {"title": f"Race {round_}.{i}"})
                for i in range(6)
            )
        )
        statuses += [status for status, _, _ in results]
    assert set(statuses) <= {200, 409}, statuses
    status, article, _ = await api.call("GET", "/api/kb/articles/race", token)
    assert status == 200 and article["version"] == 1 + statuses.count(200)
