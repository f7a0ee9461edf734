"""How many statements an alert costs inside its unit of work (`bench alerts`' p95 is made of these round
trips): the unit and its type are one lookup, a repeat of a known fingerprint locks its row at once (no claim),
a recovery reads its ticket once, and the commit writes the events and the API audit entry in one statement
(PostgreSQL)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

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
            await uow.commit()  # what the commit writes counts too
        finally:
            event.remove(bind, "before_cursor_execute", listener)
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
    # the unit with its type, the locked row, the ticket, the row saved; then the commit's event
    assert len(work) == 5 and "FROM equipment_units LEFT OUTER JOIN equipment_types" in work[0]
    assert "INSERT INTO ticket_events" in work[-1]
    recovery = await _statements(
        acme, lambda uow: receive_alert(uow, API, _alert(code, AlertState.RESOLVED), NOW)
    )
    assert sum("equipment_types" in s for s in recovery) == 1  # with the unit
    # add_comment and the comment's notification read the ticket again: this transaction's copy is used
    assert sum(s.startswith("SELECT tickets.") for s in recovery) == 1
    assert sum("INSERT INTO ticket_events" in s for s in recovery) == 1  # both of its events, one statement


async def test_the_events_and_the_api_audit_entry_are_one_statement_on_postgresql(
    acme: UnitOfWorkFactory, db_url: str
) -> None:
    async def change(uow: SqlUnitOfWork) -> None:
        await eq.save_type(uow, SYSTEM, EquipmentType("srv", "Сервер", "Server", "it"), NOW)
        await eq.save_type(uow, SYSTEM, EquipmentType("ups", "ИБП", "UPS", "it"), NOW)
        await uow.api_audit.add(NOW, "prometheus", "POST", "/api/alerts", "alert.opened", "HD-1001")

    sent = await _statements(acme, change)
    logs = [s for s in sent if "INSERT INTO ticket_events" in s or "INSERT INTO api_audit" in s]
    postgres = db_url.startswith("postgresql")
    assert len(logs) == (1 if postgres else 2)
    async with acme() as uow:
        audit = await uow.api_audit.list()
        events = await uow.events.list_between(["equipment_type_saved"], NOW, NOW + timedelta(1))
    assert [(a.token_name, a.action, a.target) for a in audit] == [("prometheus", "alert.opened", "HD-1001")]
    assert [e["data"]["type_id"] for e in events] == ["srv", "ups"]  # in the order recorded


async def test_the_commits_log_statement_is_compiled_once_per_shape(acme: UnitOfWorkFactory) -> None:
    """SQLAlchemy gave the multi-row INSERT (and its CTE) no cache key, so every commit compiled it again."""
    compiled: list[str] = []

    def listener(
        _conn: object, _cursor: object, statement: str, _p: object, context: object, _m: bool
    ) -> None:
        if "INSERT INTO ticket_events" in statement:
            compiled.append(getattr(getattr(context, "cache_hit", None), "name", "?"))

    for type_id in ("srv", "ups", "pdu"):  # three commits of one shape: an event and an audit entry
        async with acme() as uow:
            bind = uow.session.get_bind()
            event.listen(bind, "before_cursor_execute", listener)
            try:
                await eq.save_type(uow, SYSTEM, EquipmentType(type_id, "Сервер", "Server", "it"), NOW)
                await uow.api_audit.add(NOW, "prometheus", "POST", "/api/alerts", "alert.opened", type_id)
                await uow.commit()
            finally:
                event.remove(bind, "before_cursor_execute", listener)
    assert len(compiled) == 3
    assert compiled[1:] == ["CACHE_HIT", "CACHE_HIT"], compiled
