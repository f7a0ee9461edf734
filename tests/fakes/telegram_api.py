"""A fake Telegram Bot API: a small aiohttp server on 127.0.0.1 that records every call.

Point any Bot API client at `api.base_url` (aiogram: `TelegramAPIServer.from_base(api.base_url)`).
It answers in the documented shapes, checks what real Telegram checks where a bug would hide
(unescaped HTML, texts over 4096 characters, callback_data over 64 bytes), and fails on demand.

    async with FakeTelegramAPI() as api:
        channel = TelegramChannel(Bot.CLIENT, api.default_token, on_inbound, api_base=api.base_url)
        await channel.start_polling()
        api.push_text(chat_id=42, user_id=42, text="hello")
        reply = await api.wait_for_call("sendMessage", predicate=lambda c: c.params["chat_id"] == 42)

Several bots may share one fake: each token has its own update queue and webhook; pass `token=` to the
`push_*` helpers (default: `default_token`). When a bot has set a webhook (http is fine here), pushed
updates are POSTed to it with its secret token, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN-client"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_INT_FIELDS = {
    "chat_id",
    "message_id",
    "message_thread_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "cache_time",
    "from_chat_id",
    "max_connections",
}
_BOOL_FIELDS = {
    "drop_pending_updates",
    "disable_notification",
    "protect_content",
    "show_alert",
    "has_spoiler",
    "show_caption_above_media",
    "supports_streaming",
    "disable_content_type_detection",
    "allow_sending_without_reply",
}
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendChatAction"}
_MEDIA_FIELD = {"sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video", "sendAudio": "audio"}
_ERROR_TEXT = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answer: status code, description and optional `parameters`."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class RecordedCall:
    """One request the fake received (successful or not)."""

    token: str
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def ok(self) -> bool:
        """Whether the fake answered ok: true."""
        return self.status == 200

    @property
    def plain_text(self) -> str | None:
        """The text or caption as the person sees it (HTML parsed away), or None."""
        raw = self.params.get("text", self.params.get("caption"))
        if raw is None:
            return None
        if self.params.get("parse_mode") == "HTML":
            return html_to_text(str(raw))
        return str(raw)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of inline keyboard buttons sent with this call ([] when none)."""
        markup = self.params.get("reply_markup") or {}
        return list(markup.get("inline_keyboard", [])) if isinstance(markup, dict) else []


@dataclass
class _Failure:
    status: int
    parameters: dict[str, Any] | None
    description: str | None
    times: int


@dataclass
class _BotState:
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    webhook_url: str = ""
    webhook_secret: str | None = None
    commands: dict[str | None, list[dict[str, Any]]] = field(default_factory=dict)
    delivery: asyncio.Task[None] | None = None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(text: str) -> str:
    """Return what a person sees for a parse_mode=HTML text (tags removed, entities decoded)."""
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def _check_html(text: str) -> str:
    # The Bot API docs: every <, > and & that is not part of a tag or an entity must be escaped.
    for at, char in enumerate(text):
        if char == "<" and not _TAG.match(text, at):
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '<' at byte offset {at}")
        if char == "&" and not _ENTITY.match(text, at):
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '&' at byte offset {at}")
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    if parser.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.parts)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegramAPI:
    """An in-process Telegram Bot API for tests; see the module docstring.

    Args:
        default_token: the token `push_*` helpers use when given none.
        valid_tokens: when set, any other token gets 401 Unauthorized like a revoked token.
    """

    def __init__(self, *, default_token: str = DEFAULT_TOKEN, valid_tokens: set[str] | None = None) -> None:
        self.default_token = default_token
        self.valid_tokens = valid_tokens
        self.calls: list[RecordedCall] = []
        self.webhook_posts: list[tuple[str, int, int]] = []  # (url, update_id, HTTP status)
        self._bots: dict[str, _BotState] = defaultdict(_BotState)
        self._update_ids = itertools.count(1000)
        # A person's chat with each bot is its own chat: message ids and messages are kept per (token, chat).
        self._message_ids: dict[tuple[str, int | str], itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._file_ids = itertools.count(1)
        self._messages: dict[tuple[str, int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        # Forum topics: (token, chat, message_thread_id) -> {"name", "closed"}; see make_forum / topics.
        self.topics: dict[tuple[str, int | str, int], dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        # The bot a pushed file was sent to: like Telegram, another bot's file id is refused.
        self._file_owner: dict[str, str] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._blocked: set[int | str] = set()
        self._consumed: set[int] = set()  # indexes of calls already returned by wait_for_call
        self._call_arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._closing = False
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The base URL to give a Bot API client, e.g. http://127.0.0.1:PORT."""
        if not self.port:
            raise RuntimeError("FakeTelegramAPI is not started; use `async with FakeTelegramAPI() as api`")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeTelegramAPI:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._client = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """End long polls and webhook deliveries, close the server."""
        self._closing = True
        for state in self._bots.values():
            state.arrived.set()
            if state.delivery is not None:
                state.delivery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await state.delivery
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- driving it from a test ------------------------------------------------------------------

    def push_update(self, update: dict[str, Any], *, token: str | None = None) -> dict[str, Any]:
        """Queue an update for a bot (an update_id is assigned if missing); return it."""
        token = token or self.default_token
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        state = self._bots[token]
        state.updates.append(update)
        state.arrived.set()
        if state.webhook_url:
            self._ensure_webhook_delivery(token)
        return update

    def push_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        lang: str | None = "en",
        chat_type: str = "private",
        thread_id: int | None = None,
        edited: bool = False,
        token: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from a person (`edited=True`: an edited_message); return the update.

        `thread_id` writes in a forum topic; `reply_to_message_id` replies to a message of the chat (in a
        supergroup the reply then carries the root of its reply thread as message_thread_id, as Telegram's do).
        """
        message = self._user_message(
            token, chat_id, user_id, first_name, last_name, username, lang, chat_type, thread_id
        )
        if reply_to_message_id is not None:
            self._reply(token or self.default_token, chat_id, message, reply_to_message_id)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if edited:
            message["edit_date"] = message["date"] + 1
            return self.push_update({"edited_message": message}, token=token)
        return self.push_update({"message": message}, token=token)

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int | None = None,
        *,
        first_name: str = "Test",
        lang: str | None = "en",
        token: str | None = None,
    ) -> dict[str, Any]:
        """Queue a button press on a message the bot sent (the last one in the chat by default)."""
        token = token or self.default_token
        if message_id is None:
            ids = [mid for (tok, cid, mid) in self._messages if tok == token and cid == chat_id]
            message_id = max(ids) if ids else 1
        message = self._messages.get((token, chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id, "private", first_name),
            "from": self._bot_user(token),
            "text": "...",
        }
        query = {
            "id": str(next(self._file_ids) * 7919),
            "from": self._user(user_id, first_name, None, None, lang),
            "message": message,
            "chat_instance": f"ci-{chat_id}",
            "data": data,
        }
        return self.push_update({"callback_query": query}, token=token)

    def push_contact(
        self,
        chat_id: int,
        user_id: int,
        phone: str,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        own: bool = True,
        lang: str | None = "en",
        token: str | None = None,
    ) -> dict[str, Any]:
        """Queue a shared contact (`own=True`: the sender's own number, as the reply-keyboard button sends)."""
        message = self._user_message(
            token, chat_id, user_id, first_name, last_name, None, lang, "private", None
        )
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if own:
            contact["user_id"] = user_id
        message["contact"] = contact
        return self.push_update({"message": message}, token=token)

    def push_location(
        self,
        chat_id: int,
        user_id: int,
        lat: float,
        lon: float,
        *,
        first_name: str = "Test",
        lang: str | None = "en",
        token: str | None = None,
    ) -> dict[str, Any]:
        """Queue a shared location."""
        message = self._user_message(token, chat_id, user_id, first_name, None, None, lang, "private", None)
        message["location"] = {"latitude": lat, "longitude": lon}
        return self.push_update({"message": message}, token=token)

    def push_photo(
        self,
        chat_id: int,
        user_id: int,
        *,
        caption: str | None = None,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        first_name: str = "Test",
        lang: str | None = "en",
        chat_type: str = "private",
        token: str | None = None,
    ) -> dict[str, Any]:
        """Queue a photo (three sizes, like Telegram sends; getFile serves `content` for each)."""
        message = self._user_message(token, chat_id, user_id, first_name, None, None, lang, chat_type, None)
        message["photo"] = [
            self._photo_size(width, height, content) for width, height in ((90, 67), (320, 240), (1280, 960))
        ]
        for size in message["photo"]:
            self._file_owner[size["file_id"]] = token or self.default_token
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message}, token=token)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail with `status`.

        429 carries `retry_after` in `parameters`, like Telegram; `migrate_to_chat_id` answers as for a
        group that became a supergroup. Other statuses get Telegram's usual description unless given.
        """
        parameters: dict[str, Any] | None = None
        if status == 429:
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        if migrate_to_chat_id is not None:
            parameters = {"migrate_to_chat_id": migrate_to_chat_id}
            description = description or "Bad Request: group chat was upgraded to a supergroup chat"
        self._failures[method].append(
            _Failure(status, parameters, description or _ERROR_TEXT.get(status, "Error"), times)
        )

    def fail_until_cleared(self, method: str, status: int = 500) -> None:
        """Make every call of `method` fail with `status` until `clear_failures` (an outage)."""
        self._failures[method].clear()
        self._failures[method].append(_Failure(status, None, _ERROR_TEXT.get(status, "Error"), times=2**62))

    def clear_failures(self, method: str | None = None) -> None:
        """Forget the failures asked for (of `method`, or of every method): calls succeed again."""
        for name in [method] if method is not None else list(self._failures):
            self._failures[name].clear()

    def make_forum(self, chat_id: int, *, forum: bool = True, title: str = "Staff") -> None:
        """Declare a supergroup, with topics (`forum=True`) or without."""
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        self._chats[chat_id] = chat

    def topic_names(self, chat_id: int | str, *, token: str | None = None) -> dict[int, str]:
        """The forum topics created in a chat: message_thread_id -> name."""
        token = token or self.default_token
        return {
            tid: t["name"] for (tok, cid, tid), t in self.topics.items() if tok == token and cid == chat_id
        }

    def block(self, chat_id: int | str) -> None:
        """Act as if the person blocked the bot: sends to this chat get 403."""
        self._blocked.add(chat_id)

    async def wait_for_call(
        self,
        method: str,
        *,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed interface; tests read better with it
    ) -> RecordedCall:
        """Return the earliest successful call of `method` matching `predicate` not yet returned here.

        Each call is returned once, so a transcript can wait for reply after reply in order.

        Raises:
            TimeoutError: no such call within `timeout` seconds (the message lists what did arrive).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, call in enumerate(self.calls):
                if index in self._consumed or call.method != method or not call.ok:
                    continue
                if predicate is None or predicate(call):
                    self._consumed.add(index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [(c.method, c.status, c.params.get("chat_id")) for c in self.calls[-10:]]
                raise TimeoutError(f"no {method} call within {timeout}s; last calls: {seen}")
            self._call_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_arrived.wait(), remaining)

    async def wait_delivered(self, *, token: str | None = None, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a bot has taken every pushed update (confirmed by getUpdates or posted to its webhook).

        Raises:
            TimeoutError: updates are still pending after `timeout` seconds.
        """
        state = self._bots[token or self.default_token]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while state.updates or (state.delivery is not None and not state.delivery.done()):
            if loop.time() >= deadline:
                raise TimeoutError(f"{len(state.updates)} updates still pending after {timeout}s")
            await asyncio.sleep(0.01)

    def calls_to(self, method: str, *, token: str | None = None) -> list[RecordedCall]:
        """All successful calls of `method` (of one token when given)."""
        return [c for c in self.calls if c.method == method and c.ok and (token is None or c.token == token)]

    def sent_texts(self, chat_id: int | str, *, token: str | None = None) -> list[str]:
        """Texts and captions the bot(s) sent to a chat, as the person sees them, oldest first."""
        return [
            c.plain_text
            for c in self.calls
            if c.ok
            and c.method in _SEND_METHODS
            and c.params.get("chat_id") == chat_id
            and (token is None or c.token == token)
            and c.plain_text is not None
        ]

    def pending_updates(self, token: str | None = None) -> int:
        """How many updates the bot has not confirmed yet."""
        return len(self._bots[token or self.default_token].updates)

    def commands(self, token: str | None = None, lang: str | None = None) -> list[dict[str, Any]]:
        """The command menu a bot set with setMyCommands for `lang` (None: the default menu)."""
        return self._bots[token or self.default_token].commands.get(lang, [])

    def webhook_url(self, token: str | None = None) -> str:
        """The webhook URL a bot set ('' when none)."""
        return self._bots[token or self.default_token].webhook_url

    async def post_to_webhook(self, url: str, update: dict[str, Any], secret: str | None) -> int:
        """POST one update to a webhook over real HTTP, as Telegram does; return the HTTP status."""
        if self._client is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self._client.post(url, json=update, headers=headers) as response:
            await response.read()
            self.webhook_posts.append((url, int(update.get("update_id", 0)), response.status))
            return response.status

    # --- HTTP side -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params, files = await self._read_params(request)
        call = RecordedCall(token, method, params, files)
        self.calls.append(call)
        try:
            if self.valid_tokens is not None and token not in self.valid_tokens:
                raise ApiError(401, "Unauthorized")
            self._maybe_fail(method)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(token, params, files)
        except ApiError as e:
            call.status = e.status
            body: dict[str, Any] = {"ok": False, "error_code": e.status, "description": e.description}
            if e.parameters:
                body["parameters"] = e.parameters
            self._call_arrived.set()
            return web.json_response(body, status=e.status)
        call.result = result
        self._call_arrived.set()
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for file_path, content in self._files.values():
            if file_path == path:
                return web.Response(body=content)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    raw[key] = value
        return {key: _coerce(key, value) for key, value in raw.items()}, files

    def _maybe_fail(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        raise ApiError(failure.status, failure.description or "Error", failure.parameters)

    # --- methods (each returns the documented `result`) ------------------------------------------

    async def _m_getme(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, token: str, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        state = self._bots[token]
        if state.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if offset:
                # Telegram forgets every update below the offset: they are confirmed.
                while state.updates and state.updates[0]["update_id"] < offset:
                    state.updates.popleft()
            ready = [u for u in state.updates if u["update_id"] >= offset][:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing:
                return ready
            state.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.arrived.wait(), remaining)

    async def _m_setwebhook(self, token: str, params: dict[str, Any], files: Any) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        state = self._bots[token]
        if params.get("drop_pending_updates"):
            state.updates.clear()
        state.webhook_url, state.webhook_secret = url, secret
        if url and state.updates:
            self._ensure_webhook_delivery(token)
        return True

    async def _m_deletewebhook(self, token: str, params: dict[str, Any], files: Any) -> bool:
        state = self._bots[token]
        if params.get("drop_pending_updates"):
            state.updates.clear()
        state.webhook_url, state.webhook_secret = "", None
        return True

    async def _m_getwebhookinfo(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        state = self._bots[token]
        return {
            "url": state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(state.updates),
        }

    async def _m_setmycommands(self, token: str, params: dict[str, Any], files: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        for item in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._bots[token].commands[params.get("language_code") or None] = commands
        return True

    async def _m_sendmessage(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = self._target(params)
        text = self._visible(params, "text")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store_sent(token, chat_id, params, {"text": text})

    async def _m_sendphoto(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._send_media(token, params, files, "sendPhoto")

    async def _m_senddocument(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._send_media(token, params, files, "sendDocument")

    async def _m_sendvideo(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._send_media(token, params, files, "sendVideo")

    async def _m_sendaudio(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._send_media(token, params, files, "sendAudio")

    async def _m_sendchataction(self, token: str, params: dict[str, Any], files: Any) -> bool:
        self._target(params)
        return True

    async def _m_editmessagetext(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        message = self._editable(token, params)
        text = self._visible(params, "text")
        if text == message.get("text") and params.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        self._set_markup(message, params)
        return message

    async def _m_editmessagereplymarkup(
        self, token: str, params: dict[str, Any], files: Any
    ) -> dict[str, Any]:
        message = self._editable(token, params)
        message["edit_date"] = int(time.time())
        self._set_markup(message, params)
        return message

    async def _m_answercallbackquery(self, token: str, params: dict[str, Any], files: Any) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        return True

    async def _m_createforumtopic(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = self._target(params)
        chat = self._chats.get(chat_id)
        if chat is None or not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        # A topic's id is the id of the service message that created it.
        thread_id = next(self._message_ids[(token, chat_id)])
        self._messages[(token, chat_id, thread_id)] = {
            "message_id": thread_id,
            "from": self._bot_user(token),
            "chat": dict(chat),
            "date": int(time.time()),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self.topics[(token, chat_id, thread_id)] = {"name": name, "closed": False}
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    async def _m_closeforumtopic(self, token: str, params: dict[str, Any], files: Any) -> bool:
        return self._set_topic_closed(token, params, closed=True)

    async def _m_reopenforumtopic(self, token: str, params: dict[str, Any], files: Any) -> bool:
        return self._set_topic_closed(token, params, closed=False)

    def _set_topic_closed(self, token: str, params: dict[str, Any], *, closed: bool) -> bool:
        chat_id = self._target(params)
        topic = self.topics.get((token, chat_id, int(params.get("message_thread_id") or 0)))
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        if topic["closed"] is closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = closed
        return True

    async def _m_getfile(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._files or self._file_owner.get(file_id, token) != token:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    async def _m_getchat(self, token: str, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **self._chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # --- helpers ---------------------------------------------------------------------------------

    def _target(self, params: dict[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        self._check_markup(params.get("reply_markup"))
        return chat_id  # type: ignore[no-any-return]

    def _visible(self, params: dict[str, Any], key: str) -> str:
        raw = str(params.get(key) or "")
        return _check_html(raw) if params.get("parse_mode") == "HTML" else raw

    def _check_markup(self, markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                    )

    def _send_media(
        self, token: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]], method: str
    ) -> dict[str, Any]:
        chat_id = self._target(params)
        kind = _MEDIA_FIELD[method]
        ref = params.get(kind)
        if not ref and kind in files:  # the file itself as the field (python-telegram-bot uploads this way)
            ref = f"attach://{kind}"
        if not ref:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = self._visible(params, "caption")
        if _utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        ref = str(ref)
        if ref.startswith("attach://"):
            _name, content = files.get(ref.removeprefix("attach://"), (kind, b""))
            file_id = self._register_file(kind, content)
        else:
            self._check_owner(token, ref)
            file_id = ref  # an existing file_id or a URL: Telegram gives back a file id either way
            self._files.setdefault(file_id, (f"{kind}s/file_{next(self._file_ids)}", b""))
        body: dict[str, Any]
        if kind == "photo":
            body = {
                "photo": [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1280, "height": 960}]
            }
        elif kind == "video":
            body = {
                "video": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "width": 640,
                    "height": 480,
                    "duration": 1,
                }
            }
        elif kind == "audio":
            body = {"audio": {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 1}}
        else:
            body = {"document": {"file_id": file_id, "file_unique_id": f"u{file_id}"}}
        if caption:
            body["caption"] = caption
        return self._store_sent(token, chat_id, params, body)

    def _store_sent(
        self, token: str, chat_id: int | str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        message_id = next(self._message_ids[(token, chat_id)])
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(token),
            "chat": self._chats.get(chat_id)
            or self._chat(
                chat_id, "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup", "User"
            ),
            "date": int(time.time()),
            **body,
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id"):
            self._reply(
                token, chat_id, message, int(reply["message_id"]), reply.get("allow_sending_without_reply")
            )
        self._set_markup(message, params)
        self._messages[(token, chat_id, message_id)] = message
        return message

    def _reply(
        self,
        token: str,
        chat_id: int | str,
        message: dict[str, Any],
        target_id: int,
        allow_without: bool | None = True,
    ) -> None:
        target = self._messages.get((token, chat_id, target_id))
        if target is None:
            if not allow_without:
                raise ApiError(400, "Bad Request: message to be replied not found")
            return
        message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if message.get("chat", {}).get("type") == "supergroup" and not message.get("is_topic_message"):
            # Outside topics, a supergroup reply belongs to the thread of the message it answers.
            message["message_thread_id"] = target.get("message_thread_id") or target_id

    def _editable(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(params)
        message = self._messages.get((token, chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    @staticmethod
    def _set_markup(message: dict[str, Any], params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        # Only an inline keyboard belongs to the message; a reply keyboard belongs to the chat input.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif "reply_markup" not in params or (isinstance(markup, dict) and not markup):
            message.pop("reply_markup", None)

    def _check_owner(self, token: str, file_id: str) -> None:
        """Refuse a file id that another bot received (file ids are per bot)."""
        if self._file_owner.get(file_id, token) != token:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _register_file(self, kind: str, content: bytes) -> str:
        number = next(self._file_ids)
        file_id = f"AgAC{kind[:3]}{number:06d}"
        self._files[file_id] = (f"{kind}s/file_{number}.bin", content)
        return file_id

    def _photo_size(self, width: int, height: int, content: bytes) -> dict[str, Any]:
        file_id = self._register_file("photo", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": width,
            "height": height,
            "file_size": len(content),
        }

    def _bot_user(self, token: str) -> dict[str, Any]:
        head = token.split(":", 1)[0]
        bot_id = int(head) if head.isdigit() else 1
        return {"id": bot_id, "is_bot": True, "first_name": "Helpdesk", "username": f"helpdesk_{bot_id}_bot"}

    @staticmethod
    def _user(
        user_id: int, first_name: str, last_name: str | None, username: str | None, lang: str | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if lang:
            user["language_code"] = lang
        return user

    def _chat(self, chat_id: int | str, chat_type: str, first_name: str) -> dict[str, Any]:
        if chat_type == "private":
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"}
        self._chats.setdefault(chat_id, chat)
        return dict(self._chats[chat_id])

    def _user_message(
        self,
        token: str | None,
        chat_id: int,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        lang: str | None,
        chat_type: str,
        thread_id: int | None,
    ) -> dict[str, Any]:
        token = token or self.default_token
        chat = self._chat(chat_id, chat_type, first_name)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[(token, chat_id)]),
            "from": self._user(user_id, first_name, last_name, username, lang),
            "chat": chat,
            "date": int(time.time()),
        }
        if thread_id is not None:
            chat["is_forum"] = True
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return message

    # --- webhook delivery ------------------------------------------------------------------------

    def _ensure_webhook_delivery(self, token: str) -> None:
        state = self._bots[token]
        if self._closing or (state.delivery is not None and not state.delivery.done()):
            return
        state.delivery = asyncio.get_running_loop().create_task(self._deliver_webhook(token))

    async def _deliver_webhook(self, token: str) -> None:
        state = self._bots[token]
        failures = 0
        while state.updates and state.webhook_url and not self._closing:
            update = state.updates[0]
            try:
                status = await self.post_to_webhook(state.webhook_url, update, state.webhook_secret)
            except aiohttp.ClientError as e:
                log.warning("fake Telegram: webhook %s unreachable: %s", state.webhook_url, e)
                status = 0
            if 200 <= status < 300 or failures >= 2:
                # Telegram retries a failing webhook for a while, then gives the update up.
                if state.updates and state.updates[0] is update:
                    state.updates.popleft()
                failures = 0
            else:
                failures += 1
                await asyncio.sleep(0.1)


def _coerce(key: str, value: Any) -> Any:
    """Give form fields (always strings) the types Telegram reads them as."""
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if key in _BOOL_FIELDS and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    if key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value
