"""raise_level: engineers escalate their own job one level up; supervisors set a higher level."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import CLIENT, NOW, SUPERVISOR, engineer
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition, ValidationFailed
from ticket_core.events import TicketLevelRaised
from ticket_core.model import Actor
from ticket_core.routing import Strategy


async def _accepted(uows: MemoryUnitOfWorkFactory) -> str:
    async with uows() as uow:
        draft = uc.TicketDraft(client_id="acme", category="it", description="VPN down", site_id="acme-hq")
        ticket = await uc.open_ticket(uow, CLIENT, draft, NOW)
        await uc.offer_ticket(uow, Actor.system(), ticket.id, NOW)
        await uc.accept_offer(uow, engineer("e-near"), ticket.id, NOW)
        await uow.commit()
    return ticket.id


async def test_engineer_escalates_own_job_one_level_above_their_own(uows: MemoryUnitOfWorkFactory) -> None:
    uows.state.staff["e-near"].level = 2
    tid = await _accepted(uows)
    async with uows() as uow:
        ticket = await uc.raise_level(uow, engineer("e-near"), tid, NOW, "  needs a network specialist ")
        await uow.commit()
        [event] = [e for e in uow.collected if isinstance(e, TicketLevelRaised)]
    assert (ticket.min_level, ticket.status, ticket.assignee_id) == (3, TicketStatus.NEW, None)
    assert (event.from_level, event.to_level, event.reason) == (1, 3, "needs a network specialist")
    assert event.returned_to_queue and event.from_engineer_id == "e-near"
    # Routing now skips everyone below L3 (and the engineer who escalated).
    async with uows() as uow:
        assert await uc.offer_ticket(uow, Actor.system(), tid, NOW) == []
        reason = uow.collected[-1].reason  # type: ignore[attr-defined]
    assert "below the required level L3" in reason


async def test_only_the_assignee_or_a_supervisor_and_never_past_l3(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _accepted(uows)
    for actor, error in (
        (engineer("e-far"), Forbidden),
        (CLIENT, Forbidden),
        (Actor(Role.ADMIN, "adm"), Forbidden),
    ):
        async with uows() as uow:
            with pytest.raises(error):
                await uc.raise_level(uow, actor, tid, NOW)
    uows.state.staff["e-near"].level = 3
    async with uows() as uow:
        with pytest.raises(ValidationFailed, match="L3 is the highest level"):
            await uc.raise_level(uow, engineer("e-near"), tid, NOW)
    async with uows() as uow:
        with pytest.raises(ValidationFailed, match="L2 to L3"):
            await uc.raise_level(uow, SUPERVISOR, tid, NOW, to_level=4)
    assert uows.state.tickets[tid].min_level == 1


async def test_supervisor_keeps_senior_offers_and_withdraws_junior_ones(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    uows.state.staff["e-far"] = replace(uows.state.staff["e-far"], level=2)
    async with uows() as uow:
        draft = uc.TicketDraft(client_id="acme", category="it", description="VPN down", site_id="acme-hq")
        ticket = await uc.open_ticket(uow, CLIENT, draft, NOW)
        await uc.offer_ticket(uow, Actor.system(), ticket.id, NOW, strategy=Strategy.BROADCAST)
        await uow.commit()
    async with uows() as uow:
        raised = await uc.raise_level(uow, SUPERVISOR, ticket.id, NOW, to_level=2)
        await uow.commit()
    offers = {o.engineer_id: o.status for o in uows.state.offers.values()}
    assert offers == {"e-near": OfferStatus.WITHDRAWN, "e-far": OfferStatus.PENDING}
    assert raised.status is TicketStatus.OFFERED and raised.min_level == 2
    # Up to L3: nobody pending is senior enough, so the job goes back to the queue.
    async with uows() as uow:
        raised = await uc.raise_level(uow, SUPERVISOR, ticket.id, NOW)
        await uow.commit()
        [event] = [e for e in uow.collected if isinstance(e, TicketLevelRaised)]
    assert raised.status is TicketStatus.NEW and event.returned_to_queue and event.to_level == 3


async def test_a_finished_ticket_keeps_its_level(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _accepted(uows)
    async with uows() as uow:
        await uc.resolve_ticket(uow, engineer("e-near"), tid, NOW, "fixed")
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(InvalidTransition):
            await uc.raise_level(uow, SUPERVISOR, tid, NOW, to_level=2)
