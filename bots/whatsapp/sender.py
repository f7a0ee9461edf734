"""Sending through the Cloud API: the service window, template fallback, rate limit, errors."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bots.ratelimit import Rate, RateLimiter
from bots.whatsapp.errors import is_reengagement, to_delivery_error
from bots.whatsapp.graph import GraphClient, GraphError
from bots.whatsapp.outbound import (
    UnsendableError,
    plan_outbound,
    read_receipt,
    template_message,
    template_text,
)
from bots.whatsapp.window import ServiceWindowStore, is_open
from dialogue.messages import Bot, Channel, DeliveryError, Outbound

log = logging.getLogger(__name__)

# Cloud API throughput: 80 messages a second per business phone number (the default tier).
MESSAGES_RATE = Rate(80, 1.0)
# Sent message ids remembered so a late "failed: 131047" status can still be answered with a template.
RECENT_SENDS = 2048


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class WhatsAppSender:
    """Delivers `Outbound` messages from one business phone number."""

    def __init__(
        self,
        graph: GraphClient,
        phone_number_id: str,
        window: ServiceWindowStore,
        *,
        template_name: str,
        template_lang: str,
        limiter: RateLimiter | None = None,
        rate: Rate | None = MESSAGES_RATE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.graph = graph
        self.phone_number_id = phone_number_id
        self.window = window
        self.template_name = template_name
        self.template_lang = template_lang
        self.limiter = limiter or RateLimiter()
        self.rate = rate
        self.clock = clock
        self._recent: OrderedDict[str, tuple[str, str]] = OrderedDict()

    async def send(self, out: Outbound) -> None:
        """Send one Outbound: free-form inside the 24-hour window, the approved template outside it.

        Raises:
            DeliveryError: retry_after set when throttled; permanent for a blocked or invalid recipient,
                a rejected message, or an Outbound WhatsApp cannot carry; plain for 5xx and network errors.
        """
        if out.channel != Channel.WHATSAPP or out.bot != Bot.CLIENT:
            raise DeliveryError(
                f"the WhatsApp channel sends only {Channel.WHATSAPP}/{Bot.CLIENT} messages, got {out.channel}/{out.bot}",
                permanent=True,
            )
        if not is_open(await self.window.last_inbound(out.chat_id), self.clock()):
            await self.send_template(out.chat_id, template_text(out))
            return
        try:
            bodies = plan_outbound(out)
        except UnsendableError as e:
            raise DeliveryError(f"cannot send to WhatsApp {out.chat_id}: {e}", permanent=True) from e
        for body in bodies:
            try:
                answer = await self._post(body)
            except GraphError as e:
                if is_reengagement(e):
                    # Our window record was wrong (lost, or the person wrote from another device); the
                    # template still reaches them. Once: a template is never refused with 131047.
                    log.info("WhatsApp %s: window closed (131047); sending the template instead", out.chat_id)
                    await self.send_template(out.chat_id, template_text(out))
                    return
                raise to_delivery_error(e, f"{body['type']} message to {out.chat_id}") from e
            self._remember(answer, out.chat_id, template_text(out))

    async def send_template(self, to: str, text: str) -> None:
        """Send the approved status-update template with `text` as its parameter.

        Raises:
            DeliveryError: nothing to say (permanent), or the Graph call failed.
        """
        if not text.strip():
            raise DeliveryError(
                f"WhatsApp {to}: the 24-hour window is closed and the message has no text for the template",
                permanent=True,
            )
        body = template_message(to, self.template_name, self.template_lang, text)
        try:
            await self._post(body)
        except GraphError as e:
            raise to_delivery_error(e, f"template {self.template_name!r} to {to}") from e

    async def resend_as_template(self, message_id: str) -> bool:
        """Send the template for a recently sent message that failed later with 131047; tell whether one was sent.

        Raises:
            DeliveryError: the template could not be sent.
        """
        sent = self._recent.pop(message_id, None)
        if sent is None:
            return False
        to, text = sent
        await self.send_template(to, text)
        return True

    async def mark_read(self, message_id: str) -> None:
        """Mark an inbound message read (blue ticks).

        Raises:
            GraphError: the call failed.
        """
        await self._post(read_receipt(message_id))

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.rate is not None:
            await self.limiter.acquire((("whatsapp", self.phone_number_id), self.rate))
        return await self.graph.post_json(f"{self.phone_number_id}/messages", body)

    def _remember(self, answer: dict[str, Any], to: str, text: str) -> None:
        messages = answer.get("messages")
        if not text or not isinstance(messages, list):
            return
        for item in messages:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                self._recent[item["id"]] = (to, text)
        while len(self._recent) > RECENT_SENDS:
            self._recent.popitem(last=False)
