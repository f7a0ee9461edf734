"""A fake WhatsApp Cloud API (Graph API): a small aiohttp server on 127.0.0.1 that records every call.

Point the adapter at `api.base_url`. It answers in Graph's documented shapes, checks what Meta checks
where a bug would hide (button and list limits, the 24-hour window, template parameters, media ids, the
bearer token) and fails on demand. It also builds webhook payloads in Meta's shapes and POSTs them,
signed with the app secret like Meta, so tests drive the adapter over real HTTP:

    async with FakeGraphAPI() as api:
        channel = WhatsAppChannel(on_inbound, phone_number_id=api.phone_number_id,
                                  access_token=api.access_token, app_secret=APP_SECRET,
                                  verify_token="v", api_base=api.base_url)
        channel.add_routes(app)                 # served on some URL
        await api.post_webhook(url, api.text_message("79990001122", "hello"), APP_SECRET)
        call = await api.wait_for_call(lambda c: c.to == "79990001122")
        assert api.sent_texts("79990001122") == [...]

Building an incoming message (`text_message`, `button_reply`...) counts as the person writing: it opens
their 24-hour window on the fake, so a free-form reply is accepted; without one the fake answers 131047.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_DISPLAY_NUMBER = "15550783881"
DEFAULT_WABA_ID = "102290129340398"
DEFAULT_TOKEN = "EAAJB-test-access-token"
DEFAULT_APP_SECRET = "test-app-secret-0123456789abcdef"
DEFAULT_VERSION = "v21.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
WINDOW_S = 24 * 3600
# Approved templates: (name, language) -> how many body parameters they take.
DEFAULT_TEMPLATES = {("helpdesk_update", "ru"): 1, ("helpdesk_update", "en"): 1}
UPLOAD_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/3gpp",
    "audio/ogg",
    "audio/mpeg",
    "audio/aac",
    "audio/mp4",
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MEDIA_TYPES = ("image", "video", "document", "audio", "sticker")
# Graph's messages for the codes tests ask for; anything else gets a generic one.
ERROR_MESSAGES = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "(#4) Application request limit reached",
    100: "(#100) Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    80007: "(#80007) Rate limit hit",
    130429: "(#130429) Rate limit hit",
    131000: "(#131000) Something went wrong",
    131008: "(#131008) Required parameter is missing",
    131009: "(#131009) Parameter value is not valid",
    131026: "(#131026) Message undeliverable",
    131047: "(#131047) Re-engagement message",
    131051: "(#131051) Unsupported message type",
    131053: "(#131053) Media upload error",
    131056: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    132000: "(#132000) Number of parameters does not match the expected number of params",
    132001: "(#132001) Template name does not exist in the translation",
    132018: "(#132018) There was an issue with the parameters in your template.",
}
_DEFAULT_CODE = {429: 130429, 500: 2, 503: 2, 400: 100, 401: 190, 403: 10, 404: 100}
_TYPES = {400: "OAuthException", 401: "OAuthException", 403: "OAuthException"}


class GraphApiError(Exception):
    """An error answer in Graph's shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str | None = None,
        *,
        subcode: int | None = None,
        details: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message or ERROR_MESSAGES.get(code, "Error"))
        self.status = status
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "Error")
        self.subcode = subcode
        self.details = details
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Seen:
    """One message as the person sees it on their phone.

    Attributes:
        type: text, interactive, template, image, document...
        text: the text, interactive body, template parameter(s) or media caption.
        choices: button or list row titles (interactive), else ().
        media_id: the media id or link of a media message.
    """

    type: str
    text: str | None
    choices: tuple[str, ...] = ()
    media_id: str | None = None


@dataclass
class GraphCall:
    """One request the fake received (answered with success or not)."""

    method: str
    path: str
    kind: str  # message | read | media_info | media_download | upload
    body: dict[str, Any]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # field -> (filename, type, bytes)
    status: int = 200
    answer: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        """Whether the fake answered 200."""
        return self.status == 200

    @property
    def to(self) -> str | None:
        """The recipient wa_id of a message call."""
        to = self.body.get("to")
        return str(to) if to is not None else None

    @property
    def type(self) -> str | None:
        """The message type (text, interactive, template...) of a message call."""
        kind = self.body.get("type")
        return str(kind) if kind is not None else None

    @property
    def interactive_type(self) -> str | None:
        """button, list or location_request_message for an interactive message, else None."""
        interactive = self.body.get("interactive")
        return str(interactive.get("type")) if isinstance(interactive, dict) else None

    @property
    def seen(self) -> Seen | None:
        """What the person sees for a message call (None for other calls)."""
        if self.kind != "message":
            return None
        return _seen(self.body)


@dataclass
class _Failure:
    status: int
    code: int
    times: int
    kind: str
    retry_after: int | None
    message: str | None


class FakeGraphAPI:
    """An in-process Cloud API for one business phone number; see the module docstring.

    Args:
        phone_number_id: the only phone number id messages may be sent from.
        access_token: the bearer token every call must carry (else 401, code 190).
        version: the Graph version in paths (any v<major>.<minor> is accepted; this one is advertised).
        templates: approved (name, language) -> number of body parameters.
        enforce_window: answer 131047 to free-form messages to someone who has not written in 24 h.
    """

    def __init__(
        self,
        *,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        access_token: str = DEFAULT_TOKEN,
        version: str = DEFAULT_VERSION,
        templates: dict[tuple[str, str], int] | None = None,
        enforce_window: bool = True,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.version = version
        self.templates = dict(DEFAULT_TEMPLATES if templates is None else templates)
        self.enforce_window = enforce_window
        self.calls: list[GraphCall] = []
        self.webhook_posts: list[tuple[str, int]] = []  # (url, HTTP status)
        self.received: set[str] = set()  # ids of messages people sent (what may be marked read)
        self.read: list[str] = []  # message ids marked read, in order
        self._media: dict[str, tuple[bytes, str]] = {}
        self._last_inbound: dict[str, float] = {}
        self._blocked: set[str] = set()
        self._failures: deque[_Failure] = deque()
        self._ids = itertools.count(1)
        self._media_ids = itertools.count(1_000_000_000_001)
        self._consumed: set[int] = set()
        self._call_arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The api_base to give the adapter, e.g. http://127.0.0.1:PORT (no version)."""
        if not self.port:
            raise RuntimeError("FakeGraphAPI is not started; use `async with FakeGraphAPI() as api`")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeGraphAPI:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=120 * 1024 * 1024)
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_post("/{version}/{phone}/media", self._upload)
        app.router.add_get("/whatsapp-media/{media_id}", self._download)
        app.router.add_get("/{version}/{media_id}", self._media_info)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._client = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """Close the server and the webhook client."""
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeGraphAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- driving it from a test ------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 429,
        code: int | None = None,
        times: int = 1,
        *,
        kind: str = "message",
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next `times` calls of `kind` fail with `status` and Graph error `code`.

        `kind` is message (sends, not read receipts), read, media_info, media_download, upload or any.
        Without a code: 429 -> 130429, 500 -> 2, 400 -> 100. `retry_after` adds a Retry-After header.
        """
        code = code if code is not None else _DEFAULT_CODE.get(status, 1)
        self._failures.append(_Failure(status, code, times, kind, retry_after, message))

    def block(self, wa_id: str) -> None:
        """Act as if the person blocked the business: messages to them get 131026."""
        self._blocked.add(wa_id)

    def open_window(self, wa_id: str, at: float | None = None) -> None:
        """Note that `wa_id` wrote at `at` (time.time(); default now), opening their window on the fake."""
        self._last_inbound[wa_id] = time.time() if at is None else at

    def close_window(self, wa_id: str) -> None:
        """Forget that `wa_id` ever wrote: free-form messages to them get 131047."""
        self._last_inbound.pop(wa_id, None)

    def add_media(self, content: bytes, mime_type: str) -> str:
        """Store a file as if a person had sent it; return its media id."""
        media_id = str(next(self._media_ids))
        self._media[media_id] = (content, mime_type)
        return media_id

    def media(self, media_id: str) -> tuple[bytes, str]:
        """Return (content, mime type) of stored media (uploaded or added)."""
        return self._media[media_id]

    async def wait_for_call(
        self,
        predicate: Callable[[GraphCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed interface; tests read better with it
        *,
        ok: bool = True,
    ) -> GraphCall:
        """Return the earliest call matching `predicate` (successful ones only unless ok=False) not yet returned.

        Each call is returned once, so a transcript can wait for reply after reply in order.

        Raises:
            TimeoutError: no such call within `timeout` seconds (the message lists what did arrive).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, call in enumerate(self.calls):
                if index in self._consumed or (ok and not call.ok):
                    continue
                if predicate is None or predicate(call):
                    self._consumed.add(index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [(c.kind, c.status, c.to, c.type) for c in self.calls[-10:]]
                raise TimeoutError(f"no matching Graph call within {timeout}s; last calls: {seen}")
            self._call_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_arrived.wait(), remaining)

    def messages_to(self, wa_id: str) -> list[GraphCall]:
        """Successful message calls to `wa_id`, oldest first."""
        return [c for c in self.calls if c.ok and c.kind == "message" and c.to == wa_id]

    def sent_to(self, wa_id: str) -> list[Seen]:
        """What `wa_id` got, as they see it (text, interactive body and titles, template parameters)."""
        return [seen for c in self.messages_to(wa_id) if (seen := c.seen) is not None]

    def sent_texts(self, wa_id: str) -> list[str]:
        """The texts `wa_id` got (bodies, template parameters, captions), oldest first."""
        return [s.text for s in self.sent_to(wa_id) if s.text is not None]

    # --- webhook payloads in Meta's shapes ---------------------------------------------------------

    def text_message(self, wa_id: str, text: str, *, name: str = "Test Client", **kw: Any) -> dict[str, Any]:
        """A person's text message."""
        return self._incoming(wa_id, "text", {"text": {"body": text}}, name=name, **kw)

    def button_reply(self, wa_id: str, id: str, title: str, **kw: Any) -> dict[str, Any]:
        """A press of a reply button of an interactive message."""
        interactive = {"type": "button_reply", "button_reply": {"id": id, "title": title}}
        return self._incoming(wa_id, "interactive", {"interactive": interactive}, context=True, **kw)

    def list_reply(
        self, wa_id: str, id: str, title: str, description: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        """A choice of a row in a list message."""
        reply = {"id": id, "title": title, **({"description": description} if description else {})}
        interactive = {"type": "list_reply", "list_reply": reply}
        return self._incoming(wa_id, "interactive", {"interactive": interactive}, context=True, **kw)

    def legacy_button(self, wa_id: str, payload: str, text: str, **kw: Any) -> dict[str, Any]:
        """A press of a quick-reply button of a template (type `button`)."""
        return self._incoming(
            wa_id, "button", {"button": {"payload": payload, "text": text}}, context=True, **kw
        )

    def image_message(
        self,
        wa_id: str,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        *,
        caption: str | None = None,
        mime_type: str = "image/jpeg",
        **kw: Any,
    ) -> dict[str, Any]:
        """A photo (its bytes are stored, so the adapter can download it)."""
        return self.media_message(wa_id, "image", content, caption=caption, mime_type=mime_type, **kw)

    def media_message(
        self,
        wa_id: str,
        kind: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        filename: str | None = None,
        voice: bool = False,
        **kw: Any,
    ) -> dict[str, Any]:
        """A media message of `kind` image, video, document, audio or sticker (audio with voice=True: a voice note)."""
        media_id = self.add_media(content, mime_type)
        body: dict[str, Any] = {"mime_type": mime_type, "sha256": _sha256(content), "id": media_id}
        if caption is not None and kind in ("image", "video", "document"):
            body["caption"] = caption
        if filename is not None and kind == "document":
            body["filename"] = filename
        if voice:
            body["voice"] = True
        if kind == "sticker":
            body["animated"] = False
        return self._incoming(wa_id, kind, {kind: body}, **kw)

    def location_message(
        self,
        wa_id: str,
        lat: float,
        lon: float,
        *,
        name: str | None = None,
        address: str | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """A shared location (a pin, or a place with a name and an address)."""
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        if name:
            location["name"] = name
        if address:
            location["address"] = address
        return self._incoming(wa_id, "location", {"location": location}, **kw)

    def contacts_message(
        self,
        wa_id: str,
        phone: str,
        first_name: str,
        last_name: str | None = None,
        *,
        contact_wa_id: str | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """A shared contact card with one phone number."""
        name = {"formatted_name": f"{first_name} {last_name or ''}".strip(), "first_name": first_name}
        if last_name:
            name["last_name"] = last_name
        phone_entry = {"phone": phone, "type": "CELL", **({"wa_id": contact_wa_id} if contact_wa_id else {})}
        card = {"name": name, "phones": [phone_entry]}
        return self._incoming(wa_id, "contacts", {"contacts": [card]}, **kw)

    def unsupported_message(self, wa_id: str, kind: str = "unknown", **kw: Any) -> dict[str, Any]:
        """A message of a type the adapter does not read: unknown/unsupported, reaction, system, order, poll..."""
        content: dict[str, Any]
        if kind in ("unknown", "unsupported"):
            content = {
                "errors": [
                    {
                        "code": 131051,
                        "title": "Message type unknown",
                        "message": "Message type unknown",
                        "error_data": {"details": "Message type is currently not supported."},
                    }
                ]
            }
        elif kind == "reaction":
            content = {"reaction": {"message_id": f"wamid.{next(self._ids):016d}", "emoji": "\U0001f44d"}}
        elif kind == "system":
            content = {
                "system": {
                    "body": f"User {wa_id} changed from {wa_id} to 4915112345678",
                    "wa_id": "4915112345678",
                    "type": "user_changed_number",
                }
            }
        elif kind == "order":
            content = {
                "order": {
                    "catalog_id": "123456",
                    "text": "",
                    "product_items": [
                        {
                            "product_retailer_id": "sku-1",
                            "quantity": "1",
                            "item_price": "10",
                            "currency": "EUR",
                        }
                    ],
                }
            }
        else:
            content = {kind: {}}
        return self._incoming(wa_id, kind, content, **kw)

    def status_update(
        self,
        message_id: str,
        recipient: str,
        status: str = "delivered",
        *,
        error_code: int | None = None,
    ) -> dict[str, Any]:
        """A status of a message we sent: sent, delivered, read or failed (with `error_code`)."""
        item: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": recipient,
        }
        if status in ("sent", "delivered"):
            item["conversation"] = {"id": f"conv{next(self._ids)}", "origin": {"type": "service"}}
            item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        if error_code is not None:
            title = ERROR_MESSAGES.get(error_code, "Error").split(") ", 1)[-1]
            item["errors"] = [
                {"code": error_code, "title": title, "message": title, "error_data": {"details": title}}
            ]
        return self._envelope({"statuses": [item]})

    @staticmethod
    def combine(*payloads: dict[str, Any]) -> dict[str, Any]:
        """Merge several webhook payloads into one POST, as Meta batches them."""
        entries = [entry for payload in payloads for entry in payload["entry"]]
        return {"object": "whatsapp_business_account", "entry": entries}

    async def post_webhook(
        self, url: str, payload: Any, app_secret: str | None, *, bad_signature: bool = False
    ) -> int:
        """POST a payload to a webhook over real HTTP, signed like Meta signs it; return the HTTP status.

        `app_secret` None sends no signature; bad_signature signs with a wrong key.
        """
        if self._client is None:
            raise RuntimeError("FakeGraphAPI is not started")
        raw = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if app_secret is not None:
            key = app_secret + "-wrong" if bad_signature else app_secret
            headers[SIGNATURE_HEADER] = "sha256=" + hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
        async with self._client.post(url, data=raw, headers=headers) as response:
            await response.read()
            self.webhook_posts.append((url, response.status))
            return response.status

    async def verify_webhook(
        self, url: str, verify_token: str, challenge: str = "1158201444", mode: str = "subscribe"
    ) -> tuple[int, str]:
        """Do Meta's verification handshake (GET with hub.* parameters); return (status, body text)."""
        if self._client is None:
            raise RuntimeError("FakeGraphAPI is not started")
        params = {"hub.mode": mode, "hub.verify_token": verify_token, "hub.challenge": challenge}
        async with self._client.get(url, params=params) as response:
            return response.status, await response.text()

    def _incoming(
        self,
        wa_id: str,
        kind: str,
        content: dict[str, Any],
        *,
        name: str = "Test Client",
        message_id: str | None = None,
        timestamp: int | None = None,
        context: bool = False,
    ) -> dict[str, Any]:
        message_id = message_id or f"wamid.HBgL{next(self._ids):020d}"
        at = int(time.time()) if timestamp is None else timestamp
        message: dict[str, Any] = {
            "from": wa_id,
            "id": message_id,
            "timestamp": str(at),
            "type": kind,
            **content,
        }
        if context:
            # A reply to one of our messages carries its id; the adapter does not need it.
            message["context"] = {"from": DEFAULT_DISPLAY_NUMBER, "id": f"wamid.ctx{next(self._ids)}"}
        self.received.add(message_id)
        if kind != "system":
            self.open_window(wa_id, float(at))
        return self._envelope(
            {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
        )

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        metadata = {"display_phone_number": DEFAULT_DISPLAY_NUMBER, "phone_number_id": self.phone_number_id}
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": DEFAULT_WABA_ID,
                    "changes": [
                        {
                            "value": {"messaging_product": "whatsapp", "metadata": metadata, **value},
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    # --- HTTP side -------------------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        body = body if isinstance(body, dict) else {}
        kind = "read" if body.get("status") == "read" else "message"
        call = GraphCall(request.method, request.path, kind, body)
        return self._answer(call, lambda: self._send(request, body))

    async def _upload(self, request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, str, bytes]] = {}
        if request.content_type == "multipart/form-data":
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.content_type, value.file.read())
                else:
                    fields[key] = value
        call = GraphCall(request.method, request.path, "upload", fields, files)
        return self._answer(call, lambda: self._store_upload(request, fields, files))

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        call = GraphCall(request.method, request.path, "media_info", {"media_id": media_id})

        def info() -> dict[str, Any]:
            self._check_version(request)
            content, mime_type = self._known_media(media_id)
            return {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/whatsapp-media/{media_id}?ext=1&hash=fake",
                "mime_type": mime_type,
                "sha256": _sha256(content),
                "file_size": len(content),
                "id": media_id,
            }

        return self._answer(call, info)

    async def _download(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        call = GraphCall(request.method, request.path, "media_download", {"media_id": media_id})
        self.calls.append(call)
        self._call_arrived.set()
        try:
            self._check_auth(request)
            self._maybe_fail("media_download")
            content, mime_type = self._known_media(media_id)
        except GraphApiError as e:
            call.status = e.status
            return web.Response(status=e.status, text=e.message)
        return web.Response(body=content, content_type=mime_type)

    def _answer(self, call: GraphCall, work: Callable[[], Any]) -> web.Response:
        self.calls.append(call)
        self._call_arrived.set()
        try:
            self._maybe_fail(call.kind)
            call.answer = work()
        except GraphApiError as e:
            call.status = e.status
            error: dict[str, Any] = {
                "message": e.message,
                "type": _TYPES.get(e.status, "OAuthException"),
                "code": e.code,
                "fbtrace_id": f"AfakeTrace{next(self._ids)}",
            }
            if e.subcode is not None:
                error["error_subcode"] = e.subcode
            if e.details:
                error["error_data"] = {"messaging_product": "whatsapp", "details": e.details}
            headers = {"Retry-After": str(e.retry_after)} if e.retry_after is not None else None
            return web.json_response({"error": error}, status=e.status, headers=headers)
        return web.json_response(call.answer)

    def _maybe_fail(self, kind: str) -> None:
        for failure in self._failures:
            if failure.kind in (kind, "any"):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                raise GraphApiError(
                    failure.status, failure.code, failure.message, retry_after=failure.retry_after
                )

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            raise GraphApiError(401, 190)

    def _check_version(self, request: web.Request) -> None:
        self._check_auth(request)
        if not re.fullmatch(r"v\d+\.\d+", request.match_info["version"]):
            raise GraphApiError(400, 100, f"Unknown path components: /{request.match_info['version']}")

    def _check_phone(self, request: web.Request) -> None:
        self._check_version(request)
        phone = request.match_info["phone"]
        if phone != self.phone_number_id:
            raise GraphApiError(
                400,
                100,
                f"Unsupported post request. Object with ID '{phone}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation.",
                subcode=33,
            )

    def _known_media(self, media_id: str) -> tuple[bytes, str]:
        if media_id not in self._media:
            raise GraphApiError(400, 100, f"(#100) Invalid media id {media_id}", subcode=33)
        return self._media[media_id]

    def _send(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        self._check_phone(request)
        if body.get("messaging_product") != "whatsapp":
            raise GraphApiError(400, 100, "(#100) The parameter messaging_product is required.")
        if body.get("status") == "read":
            message_id = body.get("message_id")
            if message_id not in self.received:
                raise GraphApiError(400, 100, f"(#100) Invalid parameter message_id {message_id!r}")
            self.read.append(str(message_id))
            return {"success": True}
        to = str(body.get("to") or "").lstrip("+")
        if not to.isdigit():
            raise GraphApiError(400, 131009, details=f"'to' must be a phone number, got {body.get('to')!r}")
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            raise GraphApiError(400, 131008, details=f"the {kind} object is missing")
        if kind == "template":
            _check_template(content, self.templates)
        else:
            if kind == "text":
                _check_text(content)
            elif kind == "interactive":
                _check_interactive(content)
            elif kind in MEDIA_TYPES:
                self._check_media(kind, content)
            else:
                raise GraphApiError(400, 131009, details=f"message type {kind!r} is not supported")
            last = self._last_inbound.get(to)
            if self.enforce_window and (last is None or time.time() - last >= WINDOW_S):
                raise GraphApiError(
                    400,
                    131047,
                    details="Message failed to send because more than 24 hours have passed since the customer "
                    "last replied to this number.",
                )
        if to in self._blocked:
            raise GraphApiError(400, 131026, details="Message Undeliverable.")
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": str(body.get("to")), "wa_id": to}],
            "messages": [{"id": f"wamid.HBgLout{next(self._ids):016d}"}],
        }
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return answer

    def _check_media(self, kind: str, content: dict[str, Any]) -> None:
        media_id, link = content.get("id"), content.get("link")
        if media_id is None and not (isinstance(link, str) and link.startswith("https://")):
            raise GraphApiError(400, 131008, details=f"{kind} needs an id or an https link")
        if media_id is not None and str(media_id) not in self._media:
            raise GraphApiError(400, 131053, details=f"media id {media_id} is unknown or expired")
        if "caption" in content and kind not in ("image", "video", "document"):
            raise GraphApiError(400, 131009, details=f"a caption is not allowed on {kind}")
        if len(str(content.get("caption", ""))) > 1024:
            raise GraphApiError(400, 131009, details="caption is longer than 1024 characters")

    def _store_upload(
        self, request: web.Request, fields: dict[str, Any], files: dict[str, tuple[str, str, bytes]]
    ) -> dict[str, Any]:
        self._check_phone(request)
        if fields.get("messaging_product") != "whatsapp":
            raise GraphApiError(400, 100, "(#100) The parameter messaging_product is required.")
        if "file" not in files:
            raise GraphApiError(400, 100, "(#100) The parameter file is required.")
        _, content_type, content = files["file"]
        mime_type = str(fields.get("type") or content_type)
        if mime_type not in UPLOAD_TYPES:
            raise GraphApiError(
                400,
                131053,
                details=f"Param file must be a file with one of the supported types, got {mime_type}",
            )
        if not content:
            raise GraphApiError(400, 131053, details="the file is empty")
        return {"id": self.add_media(content, mime_type)}


def _check_text(content: dict[str, Any]) -> None:
    text = content.get("body")
    if not isinstance(text, str) or not text.strip():
        raise GraphApiError(400, 131008, details="text.body is required")
    if len(text) > 4096:
        raise GraphApiError(
            400, 100, f"(#100) Param text['body'] must be at most 4096 characters long, got {len(text)}"
        )


def _check_interactive(content: dict[str, Any]) -> None:
    kind = content.get("type")
    body = content.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise GraphApiError(400, 131008, details="interactive.body.text is required")
    limit = 4096 if kind == "list" else 1024
    if len(text) > limit:
        raise GraphApiError(
            400, 100, f"(#100) Param interactive['body']['text'] must be at most {limit} characters long"
        )
    action = content.get("action")
    if not isinstance(action, dict):
        raise GraphApiError(400, 131008, details="interactive.action is required")
    if kind == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise GraphApiError(400, 131009, details="buttons: between 1 and 3 are allowed")
        ids, titles = [], []
        for button in buttons:
            reply = button.get("reply") if isinstance(button, dict) else None
            if button.get("type") != "reply" or not isinstance(reply, dict):
                raise GraphApiError(400, 131009, details="each button needs type reply and a reply object")
            _limit(reply.get("id"), 256, "button id")
            _limit(reply.get("title"), 20, "button title")
            ids.append(reply["id"])
            titles.append(reply["title"])
        if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
            raise GraphApiError(400, 131009, details="button ids and titles must be unique")
    elif kind == "list":
        _limit(action.get("button"), 20, "list button text")
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise GraphApiError(400, 131009, details="sections: between 1 and 10 are allowed")
        rows = [row for section in sections for row in (section.get("rows") or [])]
        if not 1 <= len(rows) <= 10:
            raise GraphApiError(400, 131009, details=f"a list holds 1 to 10 rows in all, got {len(rows)}")
        if len(sections) > 1 and not all(s.get("title") for s in sections):
            raise GraphApiError(400, 131009, details="with several sections each needs a title")
        for row in rows:
            _limit(row.get("id"), 200, "row id")
            _limit(row.get("title"), 24, "row title")
            if "description" in row:
                _limit(row["description"], 72, "row description")
        if len({row["id"] for row in rows}) != len(rows):
            raise GraphApiError(400, 131009, details="row ids must be unique")
    elif kind == "location_request_message":
        if action.get("name") != "send_location":
            raise GraphApiError(
                400, 131009, details="location_request_message needs action.name send_location"
            )
    else:
        raise GraphApiError(400, 131009, details=f"interactive type {kind!r} is not supported here")


def _check_template(content: dict[str, Any], templates: dict[tuple[str, str], int]) -> None:
    name = content.get("name")
    language = content.get("language")
    lang = language.get("code") if isinstance(language, dict) else None
    key = (str(name), str(lang))
    if key not in templates:
        raise GraphApiError(404, 132001, details=f"template name ({name}) does not exist in {lang}")
    params = [
        p
        for c in content.get("components") or []
        if c.get("type") == "body"
        for p in c.get("parameters") or []
    ]
    if len(params) != templates[key]:
        raise GraphApiError(400, 132000, details=f"expected {templates[key]} parameters, got {len(params)}")
    for param in params:
        text = param.get("text")
        if param.get("type") != "text" or not isinstance(text, str) or not text.strip():
            raise GraphApiError(400, 132018, details="each parameter needs type text and a non-empty text")
        if "\n" in text or "\t" in text or "     " in text:
            raise GraphApiError(
                400,
                132018,
                details="Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
            )
        if len(text) > 1024:
            raise GraphApiError(400, 132018, details="a parameter holds at most 1024 characters")


def _limit(value: Any, limit: int, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise GraphApiError(400, 131008, details=f"{what} is required")
    if len(value) > limit:
        raise GraphApiError(400, 131009, details=f"{what} {value!r} is longer than {limit} characters")


def _seen(body: dict[str, Any]) -> Seen | None:
    kind = str(body.get("type", "text"))
    content = body.get(kind) if isinstance(body.get(kind), dict) else {}
    assert isinstance(content, dict)
    if kind == "text":
        return Seen("text", content.get("body"))
    if kind == "interactive":
        text = (content.get("body") or {}).get("text")
        action = content.get("action") or {}
        if content.get("type") == "button":
            titles = tuple(b["reply"]["title"] for b in action.get("buttons", []))
        elif content.get("type") == "list":
            titles = tuple(r["title"] for s in action.get("sections", []) for r in s.get("rows", []))
        else:
            titles = ()
        return Seen("interactive", text, titles)
    if kind == "template":
        params = [
            str(p.get("text"))
            for c in content.get("components") or []
            if c.get("type") == "body"
            for p in c.get("parameters") or []
        ]
        return Seen("template", " ".join(params) if params else None)
    if kind in MEDIA_TYPES:
        return Seen(kind, content.get("caption"), media_id=content.get("id") or content.get("link"))
    return None


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
