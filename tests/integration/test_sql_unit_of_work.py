"""`SqlUnitOfWork` itself: its session, and the SLA configuration its factory gives every unit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from ticket_core.sla.config import DEFAULT_CONFIG


async def test_session_only_inside_block_and_every_repository_on_it(uow_factory: UnitOfWorkFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="async with uow"):
        _ = uow.session
    async with uow:
        assert isinstance(uow, SqlUnitOfWork)
        parts = [
            uow.articles,
            uow.kb_gaps,
            uow.maintenance,
            uow.admin,
            uow.webhooks,
            uow.webhooks_out,
            uow.api_tokens,
        ]
        assert all(part.session is uow.session for part in parts)
        assert uow.sla is None  # SLA tracking is off unless the factory is given a configuration


async def test_sla_config_given_to_the_factory_reaches_every_unit(uow_factory: UnitOfWorkFactory) -> None:
    config = replace(DEFAULT_CONFIG, timezone="Asia/Yekaterinburg")
    factory = UnitOfWorkFactory(uow_factory.sessionmaker, sla_config=config)
    async with factory() as uow:
        assert uow.sla is not None and uow.sla.config is config
    async with factory() as other:
        assert other.webhooks_out is not uow.webhooks_out  # one per unit: it reads subscriptions once
