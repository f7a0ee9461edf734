"""Contacts over the REST API (SQLite and PostgreSQL): a client's contacts with their mail address, and setting
the address, the portal manager flag and the own site with `directory:write`, through the admin's use case
(same checks, `contact_changed` in the audit log, an API audit entry). A mail from the new address then is
that contact's, and a sign-in link can be asked for with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.api_tables import api_audit
from tests.integration.test_api_http import Api, running_api


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    """A running app on SQLite and on PostgreSQL, with the demo company."""
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


async def test_an_integration_sets_a_contacts_mail_and_portal_scope(api: Api) -> None:
    reader = await api.token("crm-read", "directory:read")
    writer = await api.token("crm", "directory:write")
    status, listed, _ = await api.call("GET", "/api/clients/romashka/contacts", reader)
    assert status == 200
    ivan = next(c for c in listed["items"] if c["id"] == "romashka-ivan")
    assert ivan["email"] is None and ivan["manager"] is False and ivan["site_id"] is None
    assert (await api.call("GET", "/api/clients/nobody/contacts", reader))[0] == 404

    # Reading is not writing.
    status, _, _ = await api.call(
        "PATCH", "/api/contacts/romashka-ivan", reader, {"email": "ivan@romashka.test"}
    )
    assert status == 403

    status, changed, _ = await api.call(
        "PATCH",
        "/api/contacts/romashka-ivan",
        writer,
        {"email": " Ivan@Romashka.TEST ", "site_id": "rom-nevsky"},
    )
    assert status == 200, changed
    assert (changed["email"], changed["manager"], changed["site_id"]) == (
        "ivan@romashka.test",
        False,
        "rom-nevsky",
    )
    # A field left out stays; null removes the address.
    status, changed, _ = await api.call("PATCH", "/api/contacts/romashka-ivan", writer, {"manager": True})
    assert status == 200 and changed["email"] == "ivan@romashka.test" and changed["manager"] is True
    async with api.rt.uows() as uow:
        assert (await uow.directory.find_contact_by_email("IVAN@romashka.test")).id == "romashka-ivan"  # type: ignore[union-attr]
        now = datetime.now(UTC)
        events = await uow.events.list_between(["contact_changed"], now - timedelta(minutes=5), now)
    assert [e["data"]["changes"] for e in events] == [
        {
            "email": {"before": None, "after": "ivan@romashka.test"},
            "site_id": {"before": None, "after": "rom-nevsky"},
        },
        {"manager": {"before": False, "after": True}},
    ]
    assert [e["actor"]["id"] for e in events] == ["api:crm", "api:crm"]
    actions = await _audit(api)
    assert actions == [("contact.update", "romashka-ivan"), ("contact.update", "romashka-ivan")]

    status, changed, _ = await api.call("PATCH", "/api/contacts/romashka-ivan", writer, {"email": None})
    assert status == 200 and changed["email"] is None


async def test_bad_contact_changes_are_refused_and_change_nothing(api: Api) -> None:
    writer = await api.token("crm", "directory:write")
    await api.call("PATCH", "/api/contacts/acme-anna", writer, {"email": "anna@acme.test"})
    cases = [
        ({"email": "not an address"}, 422, None),
        ({"email": "anna@acme.test"}, 422, None),  # Anna's already
        ({"site_id": "acme-office"}, 422, None),  # another client's site
        ({"manager": "yes"}, 422, "manager"),
        ({"phone": "+7"}, 422, "phone"),  # not writable here
    ]
    for body, expected, field in cases:
        status, error, _ = await api.call("PATCH", "/api/contacts/romashka-ivan", writer, body)
        assert status == expected, (body, error)
        if field is not None:
            assert error["error"]["field"] == field, error
    assert (await api.call("PATCH", "/api/contacts/nobody", writer, {"manager": True}))[0] == 404
    async with api.rt.uows() as uow:
        ivan = await uow.directory.get_contact("romashka-ivan")
    assert ivan is not None and (ivan.email, ivan.manager, ivan.site_id) == (None, False, None)


async def _audit(api: Api) -> list[tuple[str, str]]:
    async with api.rt.sessions() as session:
        rows = await session.execute(
            select(api_audit.c.action, api_audit.c.target).where(api_audit.c.action == "contact.update")
        )
        return [(str(a), str(t)) for a, t in rows]
