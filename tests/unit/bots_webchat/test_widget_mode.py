"""Widget mode (no WEBCHAT_DEMO): a signed session per visitor, the staff chat behind a login, rate limits.

Nobody chats as someone else: the chat a request acts on comes from the visitor's session cookie or the
staff login, never from the request; a request naming another chat is refused with 403.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.cookies import Morsel
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.ratelimit import Rate, RateLimiter
from bots.webchat import MemoryWebChatHistory, WebChatChannel
from bots.webchat.access import VISITOR_COOKIE, Signer, StaffIdentity, VisitorLimits
from dialogue.messages import Bot, Channel, Inbound, Outbound
from tests.unit.bots_webchat.test_upload_and_pages import tiny_png

SECRET = "unit-test-secret-key"
STAFF_HEADER = "X-Test-Staff"  # stands in for the app's admin session in these tests
LOGIN_URL = "/admin/staff-chat"
_message_ids = itertools.count(1)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Widget:
    """The channel in widget mode on a test server, and what reached the app."""

    server: TestServer
    channel: WebChatChannel
    history: MemoryWebChatHistory
    clock: FakeClock
    upload_dir: Path
    received: list[Inbound] = field(default_factory=list)
    clients: list[TestClient] = field(default_factory=list)

    async def browser(self) -> TestClient:
        """A new browser: its own cookie jar, same server."""
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client

    async def visitor(self) -> TestClient:
        """A browser that opened the client page and got its session."""
        client = await self.browser()
        page = await client.get("/")
        assert page.status == 200, await page.text()
        return client


async def _staff_login(request: web.Request) -> StaffIdentity | None:
    staff_id = request.headers.get(STAFF_HEADER)
    return StaffIdentity(staff_id, f"{staff_id} (engineer)") if staff_id else None


@pytest.fixture
async def widget(tmp_path: Path) -> AsyncIterator[Widget]:
    """A widget-mode channel whose limits run on a clock the test moves."""
    holder: list[Widget] = []

    async def on_inbound(inbound: Inbound) -> None:
        holder[0].received.append(inbound)

    clock = FakeClock()
    history = MemoryWebChatHistory(per_chat=50)
    channel = WebChatChannel(
        on_inbound,
        history=history,
        identities=None,
        secret_key=SECRET,
        staff_login=_staff_login,
        login_url=LOGIN_URL,
        limits=VisitorLimits(
            new_sessions_per_address=Rate(3, 60.0, burst=3),
            messages_per_session=Rate(4, 60.0, burst=4),
            polls_per_session=Rate(5, 60.0, burst=5),
        ),
        limiter=RateLimiter(clock=clock),
        upload_dir=tmp_path / "uploads",
        max_upload_bytes=4096,
        poll_timeout_s=1.0,
    )
    app = web.Application()
    channel.add_routes(app)
    server = TestServer(app)
    await server.start_server()
    w = Widget(server, channel, history, clock, tmp_path / "uploads")
    holder.append(w)
    try:
        yield w
    finally:
        for client in w.clients:
            await client.close()
        await server.close()


def _cookie(client: TestClient) -> Morsel[str]:
    (morsel,) = [m for m in client.session.cookie_jar if m.key == VISITOR_COOKIE]
    return morsel


async def _send(client: TestClient, bot: str = "client", **fields: object) -> aiohttp.ClientResponse:
    body = {"client_msg_id": f"m{next(_message_ids)}", "text": "hello", **fields}
    return await client.post(f"/webchat/api/{bot}/send", json=body)


async def _poll(client: TestClient, bot: str = "client", **params: str) -> aiohttp.ClientResponse:
    return await client.get(f"/webchat/api/{bot}/messages", params={"wait": "0", **params})


# -- the demo's identity routes -----------------------------------------------------------------------


@pytest.mark.parametrize("bot", ["client", "staff"])
async def test_the_identity_routes_do_not_exist_without_demo(widget: Widget, bot: str) -> None:
    client = await widget.browser()
    resp = await client.get(f"/webchat/api/{bot}/identities", headers={STAFF_HEADER: "eng-1"})
    assert resp.status == 404


async def test_the_pages_have_no_picker_without_demo(widget: Widget) -> None:
    client = await widget.visitor()
    html = await (await client.get("/")).text()
    assert 'data-mode="widget"' in html and 'id="identity"' not in html


# -- visitors ----------------------------------------------------------------------------------------


async def test_a_visitor_gets_a_signed_http_only_session_and_chats_as_it(widget: Widget) -> None:
    client = await widget.browser()
    page = await client.get("/")
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    header = page.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    visitor = Signer(SECRET, "visitor").unsign(_cookie(client).value, time.time(), 60)
    assert visitor is not None
    chat_id = f"v-{visitor}"
    assert f'data-chat-id="{chat_id}"' in await page.text()

    resp = await _send(client, text="The printer jams")
    assert resp.status == 200, await resp.text()
    (inbound,) = widget.received
    assert (inbound.channel, inbound.bot, inbound.chat_id, inbound.sender_id) == (
        Channel.WEB,
        Bot.CLIENT,
        chat_id,
        chat_id,
    )
    await widget.channel.send(Outbound(Channel.WEB, Bot.CLIENT, chat_id, "Which printer?"))
    body = await (await _poll(client)).json()
    assert [m["text"] for m in body["messages"]] == ["The printer jams", "Which printer?"]
    # Naming its own chat is fine (an older page, a script).
    assert (await _poll(client, chat_id=chat_id)).status == 200


async def test_a_visitor_cannot_read_or_write_another_chat(widget: Widget) -> None:
    alice, mallory = await widget.visitor(), await widget.visitor()
    assert (await _send(alice, text="my address is 5 Oak St")).status == 200
    alice_chat = widget.received[0].chat_id

    for resp in (
        await _poll(mallory, chat_id=alice_chat),
        await _send(mallory, chat_id=alice_chat, text="/cancel HD-1001"),
        await mallory.post("/webchat/api/client/upload", data=_photo_form(chat_id=alice_chat)),
        await _poll(mallory, chat_id="acme-anna"),  # a demo contact
    ):
        assert resp.status == 403, await resp.text()
        assert "not your chat" in (await resp.json())["error"]
    assert len(widget.received) == 1
    assert not widget.upload_dir.exists() or list(widget.upload_dir.iterdir()) == []
    # Mallory's own history is empty: nothing of Alice's leaks into it.
    assert (await (await _poll(mallory)).json())["messages"] == []


@pytest.mark.parametrize(
    "cookie",
    [None, "", "v-1", "0123456789abcdef01234567.1000.forged", "garbage", "a" * 400],
)
async def test_without_a_valid_session_nothing_is_read_or_written(widget: Widget, cookie: str | None) -> None:
    client = await widget.browser()
    if cookie is not None:
        client.session.cookie_jar.update_cookies({VISITOR_COOKIE: cookie})
    for resp in (await _send(client), await _poll(client), await _poll(client, chat_id="v-1")):
        assert resp.status == 401
        assert "reload the page" in (await resp.json())["error"]
    assert widget.received == []


async def test_a_session_signed_with_another_key_or_for_another_purpose_is_refused(widget: Widget) -> None:
    for signer in (Signer("another-secret", "visitor"), Signer(SECRET, "staff-session")):
        client = await widget.browser()
        token = signer.sign("0123456789abcdef01234567", time.time())
        client.session.cookie_jar.update_cookies({VISITOR_COOKIE: token})
        assert (await _send(client)).status == 401


async def test_a_visitor_uploads_into_their_own_chat(widget: Widget) -> None:
    client = await widget.visitor()
    resp = await client.post("/webchat/api/client/upload", data=_photo_form())
    assert resp.status == 200, await resp.text()
    (inbound,) = widget.received
    assert inbound.chat_id.startswith("v-") and inbound.media[0].file_id.startswith("web:")


async def test_an_upload_without_a_session_is_refused_and_stores_nothing(widget: Widget) -> None:
    client = await widget.browser()
    resp = await client.post("/webchat/api/client/upload", data=_photo_form(chat_id="v-1"))
    assert resp.status == 401
    assert not widget.upload_dir.exists() or list(widget.upload_dir.iterdir()) == []


# -- rate limits -------------------------------------------------------------------------------------


async def test_new_sessions_per_address_are_limited_with_a_clear_429_page(widget: Widget) -> None:
    for _ in range(3):
        await widget.visitor()
    client = await widget.browser()
    page = await client.get("/")
    assert page.status == 429
    assert page.headers["Retry-After"] == "20"  # 3 a minute: the next one in 20 s
    html = await page.text()
    assert 'data-blocked="20"' in html and "Helpdesk - client chat" in html
    assert not [m for m in client.session.cookie_jar if m.key == VISITOR_COOKIE]
    # A visitor who already has a session is not counted again: a reload never locks them out.
    first = widget.clients[0]
    assert (await first.get("/")).status == 200
    widget.clock.now += 20
    assert (await client.get("/")).status == 200


async def test_messages_per_session_are_limited_with_a_clear_429(widget: Widget) -> None:
    client, other = await widget.visitor(), await widget.visitor()
    for n in range(4):
        assert (await _send(client, client_msg_id=f"ok{n}")).status == 200
    resp = await _send(client, client_msg_id="too-many")
    assert resp.status == 429
    assert resp.headers["Retry-After"] == "15"
    assert "too fast: wait 15 s" in (await resp.json())["error"]
    upload = await client.post("/webchat/api/client/upload", data=_photo_form())
    assert upload.status == 429  # photos count as messages
    assert len(widget.received) == 4
    # The limit is the session's: another visitor still writes.
    assert (await _send(other, client_msg_id="other")).status == 200
    widget.clock.now += 15
    assert (await _send(client, client_msg_id="later")).status == 200


async def test_history_polls_per_session_are_limited(widget: Widget) -> None:
    client = await widget.visitor()
    for _ in range(5):
        assert (await _poll(client)).status == 200
    resp = await _poll(client)
    assert resp.status == 429 and resp.headers["Retry-After"] == "12"


async def test_bad_input_is_a_400_and_does_not_use_up_the_allowance(widget: Widget) -> None:
    client = await widget.visitor()
    for _ in range(6):
        assert (await _send(client, text="   ")).status == 400
    assert (await _send(client, client_msg_id="fine")).status == 200


# -- staff -------------------------------------------------------------------------------------------


async def test_the_staff_page_sends_someone_not_signed_in_to_the_login(widget: Widget) -> None:
    client = await widget.browser()
    resp = await client.get("/staff", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == LOGIN_URL


@pytest.mark.parametrize("what", ["send", "poll", "upload"])
async def test_the_staff_api_needs_a_login(widget: Widget, what: str) -> None:
    client = await widget.browser()
    if what == "send":
        resp = await _send(client, "staff", chat_id="a-admin", text="/kb")
    elif what == "poll":
        resp = await _poll(client, "staff", chat_id="a-admin")
    else:
        resp = await client.post("/webchat/api/staff/upload", data=_photo_form(chat_id="a-admin"))
    assert resp.status == 401
    assert f"sign in at {LOGIN_URL}" in (await resp.json())["error"]
    assert widget.received == []


async def test_a_visitor_session_is_no_staff_login(widget: Widget) -> None:
    client = await widget.visitor()
    assert (await _send(client, "staff", text="/jobs")).status == 401


async def test_the_staff_chat_acts_only_as_the_signed_in_member(widget: Widget) -> None:
    client = await widget.browser()
    me = {STAFF_HEADER: "eng-1"}
    page = await client.get("/staff", headers=me)
    assert page.status == 200
    html = await page.text()
    assert "eng-1 (engineer)" in html and 'data-chat-id="eng-1"' in html and 'id="identity"' not in html

    resp = await client.post(
        "/webchat/api/staff/send", json={"client_msg_id": "s1", "text": "/jobs"}, headers=me
    )
    assert resp.status == 200
    (inbound,) = widget.received
    assert (inbound.bot, inbound.chat_id, inbound.sender_id) == (Bot.STAFF, "eng-1", "eng-1")

    impersonate = await client.post(
        "/webchat/api/staff/send",
        json={"chat_id": "a-admin", "client_msg_id": "s2", "text": "/kb"},
        headers=me,
    )
    assert impersonate.status == 403
    poll = await client.get(
        "/webchat/api/staff/messages", params={"chat_id": "a-admin", "wait": "0"}, headers=me
    )
    assert poll.status == 403
    assert len(widget.received) == 1
    own = await (await client.get("/webchat/api/staff/messages", params={"wait": "0"}, headers=me)).json()
    assert [m["text"] for m in own["messages"]] == ["/jobs"]


async def test_signed_in_staff_are_not_rate_limited_like_visitors(widget: Widget) -> None:
    client = await widget.browser()
    for n in range(8):
        resp = await client.post(
            "/webchat/api/staff/send",
            json={"client_msg_id": f"s{n}", "text": "note"},
            headers={STAFF_HEADER: "eng-1"},
        )
        assert resp.status == 200


async def test_a_failing_login_check_is_a_503_not_a_pass(widget: Widget) -> None:
    async def broken(request: web.Request) -> StaffIdentity | None:
        raise RuntimeError("database down")

    widget.channel.staff_login = broken
    client = await widget.browser()
    assert (await _send(client, "staff", text="/jobs")).status == 503
    assert (await client.get("/staff", allow_redirects=False)).status == 503
    assert widget.received == []


def _photo_form(**fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for key, value in {"client_msg_id": "u1", **fields}.items():
        data.add_field(key, value)
    data.add_field("photo", tiny_png(), filename="p.png", content_type="image/png")
    return data


def test_signer_round_trip_and_age() -> None:
    signer = Signer(SECRET, "visitor")
    token = signer.sign("abc", 1000.0)
    assert signer.unsign(token, 1000.0 + 59, 60) == "abc"
    assert signer.unsign(token, 1000.0 + 61, 60) is None  # too old
    assert signer.unsign(token, 1000.0 - 3600, 60) is None  # from the future
    assert signer.unsign(token.replace("abc", "abd"), 1000.0, 60) is None
    with pytest.raises(ValueError, match="signed value"):
        signer.sign("a.b", 1000.0)
