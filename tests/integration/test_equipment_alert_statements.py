"""How many statements an alert costs inside its unit of work (`bench alerts`' p95 is made of these round
trips): a repeat of a known fingerprint locks its row at once (no claim), and a recovery reads the unit's type
once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import event

from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from tests.integration.conftest import NOW
from ticket_core.enums import Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.alert_usecases import receive_alert
from ticket_core.equipment.alerts import Alert, AlertState
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

SYSTEM = Actor.system()
API = Actor(Role.SUPERVISOR, "api-prometheus", name="API prometheus")  # what an alerts token acts as


async def _statements(
    factory: UnitOfWorkFactory, work: Callable[[SqlUnitOfWork], Awaitable[object]]
) -> list[str]:
    async with factory() as uow:
        bind = uow.session.get_bind()
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            await work(uow)
        finally:
            event.remove(bind, "before_cursor_execute", listener)
        await uow.commit()
    return sent


def _alert(code: str, state: AlertState) -> Alert:
    return Alert(fingerprint="fp-1", state=state, severity="critical", summary="Down", unit=code)


async def test_a_repeat_locks_its_row_at_once_and_a_recovery_reads_the_type_once(
    acme: UnitOfWorkFactory,
) -> None:
    async with acme() as uow:
        await eq.save_type(uow, SYSTEM, EquipmentType("srv", "Сервер", "Server", "it"), NOW)
        await eq.import_units(uow, SYSTEM, "site,type,name\nhq,srv,Server 1\n", NOW)
        await uow.commit()
    async with acme() as uow:
        code = (await uow.equipment.find(UnitFilter()))[0].code
    first = await _statements(acme, lambda uow: receive_alert(uow, API, _alert(code, AlertState.FIRING), NOW))
    assert sum("INSERT INTO alert_threads" in s for s in first) == 1
    repeat = await _statements(
        acme, lambda uow: receive_alert(uow, API, _alert(code, AlertState.FIRING), NOW)
    )
    assert not any("INSERT INTO alert_threads" in s for s in repeat)  # its row is there: no claim
    assert sum("FROM alert_threads" in s for s in repeat) == 1
    work = [s for s in repeat if s.split()[0] in ("SELECT", "INSERT", "UPDATE")]
    assert len(work) == 5  # the unit by its code, its type, the locked row, the ticket, the row saved
    recovery = await _statements(
        acme, lambda uow: receive_alert(uow, API, _alert(code, AlertState.RESOLVED), NOW)
    )
    assert sum("FROM equipment_types" in s for s in recovery) == 1
