"""The web chat channel: two chat pages and the JSON API behind them, on the app's aiohttp server.

A page posts what a person types to `/webchat/api/{bot}/send`; the channel turns it into an `Inbound` and
awaits the app's `on_inbound`. Replies come back through `send(out)`, which appends them to the chat's
history and wakes the page's long poll on `/webchat/api/{bot}/messages`.

Which chat a request speaks for depends on the mode. In widget mode (the default) it is never taken from the
request: a visitor's chat comes from a signed session cookie, a staff member's from the app's login, and
anonymous visitors are rate-limited. Demo mode keeps the identity picker, where the page names the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bots.ratelimit import Rate, RateLimiter
from bots.webchat.access import (
    VISITOR_COOKIE,
    VISITOR_MAX_AGE_S,
    Signer,
    StaffIdentity,
    StaffLogin,
    VisitorLimits,
    client_address,
    new_visitor,
    visitor_chat_id,
)
from bots.webchat.history import MemoryWebChatHistory, WebChatHistory
from bots.webchat.http_body import (
    Refused,
    error,
    float_param,
    html,
    int_param,
    read_json,
    read_upload,
)
from bots.webchat.pages import API_PATH, STATIC, STATIC_PATH, ChatPages
from bots.webchat.render import FILES_PATH, bot_message, user_message
from bots.webchat.requests import BadRequest, SendRequest, parse_bot, parse_id, parse_send
from bots.webchat.signals import ChatSignals, KeyedLocks
from bots.webchat.uploads import UploadRejected, UploadStore, file_id, name_from_file_id
from dialogue.messages import Bot, Channel, DeliveryError, Inbound, Media, Outbound

log = logging.getLogger(__name__)

OnInbound = Callable[[Inbound], Awaitable[object]]
Identities = Callable[[Bot], Awaitable[list[dict[str, Any]]]]

POLL_LIMIT = 100
SEEN_KEYS = 10_000
TOO_FAST = "you are sending messages too fast: wait {s} s and send again"
TOO_MANY_POLLS = "too many requests from this chat: wait {s} s"


@dataclass(frozen=True, slots=True)
class Speaker:
    """The chat a widget request speaks for; `visitor` is set for an anonymous visitor (who is limited)."""

    chat_id: str
    visitor: str | None = None


class WebChatChannel:
    """Moves messages between the browser chat pages and the app; it decides nothing itself.

    Args:
        on_inbound: the app's handler; awaited once per message a page sends.
        history: where messages are kept; in this process's memory by default.
        identities: who a person may chat as, per bot (`[{"id", "label"}]`), for the demo pages' picker.
        demo: serve the identity picker and take the chat id from the request (anyone who reaches the port
            can chat as anyone: only for a demo on 127.0.0.1 and for tests). Off: widget mode.
        secret_key: signs visitor sessions (the app's SECRET_KEY); a random key of this process when None,
            so sessions end at a restart and are not shared with other processes.
        staff_login: who is signed in behind a staff chat request (widget mode); without it nobody is.
        login_url: where the staff page sends someone who is not signed in.
        secure_cookie: set the Secure flag on the visitor cookie (the app is served over https).
        limits: what an anonymous visitor may do per minute (widget mode).
        limiter: the rate limiter the limits are kept in (injectable for tests).
        clock: wall-clock seconds, for session stamps (injectable for tests).
        upload_dir: folder for attached photos.
        max_upload_bytes: the largest photo accepted.
        poll_timeout_s: how long a long poll waits for something new before it answers empty.
        recheck_s: when set, a waiting poll also re-reads the history this often. Needed when another
            process appends to a shared (database) history, e.g. a separate `helpdesk worker`, whose
            `send` cannot wake the polls of this process.
    """

    def __init__(
        self,
        on_inbound: OnInbound,
        history: WebChatHistory | None = None,
        identities: Identities | None = None,
        *,
        demo: bool = False,
        secret_key: str | bytes | None = None,
        staff_login: StaffLogin | None = None,
        login_url: str = "/admin/login",
        secure_cookie: bool = False,
        limits: VisitorLimits | None = None,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
        upload_dir: Path | str = Path("var") / "webchat-uploads",
        max_upload_bytes: int = 10 * 1024 * 1024,
        poll_timeout_s: float = 25.0,
        recheck_s: float | None = None,
    ) -> None:
        self.on_inbound = on_inbound
        self.history: WebChatHistory = history if history is not None else MemoryWebChatHistory()
        self.identities = identities
        self.demo = demo
        self.staff_login = staff_login
        self.login_url = login_url
        self.secure_cookie = secure_cookie
        self.limits = limits if limits is not None else VisitorLimits()
        self.limiter = limiter if limiter is not None else RateLimiter()
        self._clock = clock
        self._visitors = Signer(secret_key if secret_key is not None else secrets.token_bytes(32), "visitor")
        self.uploads = UploadStore(Path(upload_dir), max_upload_bytes)
        self.poll_timeout_s = poll_timeout_s
        self.recheck_s = recheck_s
        self.signals = ChatSignals()
        self.pages = ChatPages(poll_timeout_s, max_upload_bytes)
        # Keys whose echo is already in the history: a page resending after a lost answer must not
        # show the message twice. The engine still sees the resend and drops it by dedup_key.
        self._echoed: OrderedDict[str, None] = OrderedDict()
        self._chat_locks = KeyedLocks()
        self._closing = False

    # -- wiring --------------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Add the pages, static files, uploaded files and the JSON API to `app`."""
        app.router.add_get("/", self._client_page)
        app.router.add_get("/staff", self._staff_page)
        app.router.add_static(STATIC_PATH, STATIC)
        app.router.add_get(FILES_PATH + "{name}", self._file)
        app.router.add_post(API_PATH + "{bot}/send", self._send)
        app.router.add_post(API_PATH + "{bot}/upload", self._upload)
        app.router.add_get(API_PATH + "{bot}/messages", self._messages)
        if self.demo:
            # The picker's list of people exists only in the demo: in widget mode nobody picks who they are.
            app.router.add_get(API_PATH + "{bot}/identities", self._identities)
        app.on_shutdown.append(self._on_shutdown)

    # -- sending side (the delivery loop calls this) ---------------------------------------------------

    async def send(self, out: Outbound) -> None:
        """Append `out` to its chat's history and wake that chat's long polls.

        Raises:
            DeliveryError: (permanent) the message is not for the web chat or has a malformed chat id.
        """
        if out.channel is not Channel.WEB:
            raise DeliveryError(f"not a web chat message: channel {out.channel}", permanent=True)
        try:
            parse_id(out.chat_id, "chat_id")
        except BadRequest as e:
            raise DeliveryError(str(e), permanent=True) from None
        await self.history.append(out.bot, out.chat_id, bot_message(out))
        self.signals.notify((out.bot, out.chat_id))

    async def fetch_file(self, media_file_id: str) -> bytes:
        """The bytes of a photo a visitor uploaded, to carry it to another channel's chat.

        Raises:
            DeliveryError: (permanent) not one of our uploads, or no longer stored.
        """
        name = name_from_file_id(media_file_id)
        path = self.uploads.path_of(name) if name else None
        if path is None:
            raise DeliveryError(f"no web chat upload {media_file_id!r}", permanent=True)
        return await asyncio.to_thread(path.read_bytes)

    async def store_file(self, data: bytes) -> str:
        """Store a photo from another channel (a Telegram client's, for a staff member here); return its file id.

        Raises:
            DeliveryError: (permanent) not a photo the web chat shows, or too large.
        """
        try:
            return file_id(await self.uploads.save(data))
        except UploadRejected as e:
            raise DeliveryError(f"cannot show this file in the web chat: {e}", permanent=True) from None

    # -- pages -----------------------------------------------------------------------------------------

    async def _client_page(self, request: web.Request) -> web.Response:
        if self.demo:
            return html(self.pages.demo(Bot.CLIENT))
        visitor = self._visitor(request)
        if visitor is None:
            # A new session is the only thing a script can mint without limit, and each may become a
            # client row once it writes: give out only so many per address.
            wait = await self._spend(
                ("session", client_address(request)), self.limits.new_sessions_per_address
            )
            if wait:
                resp = html(self.pages.render(Bot.CLIENT, blocked_s=wait), status=429)
                resp.headers["Retry-After"] = str(wait)
                return resp
            visitor = new_visitor()
        resp = html(self.pages.render(Bot.CLIENT, chat_id=visitor_chat_id(visitor)))
        # Signed again on every visit, so a visitor keeps their chat for 30 days after their last visit.
        resp.set_cookie(
            VISITOR_COOKIE,
            self._visitors.sign(visitor, self._clock()),
            max_age=VISITOR_MAX_AGE_S,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookie,
        )
        return resp

    async def _staff_page(self, request: web.Request) -> web.StreamResponse:
        if self.demo:
            return html(self.pages.demo(Bot.STAFF))
        try:
            who = await self._staff(request)
        except Refused as e:
            return web.Response(status=e.status, text=str(e), content_type="text/plain")
        if who is None:
            raise web.HTTPSeeOther(self.login_url)
        return html(
            self.pages.render(Bot.STAFF, chat_id=who.chat_id, who=who.label, login_url=self.login_url)
        )

    # -- who a request speaks for ----------------------------------------------------------------------

    def _visitor(self, request: web.Request) -> str | None:
        """The visitor id of the request's session cookie, when it is ours and not too old."""
        return self._visitors.unsign(request.cookies.get(VISITOR_COOKIE), self._clock(), VISITOR_MAX_AGE_S)

    async def _staff(self, request: web.Request) -> StaffIdentity | None:
        if self.staff_login is None:
            return None
        try:
            return await self.staff_login(request)
        except Exception:
            log.exception("checking the staff login of a web chat request failed")
            raise Refused(
                503, "your login cannot be checked right now; reload the page in a moment"
            ) from None

    async def _speaker(self, request: web.Request, bot: Bot) -> Speaker | None:
        """Who a widget request speaks for; None in demo mode, where the request names its chat.

        Raises:
            Refused: (401) no session or login.
        """
        if self.demo:
            return None
        if bot is Bot.CLIENT:
            visitor = self._visitor(request)
            if visitor is None:
                raise Refused(
                    401,
                    "this chat has no session (it ended, or the browser blocks cookies): reload the page, "
                    "with cookies allowed for this site",
                )
            return Speaker(visitor_chat_id(visitor), visitor)
        who = await self._staff(request)
        if who is None:
            raise Refused(
                401, f"you are not signed in: sign in at {self.login_url} and open the staff chat again"
            )
        return Speaker(who.chat_id)

    @staticmethod
    def _chat_id(speaker: Speaker | None, given: Any) -> str:
        """The chat a request acts on: the one it names (demo) or the speaker's own (widget).

        Raises:
            BadRequest: (demo) a missing or malformed chat id.
            Refused: (403) the request names another chat than its own.
        """
        if speaker is None:
            return parse_id(given, "chat_id")
        if given not in (None, "") and given != speaker.chat_id:
            raise Refused(
                403, "this is not your chat: a page may only read and write its own chat; reload the page"
            )
        return speaker.chat_id

    async def _limit(self, speaker: Speaker | None, what: str, rate: Rate, too_many: str) -> None:
        """Take one `what` of an anonymous visitor's allowance, or refuse with a 429 saying how long to wait."""
        if speaker is None or speaker.visitor is None:
            return  # the demo and signed-in staff are not limited here
        wait = await self._spend((what, speaker.visitor), rate)
        if wait:
            raise Refused(429, too_many.format(s=wait), retry_after_s=wait)

    async def _spend(self, key: Hashable, rate: Rate) -> int:
        """Take a slot of `key` under `rate` now and return 0, or return the whole seconds to wait."""
        wait = self.limiter.delay((key, rate))
        if wait > 0:
            return max(1, math.ceil(wait))
        # The slot is free: acquire takes it at once, with no await in between that could let another in.
        await self.limiter.acquire((key, rate))
        return 0

    async def _file(self, request: web.Request) -> web.StreamResponse:
        path = self.uploads.path_of(request.match_info["name"])
        if path is None:
            return error(404, "no such file")
        name = path.name
        return web.FileResponse(
            path,
            headers={
                "Content-Type": self.uploads.content_type(name),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=86400",
            },
        )

    # -- API -------------------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        try:
            bot = parse_bot(request.match_info["bot"])
            speaker = await self._speaker(request, bot)
            body = await read_json(request)
            if speaker is not None and isinstance(body, dict):
                body = {**body, "chat_id": self._chat_id(speaker, body.get("chat_id"))}
            message = parse_send(bot, body)
            await self._limit(speaker, "message", self.limits.messages_per_session, TOO_FAST)
        except BadRequest as e:
            return error(400, str(e))
        except Refused as e:
            return e.response()
        return await self._accept(message)

    async def _upload(self, request: web.Request) -> web.Response:
        try:
            bot = parse_bot(request.match_info["bot"])
            speaker = await self._speaker(request, bot)
            fields, photo = await read_upload(request, self.uploads.max_bytes)
            if speaker is not None:
                fields["chat_id"] = self._chat_id(speaker, fields.get("chat_id"))
            # Check the fields before storing anything, so a bad request leaves no file behind.
            parse_send(bot, fields, media=(Media("photo", "web:pending"),))
            if photo is None:
                raise BadRequest("no photo: send it as the multipart field 'photo'")
            await self._limit(speaker, "message", self.limits.messages_per_session, TOO_FAST)
            name = await self.uploads.save(photo)
        except (BadRequest, UploadRejected) as e:
            return error(400, str(e))
        except Refused as e:
            return e.response()
        caption = fields.get("text")
        media = (Media("photo", file_id(name), caption or None, self.uploads.content_type(name)),)
        return await self._accept(parse_send(bot, fields, media=media))

    async def _accept(self, message: SendRequest) -> web.Response:
        try:
            # One chat's messages reach the engine one at a time, in the order they arrived.
            async with self._chat_locks.hold((message.bot, message.chat_id)):
                if message.dedup_key not in self._echoed:
                    await self._echo(message)
                await self.on_inbound(message.to_inbound())
        except Exception:
            log.exception("web chat message %s could not be handled", message.dedup_key)
            return error(503, "the message could not be handled right now; send it again in a moment")
        return web.json_response({"ok": True})

    async def _echo(self, message: SendRequest) -> None:
        text = message.text if message.payload is None else (message.label or message.text)
        entry = user_message(message.client_msg_id, text, media=message.media, location=message.location)
        await self.history.append(message.bot, message.chat_id, entry)
        self._echoed[message.dedup_key] = None
        while len(self._echoed) > SEEN_KEYS:
            self._echoed.popitem(last=False)
        self.signals.notify((message.bot, message.chat_id))

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            bot = parse_bot(request.match_info["bot"])
            speaker = await self._speaker(request, bot)
            chat_id = self._chat_id(speaker, request.query.get("chat_id"))
            after = int_param(request, "after", 0, 0, 2**62)
            wait = float_param(request, "wait", self.poll_timeout_s, 0.0, self.poll_timeout_s)
            await self._limit(speaker, "poll", self.limits.polls_per_session, TOO_MANY_POLLS)
        except BadRequest as e:
            return error(400, str(e))
        except Refused as e:
            return e.response()
        key = (bot, chat_id)
        # Subscribe before reading, so a message appended in between still wakes this poll.
        event = self.signals.subscribe(key)
        try:
            messages = await self.history.list_after(bot, chat_id, after, POLL_LIMIT)
            deadline = asyncio.get_running_loop().time() + wait
            while not messages and not self._closing:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                step = remaining if self.recheck_s is None else min(remaining, self.recheck_s)
                # A timeout also re-reads: another process may have appended meanwhile.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=step)
                messages = await self.history.list_after(bot, chat_id, after, POLL_LIMIT)
                if event.is_set():
                    break  # woken (a message, or shutdown): answer with what there is
        finally:
            self.signals.unsubscribe(key)
        epoch = getattr(self.history, "epoch", "persistent")
        return web.json_response({"messages": messages, "epoch": epoch})

    async def _identities(self, request: web.Request) -> web.Response:
        try:
            bot = parse_bot(request.match_info["bot"])
        except BadRequest as e:
            return error(400, str(e))
        if self.identities is None:
            return web.json_response({"identities": []})
        try:
            found = await self.identities(bot)
        except Exception:
            log.exception("listing web chat identities of %s failed", bot)
            return error(503, "the list of people is not available right now; reload the page in a moment")
        result = []
        for item in found:
            ident = str(item.get("id", ""))
            try:
                parse_id(ident, "id")
            except BadRequest:
                log.warning("skipping a web chat identity with an unusable id: %r", ident[:80])
                continue
            role = {"role": str(item["role"])} if item.get("role") else {}  # the page says it in its language
            result.append({"id": ident, "label": str(item.get("label") or ident), **role})
        return web.json_response({"identities": result})

    async def _on_shutdown(self, app: web.Application) -> None:
        # Answer every waiting poll now rather than holding the server's shutdown for up to 25 s.
        self._closing = True
        self.signals.notify_all()
