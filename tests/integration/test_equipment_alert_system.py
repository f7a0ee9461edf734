"""Alerts sent as the system (a timer, a local monitor, `Actor.system()`) open, add to and recover tickets as
an integration's do: the system writes internal notes (the recovery note) but never speaks to the client."""

from __future__ import annotations

import pytest

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW
from ticket_core.enums import TicketStatus, Visibility
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.alert_usecases import receive_alert
from ticket_core.equipment.alerts import Alert, AlertState
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.errors import Forbidden
from ticket_core.model import Actor
from ticket_core.usecases.comments import add_comment

SYSTEM = Actor.system()


def _alert(code: str, state: AlertState) -> Alert:
    return Alert(fingerprint="fp-sys", state=state, severity="critical", summary="UPS on battery", unit=code)


async def _unit(acme: UnitOfWorkFactory, resolve_on_recovery: bool) -> str:
    async with acme() as uow:
        ups = EquipmentType("ups", "ИБП", "UPS", "it", resolve_on_recovery=resolve_on_recovery)
        await eq.save_type(uow, SYSTEM, ups, NOW)
        await eq.import_units(uow, SYSTEM, "site,type,name\nhq,ups,UPS 1\n", NOW)
        await uow.commit()
        return (await uow.equipment.find(UnitFilter()))[0].code


@pytest.mark.parametrize("resolve_on_recovery", [False, True])
async def test_the_system_opens_and_recovers_a_ticket(
    acme: UnitOfWorkFactory, resolve_on_recovery: bool
) -> None:
    code = await _unit(acme, resolve_on_recovery)
    async with acme() as uow:
        opened = await receive_alert(uow, SYSTEM, _alert(code, AlertState.FIRING), NOW)
        await uow.commit()
    assert opened.outcome == "opened" and opened.ticket is not None
    async with acme() as uow:
        recovered = await receive_alert(uow, SYSTEM, _alert(code, AlertState.RESOLVED), NOW)
        await uow.commit()
    assert recovered.outcome == ("resolved" if resolve_on_recovery else "recovered")
    async with acme() as uow:
        ticket = await uow.tickets.get(opened.ticket.id)
        notes = await uow.comments.list_for_ticket(opened.ticket.id, include_internal=True)
    assert ticket is not None
    assert ticket.status is (TicketStatus.RESOLVED if resolve_on_recovery else TicketStatus.NEW)
    assert [(n.author.role, n.visibility, n.text.split(" — ")[0]) for n in notes] == [
        (SYSTEM.role, Visibility.INTERNAL, "Monitoring: recovered / мониторинг: восстановлено")
    ]


async def test_the_system_writes_internal_notes_only(acme: UnitOfWorkFactory) -> None:
    code = await _unit(acme, False)
    async with acme() as uow:
        opened = await receive_alert(uow, SYSTEM, _alert(code, AlertState.FIRING), NOW)
        await uow.commit()
    assert opened.ticket is not None
    async with acme() as uow:
        with pytest.raises(Forbidden, match="internal notes only"):
            await add_comment(uow, SYSTEM, opened.ticket.id, NOW, "Hello from the machine", Visibility.PUBLIC)
        assert await uow.comments.list_for_ticket(opened.ticket.id, include_internal=True) == []
