"""A unit of work reads reference data once (#19's alert latency): a new ticket read its site five times and its
contract three, each a round trip. What the unit read is answered as a copy, and a change the unit writes
through the directory is seen by its next read. A ticket read twice is two copies that share nothing."""

from __future__ import annotations

import dataclasses
import typing

from sqlalchemy import event

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.model import Actor, Attachment, Ticket
from ticket_core.usecases.opening import TicketDraft, open_ticket


async def test_a_site_client_and_contract_are_read_once_per_unit_and_answered_as_copies(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        bind = uow.session.get_bind()
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            first = await uow.directory.get_site("hq")
            second = await uow.directory.get_site("hq")
            assert first is not None and second is not None and first == second
            first.name = "changed by a caller, not saved"
            again = await uow.directory.get_site("hq")
            assert again is not None and again.name == second.name  # a caller's change does not leak
            for _ in range(3):
                assert await uow.directory.get_client("acme") is not None
                assert await uow.directory.get_contract("acme") is None
                assert await uow.directory.get_site("nowhere") is None
        finally:
            event.remove(bind, "before_cursor_execute", listener)
        assert sum("FROM sites" in s for s in sent) == 2  # hq, nowhere
        assert sum("FROM clients" in s for s in sent) == 1
        assert sum("FROM contracts" in s for s in sent) == 1
        await uow.directory.add_site(seed.site("nowhere"))  # the unit's own change is seen by its next read
        assert await uow.directory.get_site("nowhere") is not None


async def test_opening_a_ticket_reads_its_site_and_client_once(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        bind = uow.session.get_bind()
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            draft = TicketDraft(client_id="acme", category="hvac", description="Leak", site_id="hq")
            await open_ticket(uow, Actor.system(), draft, NOW)
            await uow.directory.get_site("hq")  # as routing, the SLA clock and the offer card do after it
            await uow.directory.get_client("acme")
        finally:
            event.remove(bind, "before_cursor_execute", listener)
    assert sum("FROM sites" in s for s in sent) == 1
    assert sum("FROM clients" in s for s in sent) == 1


async def test_a_ticket_read_twice_is_two_copies_that_share_nothing(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001, attachments=[Attachment("photo", "f-1", "telegram")]))
        first = await uow.tickets.get("t-1001")
        assert first is not None
        first.attachments.append(Attachment("photo", "f-2", "telegram"))
        first.description = "changed, not saved"
        second = await uow.tickets.get("t-1001")
        assert second is not None
        assert [a.file_id for a in second.attachments] == ["f-1"] and second.description != first.description


def test_a_tickets_only_mutable_field_is_its_attachments_list() -> None:
    # storage.repositories.tickets._copy copies the list and shares every other field: a new mutable field
    # (a list, dict or set) must be copied there too, or callers' unsaved changes would leak between reads.
    hints = typing.get_type_hints(Ticket)
    mutable = {
        f.name
        for f in dataclasses.fields(Ticket)
        if typing.get_origin(hints[f.name]) in (list, dict, set) or hints[f.name] in (list, dict, set)
    }
    assert mutable == {"attachments"}
