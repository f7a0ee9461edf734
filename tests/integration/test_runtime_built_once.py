"""The composition root builds the runtime once, complete: nothing is attached to it afterwards."""

from __future__ import annotations

import dataclasses

from dialogue.messages import Bot, Channel
from helpdesk.api import WebhookSender
from helpdesk.api.webhook_queue import queue_webhooks
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from ticket_core import events as ev
from ticket_core.handlers import RouteWaitingTicket, reschedule_sla


async def test_every_part_is_there_from_construction(sqlite_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        kb_embedder="none",
        kb_cache_dir=None,
        telegram_client_token="123:abc",
        telegram_api_base="http://127.0.0.1:9",
    )
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    try:
        # Optional parts are features that are off, and nothing else is None.
        off = {f.name for f in dataclasses.fields(Runtime) if getattr(rt, f.name) is None}
        # SQLite runs one process: no outbox bell (its turns wake its own delivery loop), and its delivery loop
        # sends every reply (no process sends its own: helpdesk.delivery_direct).
        assert off == {"kb", "nlu", "redis", "model_cache", "whatsapp", "email", "outbox_bell", "direct"}
        assert set(rt.senders) == {
            (str(Channel.WEB), str(Bot.CLIENT)),
            (str(Channel.WEB), str(Bot.STAFF)),
            (str(Channel.TELEGRAM), str(Bot.CLIENT)),
        }
        # Webhook rows go to their own deliverer, which is no chat channel's sender.
        assert isinstance(rt.delivery.webhooks, WebhookSender)
        assert rt.polling_lease is not None and rt.polling_lease.channels == list(rt.telegram)
        # The inbox's replies wake the very delivery loop the runtime holds.
        assert rt.inbox.on_replies is not None
        rt.inbox.on_replies()
        assert rt.delivery._wake.is_set()
        # The engine dispatches on the runtime's bus: routing and SLA timers, and webhooks once it settled.
        assert rt.engine.bus is rt.bus
        opened = rt.bus.handlers(ev.TicketOpened)
        assert any(isinstance(h, RouteWaitingTicket) for h in opened) and reschedule_sla in opened
        assert queue_webhooks in rt.bus._settled
        assert rt.engine.staff_flow.reports.source is rt.reports
    finally:
        await rt.close()
