"""`WhatsAppChannel`: the client bot on one WhatsApp Business phone number, over the Cloud API."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from bots.ratelimit import Rate, RateLimiter
from bots.whatsapp.errors import REENGAGEMENT_CODE, to_delivery_error
from bots.whatsapp.graph import GraphClient, GraphError
from bots.whatsapp.inbound import ReceivedMessage, StatusUpdate, parse_webhook
from bots.whatsapp.sender import MESSAGES_RATE, WhatsAppSender, utc_now
from bots.whatsapp.webhook import make_receive_handler, make_verify_handler
from bots.whatsapp.window import MemoryServiceWindowStore, ServiceWindowStore
from dialogue.messages import Bot, Channel, DeliveryError, Inbound, InboundNotRecorded, Outbound

log = logging.getLogger(__name__)

SEEN_MESSAGES = 4096  # message ids remembered to drop a repeat (Meta re-sends after a slow or failed answer)
DRAIN_TIMEOUT_S = 10.0  # how long close() lets queued messages finish
# A system message ("changed their number") is not the person writing, so it opens no window.
NO_WINDOW_TYPES = {"system"}


class WhatsAppChannel:
    """The WhatsApp adapter (client bot only): webhook -> `Inbound`, `Outbound` -> Cloud API messages.

    Args:
        on_inbound: called once per message, in arrival order, before the webhook is answered; it records
            the message durably and returns (replies come back through `send`). When it raises
            `InboundNotRecorded` the webhook answers 503 and Meta delivers the body again.
        phone_number_id: the business number's id from the Meta app dashboard (not the phone number).
        access_token: a system-user token with whatsapp_business_messaging.
        app_secret: the Meta app secret; every webhook POST must be signed with it.
        verify_token: the string typed into the dashboard's webhook "Verify token" field.
        api_base: Graph API base URL (a test fake in tests).
        api_version: Graph API version in the path.
        window: where the 24-hour service windows are kept (default: in memory).
        template_name: the approved template used outside the window; one body parameter, {{1}}.
        template_lang: that template's language code.
        limiter: a shared rate limiter (default: a private one).
        rate: the send rate of this number (None: unlimited, for tests).
        on_status: called with each delivery status (sent, delivered, read, failed); default: logged.
        clock: the current time, timezone-aware UTC (injectable for tests).
    """

    channel = Channel.WHATSAPP
    bot = Bot.CLIENT

    def __init__(
        self,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        *,
        phone_number_id: str,
        access_token: str,
        app_secret: str,
        verify_token: str,
        api_base: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        window: ServiceWindowStore | None = None,
        template_name: str = "helpdesk_update",
        template_lang: str = "ru",
        limiter: RateLimiter | None = None,
        rate: Rate | None = MESSAGES_RATE,
        on_status: Callable[[StatusUpdate], Awaitable[object]] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        missing = [
            env
            for env, value in (
                ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id),
                ("WHATSAPP_ACCESS_TOKEN", access_token),
                ("WHATSAPP_APP_SECRET", app_secret),
                ("WHATSAPP_VERIFY_TOKEN", verify_token),
                ("WHATSAPP_TEMPLATE", template_name),
            )
            if not str(value or "").strip()
        ]
        if missing:
            raise ValueError(f"WhatsApp is not configured: set {', '.join(missing)} (see docs/whatsapp.md)")
        if not str(phone_number_id).strip().isdigit():
            raise ValueError(
                f"WHATSAPP_PHONE_NUMBER_ID {phone_number_id!r} must be the numeric id from the app dashboard "
                "(WhatsApp > API Setup), not the phone number itself"
            )
        self.phone_number_id = str(phone_number_id).strip()
        self._on_inbound = on_inbound
        self._on_status = on_status
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._clock = clock
        self.window: ServiceWindowStore = window if window is not None else MemoryServiceWindowStore()
        self.graph = GraphClient(api_base=api_base, api_version=api_version, access_token=access_token)
        self.sender = WhatsAppSender(
            self.graph,
            self.phone_number_id,
            self.window,
            template_name=template_name,
            template_lang=template_lang,
            limiter=limiter,
            rate=rate,
            clock=clock,
        )
        self._background: set[asyncio.Task[Any]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._closed = False

    def __repr__(self) -> str:
        return f"WhatsAppChannel(phone number id {self.phone_number_id})"

    # --- receiving -------------------------------------------------------------------------------

    def add_routes(self, app: web.Application, path: str = "/webhook/whatsapp") -> None:
        """Serve Meta's verification handshake (GET) and signed updates (POST) at `path` on `app`."""
        app.router.add_get(path, make_verify_handler(self._verify_token))
        app.router.add_post(path, make_receive_handler(self._app_secret, self.accept_webhook))

    async def accept_webhook(self, body: Any) -> bool:
        """Hand over everything in one (already verified) webhook body; return False when closed.

        Each message is given to `on_inbound` in order and awaited (it only records it), then marked read.
        Statuses are logged (and given to `on_status`).

        Raises:
            InboundNotRecorded: a message could not be recorded; Meta must deliver the body again (the
                messages recorded before it are then dropped as repeats).
        """
        if self._closed:
            return False
        batch = parse_webhook(body, self.phone_number_id)
        if batch.skipped:
            log.info(
                "WhatsApp webhook: %d parts skipped (other fields or numbers, or malformed)", batch.skipped
            )
        for status in batch.statuses:
            self._status(status)
        for message in batch.messages:
            if message.message_id in self._seen:
                log.info("dropping repeated WhatsApp message %s", message.inbound.dedup_key)
                continue
            try:
                await self._deliver(message)
            except InboundNotRecorded:
                raise
            except Exception:
                # A bug in the app must not make Meta re-send this body for days; the next message goes on.
                log.exception("WhatsApp message %s could not be handed over", message.inbound.dedup_key)
            self._seen[message.message_id] = None
            if len(self._seen) > SEEN_MESSAGES:
                self._seen.popitem(last=False)
            self._spawn(self._mark_read(message.message_id), f"whatsapp-read-{message.message_id}")
        return True

    async def _deliver(self, message: ReceivedMessage) -> None:
        if message.type not in NO_WINDOW_TYPES:
            now = self._clock()
            # Meta's timestamp is when the person wrote; a webhook re-sent hours later must not stretch the window.
            at = min(message.sent_at, now) if message.sent_at is not None else now
            try:
                await self.window.record_inbound(message.inbound.chat_id, at)
            except Exception:
                log.exception("WhatsApp %s: could not record the service window", message.inbound.chat_id)
        await self._on_inbound(message.inbound)

    async def _mark_read(self, message_id: str) -> None:
        try:
            await self.sender.mark_read(message_id)
        except GraphError as e:
            log.warning("WhatsApp read receipt for %s failed: %s", message_id, e)

    def _status(self, status: StatusUpdate) -> None:
        if status.status == "failed":
            log.warning(
                "WhatsApp message %s to %s failed: %s", status.message_id, status.recipient_id, status.errors
            )
            if any(code == REENGAGEMENT_CODE for code, _ in status.errors):
                self._spawn(
                    self._resend_as_template(status.message_id), f"whatsapp-template-{status.message_id}"
                )
        else:
            log.debug("WhatsApp message %s to %s: %s", status.message_id, status.recipient_id, status.status)
        if self._on_status is not None:
            self._spawn(self._report_status(status), f"whatsapp-status-{status.message_id}")

    async def _resend_as_template(self, message_id: str) -> None:
        try:
            if await self.sender.resend_as_template(message_id):
                log.info("WhatsApp message %s hit a closed window; sent the template instead", message_id)
        except DeliveryError as e:
            log.error("WhatsApp template after 131047 for %s failed: %s", message_id, e)

    async def _report_status(self, status: StatusUpdate) -> None:
        assert self._on_status is not None
        try:
            await self._on_status(status)
        except Exception:
            log.exception("WhatsApp on_status failed for %s", status.message_id)

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, out: Outbound) -> None:
        """Send one Outbound to its chat (see `WhatsAppSender.send`).

        Raises:
            DeliveryError: retry_after when throttled, permanent when a retry cannot help.
        """
        await self.sender.send(out)

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """Return (content, mime type) of a media id from an inbound message.

        Raises:
            DeliveryError: the media is unknown or expired (permanent), or Graph failed (retry later).
        """
        if not media_id.isdigit():
            raise DeliveryError(f"{media_id!r} is not a WhatsApp media id", permanent=True)
        try:
            meta = await self.graph.get_json(media_id)
            url = meta.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise DeliveryError(f"WhatsApp media {media_id}: Graph gave no download url", permanent=True)
            content, content_type = await self.graph.get_bytes(url)
        except GraphError as e:
            raise to_delivery_error(e, f"download of media {media_id}") from e
        mime = meta.get("mime_type")
        return content, mime if isinstance(mime, str) and mime else content_type.split(";")[0]

    async def upload_media(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file to this number's media store; return its media id (valid for 30 days).

        Raises:
            DeliveryError: empty data or no mime type (permanent), or Graph refused or failed.
        """
        if not data:
            raise DeliveryError("cannot upload an empty file to WhatsApp", permanent=True)
        if "/" not in mime_type:
            raise DeliveryError(
                f"mime type {mime_type!r} is not a type/subtype such as image/jpeg", permanent=True
            )
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, filename=filename or "file", content_type=mime_type)
        try:
            answer = await self.graph.post_form(f"{self.phone_number_id}/media", form)
        except GraphError as e:
            raise to_delivery_error(e, f"upload of {filename!r}") from e
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise DeliveryError(f"WhatsApp upload of {filename!r}: Graph answered without an id")
        return media_id

    # --- lifecycle -------------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop taking webhooks (503, Meta re-sends), finish read receipts (up to 10 s), close HTTP. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._background:
            _, late = await asyncio.wait(set(self._background), timeout=DRAIN_TIMEOUT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.graph.close()

    async def __aenter__(self) -> WhatsAppChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
