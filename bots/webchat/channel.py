"""The web chat channel: two chat pages and the JSON API behind them, on the app's aiohttp server.

A page posts what a person types to `/webchat/api/{bot}/send`; the channel turns it into an `Inbound` and
awaits the app's `on_inbound`. Replies come back through `send(out)`, which appends them to the chat's
history and wakes the page's long poll on `/webchat/api/{bot}/messages`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from bots.webchat.history import MemoryWebChatHistory, WebChatHistory
from bots.webchat.pages import API_PATH, STATIC, STATIC_PATH, render_pages
from bots.webchat.render import FILES_PATH, bot_message, user_message
from bots.webchat.requests import BadRequest, SendRequest, parse_bot, parse_id, parse_send
from bots.webchat.signals import ChatSignals, KeyedLocks
from bots.webchat.uploads import UploadRejected, UploadStore, file_id
from dialogue.messages import Bot, Channel, DeliveryError, Inbound, Media, Outbound

log = logging.getLogger(__name__)

OnInbound = Callable[[Inbound], Awaitable[object]]
Identities = Callable[[Bot], Awaitable[list[dict[str, Any]]]]

MAX_JSON_BYTES = 64 * 1024
MAX_FORM_FIELD_BYTES = 8 * 1024
POLL_LIMIT = 100
SEEN_KEYS = 10_000


class WebChatChannel:
    """Moves messages between the browser chat pages and the app; it decides nothing itself.

    Args:
        on_inbound: the app's handler; awaited once per message a page sends.
        history: where messages are kept; in this process's memory by default.
        identities: who a person may chat as, per bot (`[{"id", "label"}]`), for the pages' picker.
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
        upload_dir: Path | str = Path("var") / "webchat-uploads",
        max_upload_bytes: int = 10 * 1024 * 1024,
        poll_timeout_s: float = 25.0,
        recheck_s: float | None = None,
    ) -> None:
        self.on_inbound = on_inbound
        self.history: WebChatHistory = history if history is not None else MemoryWebChatHistory()
        self.identities = identities
        self.uploads = UploadStore(Path(upload_dir), max_upload_bytes)
        self.poll_timeout_s = poll_timeout_s
        self.recheck_s = recheck_s
        self.signals = ChatSignals()
        self._pages = render_pages(poll_timeout_s, max_upload_bytes)
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

    # -- pages -----------------------------------------------------------------------------------------

    async def _client_page(self, request: web.Request) -> web.Response:
        return web.Response(text=self._pages[Bot.CLIENT], content_type="text/html")

    async def _staff_page(self, request: web.Request) -> web.Response:
        return web.Response(text=self._pages[Bot.STAFF], content_type="text/html")

    async def _file(self, request: web.Request) -> web.StreamResponse:
        path = self.uploads.path_of(request.match_info["name"])
        if path is None:
            return _error(404, "no such file")
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
            body = await _read_json(request)
            message = parse_send(bot, body)
        except BadRequest as e:
            return _error(400, str(e))
        return await self._accept(message)

    async def _upload(self, request: web.Request) -> web.Response:
        try:
            bot = parse_bot(request.match_info["bot"])
            fields, photo = await self._read_upload(request)
            # Check the fields before storing anything, so a bad request leaves no file behind.
            parse_send(bot, fields, media=(Media("photo", "web:pending"),))
            if photo is None:
                raise BadRequest("no photo: send it as the multipart field 'photo'")
            name = await self.uploads.save(photo)
        except (BadRequest, UploadRejected) as e:
            return _error(400, str(e))
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
            return _error(503, "the message could not be handled right now; send it again in a moment")
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
            chat_id = parse_id(request.query.get("chat_id"), "chat_id")
            after = _int_param(request, "after", 0, 0, 2**62)
            wait = _float_param(request, "wait", self.poll_timeout_s, 0.0, self.poll_timeout_s)
        except BadRequest as e:
            return _error(400, str(e))
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
            return _error(400, str(e))
        if self.identities is None:
            return web.json_response({"identities": []})
        try:
            found = await self.identities(bot)
        except Exception:
            log.exception("listing web chat identities of %s failed", bot)
            return _error(503, "the list of people is not available right now; reload the page in a moment")
        result = []
        for item in found:
            ident = str(item.get("id", ""))
            try:
                parse_id(ident, "id")
            except BadRequest:
                log.warning("skipping a web chat identity with an unusable id: %r", ident[:80])
                continue
            result.append({"id": ident, "label": str(item.get("label") or ident)})
        return web.json_response({"identities": result})

    async def _read_upload(self, request: web.Request) -> tuple[dict[str, Any], bytes | None]:
        if not request.content_type.startswith("multipart/"):
            raise BadRequest("send the photo as multipart/form-data with a 'photo' field")
        try:
            reader = await request.multipart()
        except (ValueError, AssertionError) as e:
            raise BadRequest(f"the multipart body cannot be read: {e}") from None
        fields: dict[str, Any] = {}
        photo: bytes | None = None
        too_large = False
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "photo":
                photo = await _read_capped(part, self.uploads.max_bytes)
                too_large = photo is None
            elif part.name in ("chat_id", "client_msg_id", "text", "name", "lang"):
                raw = await _read_capped(part, MAX_FORM_FIELD_BYTES)
                if raw is None:
                    raise BadRequest(f"'{part.name}' is too long")
                fields[part.name] = raw.decode("utf-8", errors="replace")
        if too_large:
            raise UploadRejected(
                f"the photo is too large: at most {self.uploads.max_bytes // (1024 * 1024)} MB"
            )
        return fields, photo

    async def _on_shutdown(self, app: web.Application) -> None:
        # Answer every waiting poll now rather than holding the server's shutdown for up to 25 s.
        self._closing = True
        self.signals.notify_all()


async def _read_json(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise BadRequest(f"the body is too large: at most {MAX_JSON_BYTES // 1024} KB")
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise BadRequest(f"the body is too large: at most {MAX_JSON_BYTES // 1024} KB")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("the body is not valid JSON: send a UTF-8 JSON object") from None


async def _read_capped(part: BodyPartReader, limit: int) -> bytes | None:
    """Read a multipart part; None when it is longer than `limit` (the rest is drained unread)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            # Drain without keeping it, so the connection stays usable for the error answer.
            while await part.read_chunk(64 * 1024):
                pass
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value


def _float_param(request: web.Request, name: str, default: float, low: float, high: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number of seconds") from None
    if not math.isfinite(value):
        raise BadRequest(f"'{name}' must be a number of seconds")
    if not low <= value <= high:
        # A longer wait than the server's is clamped rather than refused: pages may be older than us.
        return min(max(value, low), high)
    return value


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)
