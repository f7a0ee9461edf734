"""Contract tests of the directory, account, comment and event-log ports and the unit of work: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import PersonKind, Role, Visibility
from ticket_core.events import CommentAdded, TicketOpened
from ticket_core.model import Actor, Attachment, ChannelAccount, Comment, Contract, StaffMember
from ticket_core.working_hours import WeeklyHours

SUPERVISOR = Actor(Role.SUPERVISOR, "sup", name="Sveta")


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """These are contracts of ticket_core's ports: they hold for the memory unit of work as for SQL."""
    return port_uows


async def test_clients_contacts_sites(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client("acme"))
        await uow.directory.add_client(seed.client("beta"))
        await uow.directory.add_contact(seed.contact("c-2", "acme", phone="+7002"))
        await uow.directory.add_contact(replace(seed.contact("c-1", "acme", phone="+7001"), name="Boris"))
        await uow.directory.add_contact(seed.contact("c-3", "beta", phone=None))
        await uow.directory.add_site(replace(seed.site("s-2"), name="Warehouse"))
        await uow.directory.add_site(replace(seed.site("s-1"), name="Office"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.directory.get_client("acme") == seed.client("acme")
        assert await uow.directory.get_client("nope") is None
        assert await uow.directory.get_contact("c-2") == seed.contact("c-2", "acme", phone="+7002")
        assert await uow.directory.get_contact("nope") is None
        found = await uow.directory.find_contact_by_phone("+7001")
        assert found is not None and found.id == "c-1"
        assert await uow.directory.find_contact_by_phone("+7999") is None
        assert await uow.directory.find_contact_by_email("nobody@acme.test") is None
        assert [c.id for c in await uow.directory.list_contacts("acme")] == ["c-2", "c-1"]  # Anna, Boris
        assert {c.id for c in await uow.directory.list_contacts()} == {"c-1", "c-2", "c-3"}
        assert [s.name for s in await uow.directory.list_sites("acme")] == ["Office", "Warehouse"]
        assert await uow.directory.get_site("s-1") == replace(seed.site("s-1"), name="Office")
        assert await uow.directory.list_sites("beta") == []
        many = await uow.directory.get_clients(["beta", "nope", "acme", "beta"])
        assert many == {"acme": seed.client("acme"), "beta": seed.client("beta")}
        assert await uow.directory.get_clients([]) == {}


async def test_update_contact(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.directory.add_contact(seed.contact())
        await uow.commit()
    changed = replace(seed.contact(), name="Anna K.", phone="+7555", lang="en")
    async with uow_factory() as uow:
        await uow.directory.update_contact(changed)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.directory.get_contact("c-anna") == changed


async def test_contacts_are_found_by_mail_address_in_any_case(
    uow_factory: UnitOfWorkFactory, seed: Seed
) -> None:
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.directory.add_contact(replace(seed.contact(), email="Anna@Acme.TEST"))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.directory.find_contact_by_email("ANNA@acme.test")
        assert (
            found is not None and found.id == "c-anna" and found.email == "anna@acme.test"
        )  # kept lower-cased
        assert await uow.directory.find_contact_by_email("boris@acme.test") is None
        await uow.accounts.link(
            ChannelAccount(
                "email", "client", "anna@acme.test", PersonKind.CONTACT, "c-anna", "anna@acme.test"
            )
        )
        await uow.commit()
    async with uow_factory() as uow:
        _, linked = await uow.accounts.find_with_contact("email", "client", "anna@acme.test")
        assert linked is not None and linked.email == "anna@acme.test"


async def test_contact_of_unknown_client_is_refused(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.directory.add_contact(seed.contact(client_id="ghost"))


async def test_contracts_only_active(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    old = Contract("k0", "acme", "Old", ("it",), active=False)
    current = Contract("k1", "acme", "Full", ("it", "hvac"), ("e1",), ("e9", "e8"))
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.directory.add_client(seed.client("beta"))
        await uow.directory.add_contract(old)
        await uow.directory.add_contract(current)
        await uow.directory.add_contract(replace(old, id="k2", client_id="beta"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.directory.get_contract("acme") == current
        assert await uow.directory.get_contract("beta") is None
        assert await uow.directory.get_contract("nobody") is None


async def test_staff(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    engineer = seed.engineer(
        "e-near",
        skills=("it", "hvac"),
        home_lat=55.7,
        home_lon=37.6,
        level=3,
        max_parallel_jobs=5,
        on_shift=False,
        lang="en",
        phone="+7100",
        join_code="JOIN-1",
    )
    supervisor = StaffMember("sup", "Sveta", Role.SUPERVISOR)
    async with uow_factory() as uow:
        await uow.directory.add_staff(supervisor)
        await uow.directory.add_staff(engineer)
        await uow.directory.add_staff(seed.engineer("e-far"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.directory.get_staff("e-near") == engineer
        assert await uow.directory.get_staff("nope") is None
        assert [m.id for m in await uow.directory.list_staff()] == ["e-far", "e-near", "sup"]
        assert [m.id for m in await uow.directory.list_staff(Role.ENGINEER)] == ["e-far", "e-near"]
        assert await uow.directory.list_staff(Role.SUPERVISOR) == [supervisor]
        assert await uow.directory.find_staff_by_join_code("JOIN-1") == engineer
        assert await uow.directory.find_staff_by_join_code("JOIN-2") is None
        assert await uow.directory.find_staff_by_join_code("") is None


async def test_update_staff_profile_saves_the_profile_fields_only(
    uow_factory: UnitOfWorkFactory, seed: Seed
) -> None:
    engineer = seed.engineer("e1", skills=("it",), join_code="JOIN-1", on_shift=False)
    async with uow_factory() as uow:
        await uow.directory.add_staff(engineer)
        await uow.directory.add_staff(seed.engineer("e2", skills=("it",)))
        await uow.commit()
    changed = replace(
        engineer,
        name="Not saved",
        on_shift=True,
        join_code="NOT-SAVED",
        skills=("hvac", "it"),
        level=3,
        regions=("MOW", "SPB"),
        timezone="Asia/Omsk",
        working_hours=WeeklyHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00"),
        max_parallel_jobs=7,
        home_lat=55.75,
        home_lon=37.62,
        lang="en",
        phone="+79161234501",
    )
    async with uow_factory() as uow:
        await uow.directory.update_staff_profile(changed)
        await uow.commit()
    async with uow_factory() as uow:
        saved = await uow.directory.get_staff("e1")
        assert saved == replace(changed, name=engineer.name, on_shift=False, join_code="JOIN-1")
        assert await uow.directory.get_staff("e2") == seed.engineer("e2", skills=("it",))
        await uow.directory.update_staff_profile(replace(changed, regions=(), working_hours=None, phone=None))
        await uow.commit()
    async with uow_factory() as uow:
        cleared = await uow.directory.get_staff("e1")
        assert cleared is not None
        assert (cleared.regions, cleared.working_hours, cleared.phone) == ((), None, None)


async def test_join_code_is_unique(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        await uow.directory.add_staff(seed.engineer("e1", join_code="SAME"))
        with pytest.raises(IntegrityError):
            await uow.directory.add_staff(seed.engineer("e2", join_code="SAME"))


async def test_accounts_link_find_replace_list(uow_factory: UnitOfWorkFactory) -> None:
    anna = ChannelAccount("telegram", "client", "111", PersonKind.CONTACT, "c-anna", "111")
    async with uow_factory() as uow:
        await uow.accounts.link(anna)
        await uow.accounts.link(
            ChannelAccount("whatsapp", "client", "7900", PersonKind.CONTACT, "c-anna", "7900")
        )
        await uow.accounts.link(ChannelAccount("telegram", "staff", "111", PersonKind.STAFF, "e1", "-100"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.find("telegram", "client", "111") == anna
        assert await uow.accounts.find("telegram", "client", "999") is None
        staff_link = await uow.accounts.find("telegram", "staff", "111")
        assert staff_link is not None and staff_link.person_kind is PersonKind.STAFF
        # linking the same (channel, bot, account) again replaces the link instead of failing
        moved = replace(anna, person_id="c-boris", chat_id="222")
        await uow.accounts.link(moved)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.find("telegram", "client", "111") == moved
        assert [a.channel for a in await uow.accounts.list_for_person("c-anna")] == ["whatsapp"]
        assert await uow.accounts.list_for_person("c-boris", bot="client") == [moved]
        assert await uow.accounts.list_for_person("c-boris", bot="staff") == []


async def test_a_muted_account_stays_muted_when_linked_again(uow_factory: UnitOfWorkFactory) -> None:
    mail = ChannelAccount("email", "client", "anna@acme.test", PersonKind.CONTACT, "c-anna", "anna@acme.test")
    async with uow_factory() as uow:
        await uow.accounts.link(mail)
        await uow.accounts.set_muted("email", "client", "anna@acme.test", True)
        await uow.accounts.set_muted("email", "client", "nobody@acme.test", True)  # no such account: nothing
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.find("email", "client", "anna@acme.test") == replace(mail, muted=True)
        assert await uow.accounts.find("email", "client", "nobody@acme.test") is None
        await uow.accounts.link(mail)  # she writes again: the link is renewed, the choice kept
        await uow.commit()
    async with uow_factory() as uow:
        assert [a.muted for a in await uow.accounts.list_for_person("c-anna")] == [True]
        await uow.accounts.set_muted("email", "client", "anna@acme.test", False)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.find("email", "client", "anna@acme.test") == mail


async def _ticket(factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.tickets.add(seed.ticket(1001))
        await uow.commit()


async def test_comments(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _ticket(uow_factory, seed)
    public = Comment(
        "cm-1",
        "t-1001",
        Actor(Role.CLIENT, "c-anna", "acme", "Anna"),
        "still broken",
        Visibility.PUBLIC,
        NOW,
        (Attachment("photo", "f-9", "telegram", "see"),),
    )
    internal = Comment(
        "cm-2", "t-1001", SUPERVISOR, "call them", Visibility.INTERNAL, NOW + timedelta(minutes=1)
    )
    async with uow_factory() as uow:
        await uow.comments.add(internal)
        await uow.comments.add(public)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.comments.list_for_ticket("t-1001", include_internal=True) == [public, internal]
        assert await uow.comments.list_for_ticket("t-1001", include_internal=False) == [public]
        assert await uow.comments.list_for_ticket("t-other", include_internal=True) == []


def _opened(number: int = 1001) -> TicketOpened:
    return TicketOpened(
        ticket_id="t-1001", actor=SUPERVISOR, at=NOW, number=number, category="it", priority="P2"
    )


async def test_events_appended_on_commit_in_order(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _ticket(uow_factory, seed)
    comment = CommentAdded(
        ticket_id="t-1001",
        actor=SUPERVISOR,
        at=NOW + timedelta(minutes=1),
        comment_id="cm",
        visibility="internal",
        text="x",
    )
    async with uow_factory() as uow:
        uow.record(_opened())
        uow.record(comment)
        assert await uow.events.list_for_ticket("t-1001") == []  # nothing written before commit
        await uow.commit()
        assert uow.collected == [_opened(), comment]
        await uow.commit()  # a second commit must not write the same events again
    async with uow_factory() as uow:
        events = await uow.events.list_for_ticket("t-1001")
    assert [e["name"] for e in events] == ["ticket_opened", "comment_added"]
    assert events[0]["actor"] == {"role": "supervisor", "id": "sup", "client_id": None, "name": "Sveta"}
    assert events[0]["at"] == NOW
    assert events[0]["data"] == {"number": 1001, "category": "it", "priority": "P2"}
    assert events[1]["data"] == {"comment_id": "cm", "visibility": "internal", "text": "x"}


async def test_events_gone_on_rollback(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _ticket(uow_factory, seed)
    async with uow_factory() as uow:
        uow.record(_opened())
        await uow.rollback()
    async with uow_factory() as uow:
        uow.record(_opened())
        # leaving without commit
    async with uow_factory() as uow:
        assert await uow.events.list_for_ticket("t-1001") == []


async def test_events_of_a_later_commit_only_add_new_ones(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _ticket(uow_factory, seed)
    async with uow_factory() as uow:
        uow.record(_opened(1))
        await uow.commit()
        uow.record(_opened(2))
        await uow.commit()
        assert len(uow.collected) == 2
    async with uow_factory() as uow:
        assert [e["data"]["number"] for e in await uow.events.list_for_ticket("t-1001")] == [1, 2]


async def test_direct_append_and_event_without_ticket(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.events.append(replace(_opened(), ticket_id=None))
        await uow.events.append(_opened())
        await uow.commit()
    async with uow_factory() as uow:
        assert len(await uow.events.list_for_ticket("t-1001")) == 1


async def test_account_with_its_contact_in_one_read(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    anna = ChannelAccount("telegram", "client", "111", PersonKind.CONTACT, "c-1", "111")
    orphan = ChannelAccount("telegram", "client", "222", PersonKind.CONTACT, "c-gone", "222")
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client("acme"))
        await uow.directory.add_contact(seed.contact("c-1", "acme", phone="+7001"))
        await uow.accounts.link(anna)
        await uow.accounts.link(orphan)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.find_with_contact("telegram", "client", "111") == (
            anna,
            await uow.directory.get_contact("c-1"),
        )
        # the same answers as find + get_contact: an account whose contact is gone, and no account at all
        assert await uow.accounts.find_with_contact("telegram", "client", "222") == (orphan, None)
        assert await uow.accounts.find_with_contact("telegram", "client", "999") == (None, None)
        assert await uow.accounts.find_with_contact("telegram", "staff", "111") == (None, None)
