"""Editing an engineer's profile: reading each typed field, the admin-only use case, its event and routing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import NOW, SUPERVISOR, engineer
from ticket_core import usecases as uc
from ticket_core.enums import Priority, Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.events import EVENT_TYPES, StaffProfileChanged
from ticket_core.model import Actor, Site
from ticket_core.routing import JobFacts, rank_candidates
from ticket_core.staff_profile import ProfileInvalid, parse_profile, read_phone
from ticket_core.usecases.staff import update_engineer_profile
from ticket_core.working_hours import WeeklyHours

ADMIN = Actor(Role.ADMIN, "a-admin", name="Admin")
CATEGORIES = ("it", "printers", "hvac", "heating")


def test_fields_are_normalised() -> None:
    values = parse_profile(
        {
            "skills": " IT, printers,, it ",
            "level": " 2 ",
            "regions": "mow, spb , MOW",
            "timezone": " Asia/Omsk ",
            "working_hours": "mon-fri 09:00-18:00;  sat 10:00-14:00",
            "max_parallel_jobs": "20",
            "home_lat": "55,7558",
            "home_lon": "37.6173",
            "lang": "EN",
            "phone": "8 (916) 123-45-01",
            "name": "ignored: not a profile field",
        },
        CATEGORIES,
    )
    assert values == {
        "skills": ("it", "printers"),
        "level": 2,
        "regions": ("MOW", "SPB"),
        "timezone": "Asia/Omsk",
        "working_hours": WeeklyHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00"),
        "max_parallel_jobs": 20,
        "home_lat": 55.7558,
        "home_lon": 37.6173,
        "lang": "en",
        "phone": "+79161234501",
    }


def test_empty_optional_fields_clear_them() -> None:
    values = parse_profile({"regions": " ", "working_hours": "", "home_lat": "", "home_lon": "", "phone": ""})
    assert values == {"regions": (), "working_hours": None, "home_lat": None, "home_lon": None, "phone": None}
    assert parse_profile({}) == {}


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("skills", " , ", "at least one skill"),
        ("skills", "it, print ers", "not a category name"),
        ("skills", "it, printrs", "did you mean 'printers'"),
        ("level", "4", "from 1 to 3, not 4"),
        ("level", "two", "whole number from 1 to 3"),
        ("regions", "MOW, Санкт-Петербург", "not a region code"),
        ("timezone", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("timezone", "", "give a time zone"),
        ("timezone", "../../etc/passwd", "unknown time zone"),
        ("working_hours", "mon-fri 09:00", "are not like 09:00-18:00"),
        ("working_hours", "mon-fri 9-18", "time '9' is not HH:MM"),
        ("working_hours", "weekdays 09:00-18:00", "use mon..sun"),
        ("max_parallel_jobs", "0", "from 1 to 20, not 0"),
        ("max_parallel_jobs", "21", "from 1 to 20, not 21"),
        ("lang", "de", "ru or en"),
        ("phone", "call me", "with its country code"),
    ],
)
def test_bad_fields_say_what_to_write(field: str, text: str, message: str) -> None:
    with pytest.raises(ProfileInvalid) as caught:
        parse_profile({field: text}, CATEGORIES)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]


@pytest.mark.parametrize(
    ("lat", "lon", "field", "message"),
    [
        ("91", "37.6", "home_lat", "latitude is from -90 to 90"),
        ("55.7", "-180.5", "home_lon", "longitude is from -180 to 180"),
        ("55.7", "", "home_lon", "give both"),
        ("", "37.6", "home_lat", "give both"),
        ("north", "37.6", "home_lat", "number of degrees"),
        ("nan", "37.6", "home_lat", "latitude is from -90 to 90"),
    ],
)
def test_home_is_both_coordinates_in_range_or_neither(lat: str, lon: str, field: str, message: str) -> None:
    with pytest.raises(ProfileInvalid) as caught:
        parse_profile({"home_lat": lat, "home_lon": lon})
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]


def test_every_bad_field_is_reported_at_once_in_form_order() -> None:
    with pytest.raises(ProfileInvalid) as caught:
        parse_profile({"phone": "x", "level": "9", "timezone": "Nowhere/City", "skills": "it"})
    assert list(caught.value.errors) == ["level", "timezone", "phone"]
    assert str(caught.value).startswith("level: ")


def test_unknown_skills_unlike_any_category_are_new_categories() -> None:
    assert parse_profile({"skills": "it, elevators"}, CATEGORIES)["skills"] == ("it", "elevators")


def test_phone_keeps_an_international_number() -> None:
    assert read_phone("+44 20 7946 0958") == "+442079460958"
    assert read_phone("8 (916) 123-45-01") == "+79161234501"  # a Russian national number
    with pytest.raises(ValueError, match="country code"):
        read_phone("+8 916 123 45 01")  # no country has the code 8: refused, not stored as typed


async def test_admin_changes_a_profile_and_the_event_says_what_changed(uows: MemoryUnitOfWorkFactory) -> None:
    async with uows() as uow:
        update = await update_engineer_profile(
            uow,
            ADMIN,
            "e-near",
            {
                "skills": "it, printers",
                "level": "1",  # unchanged: not in the event
                "regions": "mow",
                "working_hours": "mon-fri 09:00-18:00",
                "timezone": "Europe/Moscow",
            },
            NOW,
            known_skills=CATEGORIES,
        )
        await uow.commit()
    assert update.changes == {
        "skills": {"before": ["it"], "after": ["it", "printers"]},
        "regions": {"before": [], "after": ["MOW"]},
        "working_hours": {"before": None, "after": "mon-fri 09:00-18:00"},
    }
    stored = uows.state.staff["e-near"]
    assert (stored.skills, stored.regions, stored.working_hours) == (
        ("it", "printers"),
        ("MOW",),
        WeeklyHours.parse("mon-fri 09:00-18:00"),
    )
    assert (stored.name, stored.on_shift, stored.home_lat) == ("Near", True, 55.76)  # the rest as it was
    [event] = [e for e in uows.state.events if e["name"] == "staff_profile_changed"]
    assert event["ticket_id"] is None
    assert event["data"] == {"staff_id": "e-near", "changes": update.changes}
    assert event["actor"]["id"] == "a-admin"
    assert EVENT_TYPES["staff_profile_changed"] is StaffProfileChanged


@pytest.mark.parametrize("actor", [SUPERVISOR, engineer("e-near"), Actor.system()])
async def test_only_an_admin_edits_profiles(uows: MemoryUnitOfWorkFactory, actor: Actor) -> None:
    async with uows() as uow:
        with pytest.raises(Forbidden, match="Only an admin"):
            await update_engineer_profile(uow, actor, "e-near", {"level": "3"}, NOW)
        await uow.commit()
    assert uows.state.staff["e-near"].level == 1
    assert uows.state.events == []


async def test_bad_input_changes_nothing(uows: MemoryUnitOfWorkFactory) -> None:
    async with uows() as uow:
        with pytest.raises(ProfileInvalid) as caught:
            await update_engineer_profile(
                uow, ADMIN, "e-near", {"level": "3", "working_hours": "mon 25:00-26:00"}, NOW
            )
        await uow.commit()
    assert caught.value.errors == {"working_hours": "time '25:00' is not a time of day"}
    assert uows.state.staff["e-near"].level == 1  # the good field was not saved either
    assert uows.state.events == []


async def test_unknown_person_non_engineer_and_no_change_are_refused(uows: MemoryUnitOfWorkFactory) -> None:
    async with uows() as uow:
        with pytest.raises(NotFound):
            await update_engineer_profile(uow, ADMIN, "nobody", {"level": "2"}, NOW)
        with pytest.raises(ValidationFailed, match="not an engineer"):
            await update_engineer_profile(uow, ADMIN, "sup", {"level": "2"}, NOW)
        with pytest.raises(ValidationFailed, match="Nothing changed"):
            await update_engineer_profile(uow, ADMIN, "e-near", {"level": "1", "skills": "IT"}, NOW)
        with pytest.raises(ValueError, match="timezone-aware"):
            await update_engineer_profile(uow, ADMIN, "e-near", {"level": "2"}, datetime(2026, 3, 2, 9))  # noqa: DTZ001
    assert uows.state.events == []


async def test_routing_uses_the_saved_regions_and_hours(uows: MemoryUnitOfWorkFactory) -> None:
    """After an admin narrows an engineer to Moscow, a St Petersburg job is not offered to them."""
    uows.state.sites["rom-1"] = Site("rom-1", "romashka", "Shop", "Nevsky 10", 59.935, 30.325, region="SPB")
    job = JobFacts("it", Priority.P3, 59.935, 30.325, region="SPB")

    async def candidates() -> list[str]:
        async with uows() as uow:
            engineers = await uow.directory.list_staff(Role.ENGINEER)
        return [c.engineer_id for c in rank_candidates(job, engineers, {}, None, set(), now=NOW)]

    assert "e-near" in await candidates()
    async with uows() as uow:
        await update_engineer_profile(uow, ADMIN, "e-near", {"regions": "MOW"}, NOW)
        await uow.commit()
    assert "e-near" not in await candidates()
    # Hours on the engineer's own clock: 09:00 UTC is 12:00 in Moscow, 06:00 in this schedule's zone.
    async with uows() as uow:
        await update_engineer_profile(
            uow, ADMIN, "e-far", {"timezone": "America/Sao_Paulo", "working_hours": "daily 08:00-20:00"}, NOW
        )
        await uow.commit()
    assert "e-far" not in await candidates()
    later = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 09:00 in Sao Paulo
    async with uows() as uow:
        engineers = await uow.directory.list_staff(Role.ENGINEER)
    assert "e-far" in [c.engineer_id for c in rank_candidates(job, engineers, {}, None, set(), now=later)]


async def test_offer_ticket_skips_the_engineer_outside_the_new_region(uows: MemoryUnitOfWorkFactory) -> None:
    uows.state.sites["acme-hq"].region = "MOW"
    async with uows() as uow:
        for staff_id in ("e-near", "e-banned"):
            await update_engineer_profile(uow, ADMIN, staff_id, {"regions": "SPB"}, NOW)
        ticket = await uc.open_ticket(
            uow,
            SUPERVISOR,
            uc.TicketDraft(client_id="acme", category="it", description="PC down", site_id="acme-hq"),
            NOW,
        )
        offered = await uc.offer_ticket(uow, SUPERVISOR, ticket.id, NOW)
        await uow.commit()
    assert [c.engineer_id for c in offered] == ["e-far"]
