"""`SqlUnitOfWork` itself: its session, and the SLA configuration and webhook queue its factory gives every unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest

from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from ticket_core.events import DomainEvent
from ticket_core.sla.config import DEFAULT_CONFIG


async def test_session_only_inside_block_and_every_repository_on_it(uow_factory: UnitOfWorkFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="async with uow"):
        _ = uow.session
    async with uow:
        assert isinstance(uow, SqlUnitOfWork)
        parts = [uow.articles, uow.kb_gaps, uow.maintenance, uow.admin, uow.webhooks, uow.api_tokens]
        assert all(part.session is uow.session for part in parts)
        assert uow.sla is None and uow.webhooks_out is None  # SLA tracking and webhooks are off unless given


async def test_sla_config_and_webhook_queue_given_to_the_factory_reach_every_unit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    class Queue:
        def __init__(self, session: object) -> None:
            self.session = session

        async def queue(self, events: Sequence[DomainEvent], now: datetime) -> int:
            return len(events)

    config = replace(DEFAULT_CONFIG, timezone="Asia/Yekaterinburg")
    factory = UnitOfWorkFactory(uow_factory.sessionmaker, sla_config=config, webhooks_out=Queue)
    async with factory() as uow:
        assert uow.sla is not None and uow.sla.config is config
        assert isinstance(uow.webhooks_out, Queue) and uow.webhooks_out.session is uow.session
    async with factory() as other:
        assert other.webhooks_out is not uow.webhooks_out  # one queue per unit: it remembers what it queued
