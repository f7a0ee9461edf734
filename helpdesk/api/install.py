"""Attach the API's repositories to every unit of work, like `storage.kb_repository.install`."""

from __future__ import annotations

from typing import Any

from helpdesk.api.webhook_queue import ATTRIBUTE, WebhookQueue
from storage.api_tokens import SqlApiAudit, SqlApiTokenRepository
from storage.webhooks_out import SqlWebhookSubscriptions


def install_api_repositories(uow_factory: Any) -> None:
    """Attach `webhooks_out` (queue deliveries for events), `webhooks`, `api_tokens` and `api_audit`.

    `uow.webhooks_out.queue(uow.collected, now)` before commit turns the unit's events into signed webhook
    deliveries in the outbox; calling it again in the same unit queues only events not seen yet.
    """
    uow_factory.add_repository(ATTRIBUTE, WebhookQueue)
    uow_factory.add_repository("webhooks", SqlWebhookSubscriptions)
    uow_factory.add_repository("api_tokens", SqlApiTokenRepository)
    uow_factory.add_repository("api_audit", SqlApiAudit)
