"""What every API handler gets: the runtime, the rate limiter and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from helpdesk.api.ratelimit import ApiRateLimit
from ticket_core.utc import utcnow

if TYPE_CHECKING:  # the runtime imports the API
    from helpdesk.runtime import Runtime


@dataclass
class ApiContext:
    """Shared by the API's handlers: the runtime they work on, the rate limiter and the clock."""

    rt: Runtime
    limiter: ApiRateLimit
    clock: Callable[[], datetime] = utcnow
    touched: dict[str, datetime] = field(default_factory=dict)
    """When each token's `last_used_at` was last written (written at most once a minute)."""

    def wake_delivery(self) -> None:
        """Let the outbox delivery loop send what a change queued without waiting for its next tick."""
        self.rt.wake_delivery()


API_CONTEXT: web.AppKey[ApiContext] = web.AppKey("api_context", ApiContext)
