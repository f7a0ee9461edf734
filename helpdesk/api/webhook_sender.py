"""Sends queued webhook deliveries: POST the signed JSON body to the subscriber's URL.

The delivery loop's `WebhookDeliverer`: it gets the outbox's rows of kind "webhook" and nothing else. A
failure raises `DeliveryError`; the loop retries with exponential backoff and marks the row failed after
its last attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from dialogue.messages import DeliveryError
from helpdesk.api.jsonio import dumps
from helpdesk.api.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from helpdesk.api.webhook_targets import PrivateTargetRefused, check_literal, connector_options
from storage.webhooks_out import SqlWebhookSubscriptions, WebhookDelivery

log = logging.getLogger(__name__)

USER_AGENT = "Helpdesk-Webhooks/1"


class WebhookSender:
    """Implements `helpdesk.delivery.WebhookDeliverer`; `sessions` reads the subscription at send time."""

    def __init__(
        self,
        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        *,
        timeout_s: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        private_targets: bool = False,
    ) -> None:
        self.sessions = sessions
        self.private_targets = private_targets  # WEBHOOK_PRIVATE_TARGETS (helpdesk.api.webhook_targets)
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.clock = clock

    async def deliver(self, delivery: WebhookDelivery) -> None:
        """POST one delivery; raise `DeliveryError` when the subscriber did not answer 2xx."""
        async with self.sessions() as session:
            subscription = await SqlWebhookSubscriptions(session).get(delivery.subscription_id)
        if subscription is None:
            raise DeliveryError(
                f"webhook subscription {delivery.subscription_id} was deleted", permanent=True
            )
        sent_at = self.clock()
        body_data = {**delivery.body, "sent_at": sent_at.isoformat()}
        body = dumps(body_data).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(subscription.secret, body),
            TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
            EVENT_HEADER: str(body_data.get("event", "")),
            DELIVERY_HEADER: str(body_data.get("id", "")),
        }
        try:
            if not self.private_targets:
                check_literal(urlsplit(subscription.url).hostname or "")
            # A session per delivery: nothing to close at shutdown, and deliveries are not frequent.
            connector = aiohttp.TCPConnector(**connector_options(self.private_targets))
            async with (
                aiohttp.ClientSession(timeout=self.timeout, connector=connector) as http,
                http.post(subscription.url, data=body, headers=headers) as response,
            ):
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except PrivateTargetRefused as error:
            raise DeliveryError(
                f"webhook {subscription.url} refused: {error} (WEBHOOK_PRIVATE_TARGETS allows it)",
                permanent=True,
            ) from None
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, PrivateTargetRefused):
                raise DeliveryError(
                    f"webhook {subscription.url} refused: {error.os_error} (WEBHOOK_PRIVATE_TARGETS allows it)",
                    permanent=True,
                ) from None
            raise DeliveryError(
                f"webhook {subscription.url} unreachable: {type(error).__name__} {error}"
            ) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryError(
                f"webhook {subscription.url} unreachable: {type(error).__name__} {error}"
            ) from None
        if 200 <= status < 300:
            return
        if status == 410:  # the subscriber says it is gone for good
            raise DeliveryError(f"webhook {subscription.url} answered 410 Gone", permanent=True)
        raise DeliveryError(f"webhook {subscription.url} answered {status}", retry_after=retry_after)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (dates are ignored: the backoff applies)."""
    if not value:
        return None
    try:
        return max(0.0, min(3600.0, float(value)))
    except ValueError:
        return None
