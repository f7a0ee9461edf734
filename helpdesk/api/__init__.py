"""The REST API: KB articles, tickets, directory and webhook subscriptions under /api, with an OpenAPI
document, bearer tokens with scopes, per-token rate limits, and signed webhooks delivered via the outbox.
"""

from helpdesk.api.app import add_api_routes, endpoints
from helpdesk.api.webhook_sender import WebhookSender

__all__ = ["WebhookSender", "add_api_routes", "endpoints"]
