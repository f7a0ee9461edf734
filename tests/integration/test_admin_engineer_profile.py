"""Editing an engineer's profile in the web admin over HTTP, on SQLite and PostgreSQL.

Admins edit, supervisors read, engineers get 403; a bad field re-renders the form with its message and
changes nothing; a saved profile is audited twice (domain event and admin audit) and routing uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from storage.admin_tables import admin_audit
from storage.tables import staff, ticket_events
from tests.integration import test_admin_http
from tests.integration.test_admin_http import ADMIN, ENGINEER, SUPERVISOR, Admin, signed_in
from ticket_core import usecases as uc
from ticket_core.enums import Priority, Role
from ticket_core.model import Actor
from ticket_core.routing import Strategy

admin = test_admin_http.admin  # the app with the demo company, as in the other admin HTTP tests

PAGE = f"/admin/engineers/{ENGINEER}"
GOOD_FORM = {
    "skills": "IT, printers, other",
    "level": "3",
    "regions": "mow, mos",
    "timezone": "Asia/Yekaterinburg",
    "working_hours": "mon-fri 09:00-18:00; sat 10:00-14:00",
    "max_parallel_jobs": "6",
    "home_lat": "55.7558",
    "home_lon": "37.6173",
    "lang": "en",
    "phone": "+7 (916) 123-45-01",
}
MONDAY_0600_UTC = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 11:00 in Yekaterinburg, in office hours


async def _row(admin: Admin, staff_id: str = ENGINEER) -> dict[str, Any]:
    async with admin.rt.sessions() as session:
        found = (await session.execute(select(staff).where(staff.c.id == staff_id))).mappings().one()
    return dict(found)


async def _count(admin: Admin, query: Any) -> int:
    return int(await admin.scalar(query) or 0)


def _profile_events() -> Any:
    return (
        select(func.count()).select_from(ticket_events).where(ticket_events.c.name == "staff_profile_changed")
    )


def _profile_audits() -> Any:
    return select(func.count()).where(admin_audit.c.action == "staff.profile")


async def test_admin_edits_supervisor_reads_engineer_gets_403(admin: Admin) -> None:
    before = await _row(admin)
    await signed_in(admin, ADMIN)
    form = await admin.page(PAGE)
    assert 'id="profile-form"' in form and "Save profile" in form
    assert 'name="working_hours"' in form and 'list="zones"' in form and "Asia/Yekaterinburg" in form
    assert "<code>printers</code>" in form and "<code>plumbing</code>" in form  # known categories suggested
    assert "<code>SPB</code>" in form  # the sites' regions
    assert 'value="it, printers, other"' in form

    admin.client.session.cookie_jar.clear()
    await signed_in(admin, SUPERVISOR)
    view = await admin.page(PAGE)
    assert 'id="profile"' in view and "profile-form" not in view and "Save profile" not in view
    assert "Профили меняет только администратор" in view  # the supervisor reads Russian
    # The home as a place on a map, not bare numbers (#18 replay): the nearest town, its numbers beside it.
    osm = "https://www.openstreetmap.org/?mlat=55.75000&amp;mlon=37.62000#map=15/55.75000/37.62000"
    home = f'<a class="map" href="{osm}" title="55.7500, 37.6200" target="_blank" rel="noopener">Москва</a>'
    assert f'{home} <span class="muted">55.7500, 37.6200</span>' in view, view
    refused = await admin.post(PAGE, GOOD_FORM)
    assert refused.status == 403 and "Нет доступа" in await refused.text()
    listing = await admin.page("/admin/engineers")
    assert f'href="{PAGE}">Профиль</a>' in listing and "Изменить</a>" not in listing
    # Skills and regions by name in the reader's language (#18 replay: "it, printers, other", "MOW, MOS, SPB")
    smirnov = listing.split(f"/admin/tickets?engineer={ENGINEER}")[1].split("</tr>")[0]
    assert "Компьютеры и сеть, Принтеры и МФУ, Другое" in smirnov, smirnov
    assert "Москва (MOW), Московская область (MOS), Санкт-Петербург (SPB)" in smirnov, smirnov
    assert home in smirnov, smirnov

    admin.client.session.cookie_jar.clear()
    await signed_in(admin, ENGINEER)
    assert (await admin.client.get(PAGE, allow_redirects=False)).status == 403
    csrf = admin.session_csrf or await admin.csrf()
    assert (await admin.post(PAGE, GOOD_FORM, token=csrf)).status == 403
    assert await _row(admin) == before
    assert await _count(admin, _profile_events()) == 0
    assert await _count(admin, _profile_audits()) == 0


async def test_without_the_csrf_token_nothing_changes(admin: Admin) -> None:
    before = await _row(admin)
    await signed_in(admin, ADMIN)
    for token in (None, "forged-token"):
        response = await admin.post(PAGE, GOOD_FORM, token=token)
        assert response.status == 403 and "CSRF" in await response.text()
    assert await _row(admin) == before
    assert await _count(admin, _profile_events()) == 0


async def test_invalid_input_shows_messages_by_the_fields_and_changes_nothing(admin: Admin) -> None:
    before = await _row(admin)
    await signed_in(admin, ADMIN)
    bad = {
        **GOOD_FORM,
        "working_hours": "mon-fri 09:00-18:00; sat 10-14",
        "timezone": "Europe/Atlantis",
        "max_parallel_jobs": "50",
        "home_lat": "95",
        "skills": "it, printrs",
    }
    response = await admin.post(PAGE, bad)
    text = await response.text()
    assert response.status == 422
    assert "Nothing was saved" in text
    assert "time &#39;10&#39; is not HH:MM" in text.split('id="error-working_hours"')[1].split("</span>")[0]
    assert "unknown time zone" in text.split('id="error-timezone"')[1].split("</span>")[0]
    assert "from 1 to 20, not 50" in text.split('id="error-max_parallel_jobs"')[1].split("</span>")[0]
    assert "latitude is from -90 to 90" in text.split('id="error-home_lat"')[1].split("</span>")[0]
    assert "did you mean &#39;printers&#39;" in text.split('id="error-skills"')[1].split("</span>")[0]
    assert 'id="error-level"' not in text and 'id="error-phone"' not in text
    assert 'value="mon-fri 09:00-18:00; sat 10-14"' in text  # what was typed is shown again
    assert await _row(admin) == before
    assert await _count(admin, _profile_events()) == 0
    assert await _count(admin, _profile_audits()) == 0
    unchanged = await admin.post(PAGE, {"level": "2", "skills": "it, printers, other"})
    assert unchanged.status == 422 and "Nothing changed" in await unchanged.text()
    assert (await admin.post("/admin/engineers/nobody", GOOD_FORM)).status == 404
    not_engineer = await admin.post(f"/admin/engineers/{SUPERVISOR}", GOOD_FORM)
    assert not_engineer.status == 404 and "No engineer" in await not_engineer.text()


async def test_a_saved_profile_is_audited_listed_and_used_by_routing(admin: Admin) -> None:
    await signed_in(admin, ADMIN)
    admin.ctx.clock = lambda: MONDAY_0600_UTC
    spb_job = await _route_printers_job_in_spb(admin)
    assert ENGINEER in spb_job  # covers MOW, MOS and SPB before the change

    response = await admin.post(PAGE, GOOD_FORM)
    assert response.status == 303 and response.headers["Location"] == f"{PAGE}?done=profile"
    row = await _row(admin)
    assert (row["skills"], row["level"], row["regions"], row["timezone"]) == (
        ["it", "printers", "other"],
        3,
        ["MOW", "MOS"],
        "Asia/Yekaterinburg",
    )
    assert (row["working_hours"], row["max_parallel_jobs"], row["lang"], row["phone"]) == (
        "mon-fri 09:00-18:00; sat 10:00-14:00",
        6,
        "en",
        "+79161234501",
    )
    assert (row["home_lat"], row["home_lon"]) == (55.7558, 37.6173)
    assert row["name"] == "Алексей Смирнов" and row["join_code"] == "SMIRNOV-2026"

    async with admin.rt.sessions() as session:
        event = (
            (
                await session.execute(
                    select(ticket_events).where(ticket_events.c.name == "staff_profile_changed")
                )
            )
            .mappings()
            .one()
        )
        audit = (
            (await session.execute(select(admin_audit).where(admin_audit.c.action == "staff.profile")))
            .mappings()
            .one()
        )
    assert event["ticket_id"] is None and event["actor"]["id"] == ADMIN
    changes = event["data"]["changes"]
    assert event["data"]["staff_id"] == ENGINEER
    assert changes["regions"] == {"before": ["MOW", "MOS", "SPB"], "after": ["MOW", "MOS"]}
    assert changes["level"] == {"before": 2, "after": 3}
    assert changes["working_hours"] == {"before": None, "after": "mon-fri 09:00-18:00; sat 10:00-14:00"}
    assert "skills" not in changes  # "IT, printers, other" normalises to what was stored
    assert audit["staff_id"] == ADMIN and audit["target"] == ENGINEER
    assert audit["detail"] == {"changes": changes}

    saved = await admin.page(f"{PAGE}?done=profile")
    assert "Profile saved" in saved and "Mon–Fri 09:00–18:00; Sat 10:00–14:00" in saved
    place = saved.split('id="home-place"')[1].split("</p>")[0]  # the saved home, on a map, in English
    assert (
        "?mlat=55.75580&amp;mlon=37.61730" in place and ">Moscow</a>" in place and "55.7558, 37.6173" in place
    )
    listing = await admin.page("/admin/engineers")
    smirnov = listing.split(f"/admin/tickets?engineer={ENGINEER}")[1].split("</tr>")[0]
    assert (
        "Moscow (MOW), Moscow Oblast (MOS)<" in smirnov and "Mon–Fri 09:00–18:00; Sat 10:00–14:00" in smirnov
    )
    assert "in hours now" in smirnov and "Mon 11:00, Yekaterinburg, UTC+5" in smirnov
    admin.ctx.clock = lambda: datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 19:00 in Yekaterinburg
    later = (await admin.page("/admin/engineers")).split(f"/admin/tickets?engineer={ENGINEER}")[1]
    assert "off hours now" in later.split("</tr>")[0]

    # Routing reads the saved profile: no SPB job any more, and none outside the new hours either.
    assert ENGINEER not in await _route_printers_job_in_spb(admin)
    assert ENGINEER in await _route_printers_job(admin, "acme-office", MONDAY_0600_UTC)
    assert ENGINEER not in await _route_printers_job(
        admin, "acme-office", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    )


async def _route_printers_job(admin: Admin, site_id: str, now: datetime) -> list[str]:
    """Open a P3 printers job at a site and offer it to every suitable engineer; return who got it."""
    client_id = "romashka" if site_id.startswith("rom-") else "acme"
    async with admin.rt.uows() as uow:
        ticket = await uc.open_ticket(
            uow,
            Actor(Role.SUPERVISOR, SUPERVISOR),
            uc.TicketDraft(
                client_id=client_id,
                category="printers",
                description="Printer jams",
                priority=Priority.P3,
                site_id=site_id,
            ),
            now,
        )
        chosen = await uc.offer_ticket(
            uow, Actor.system(), ticket.id, now, strategy=Strategy.BROADCAST, broadcast_size=20
        )
        await uow.commit()
    return [c.engineer_id for c in chosen]


async def _route_printers_job_in_spb(admin: Admin) -> list[str]:
    return await _route_printers_job(admin, "rom-nevsky", MONDAY_0600_UTC)
