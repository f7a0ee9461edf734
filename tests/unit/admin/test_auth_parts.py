"""Web admin building blocks without a server: password hashing, sessions, the role table, safe redirects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.admin.access import GRANTS, Area, may, require
from helpdesk.admin.passwords import (
    PasswordError,
    check_new_password,
    hash_password,
    verify_password,
)
from helpdesk.admin.sessions import SessionPolicy, hash_token, is_live, new_token, same_token
from helpdesk.admin.views_auth import safe_next
from helpdesk.settings import Settings
from storage.admin_store import SessionRecord
from ticket_core.enums import Role
from ticket_core.errors import Forbidden
from ticket_core.model import Actor

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST = {"n": 2**10}  # a cheap cost keeps these tests quick; the format is the same


def test_hash_verifies_only_the_same_password_and_salts_each_hash() -> None:
    first = hash_password("correct horse", **FAST)
    second = hash_password("correct horse", **FAST)
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$1024$8$1$")
    assert verify_password("correct horse", first)
    assert verify_password("correct horse", second)
    assert not verify_password("correct horsE", first)
    assert not verify_password("", first)


@pytest.mark.parametrize(
    "stored", [None, "", "plain", "md5$x$y", "scrypt$1024$8$1$!!$!!", "scrypt$a$b$c$d$e"]
)
def test_a_missing_or_malformed_hash_never_matches(stored: str | None) -> None:
    assert not verify_password("anything", stored)


def test_default_cost_is_the_documented_scrypt() -> None:
    stored = hash_password("a-long-password")
    assert stored.split("$")[:4] == ["scrypt", str(2**14), "8", "1"]
    assert verify_password("a-long-password", stored)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "too short"), ("x" * 300, "too long"), (" padded-password", "space")],
)
def test_new_passwords_are_checked(password: str, message: str) -> None:
    with pytest.raises(PasswordError, match=message):
        check_new_password(password)
    assert check_new_password("good-enough-1") == "good-enough-1"


def _record(**changes: object) -> SessionRecord:
    base = SessionRecord("id", "a-admin", "csrf", NOW, NOW, NOW + timedelta(hours=12))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_session_ends_at_its_expiry_and_after_the_idle_timeout() -> None:
    policy = SessionPolicy(lifetime=timedelta(hours=12), idle=timedelta(minutes=30))
    assert is_live(_record(), NOW + timedelta(minutes=29), policy)
    assert not is_live(_record(), NOW + timedelta(minutes=30), policy)  # idle
    busy = _record(last_seen_at=NOW + timedelta(hours=11, minutes=59))
    assert is_live(busy, NOW + timedelta(hours=11, minutes=59, seconds=59), policy)
    assert not is_live(busy, NOW + timedelta(hours=12), policy)  # absolute expiry wins over activity


def test_tokens_are_random_and_stored_hashed() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 40
    assert hash_token(a) != a and len(hash_token(a)) == 64
    assert same_token(a, a)
    assert not same_token(a, b)
    assert not same_token(None, a)
    assert not same_token("", "")


@pytest.mark.parametrize(
    ("public_url", "explicit", "secure"),
    [
        (None, None, False),
        ("http://x.example", None, False),
        ("https://x.example", None, True),
        ("https://x", False, False),
        (None, True, True),
    ],
)
def test_cookie_flags_follow_the_public_url(
    public_url: str | None, explicit: bool | None, secure: bool
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        public_url=public_url,
        admin_cookie_secure=explicit,
        admin_session_hours=1,
        admin_idle_minutes=5,
    )
    policy = SessionPolicy.from_settings(settings)
    assert policy.cookie_options() == {
        "httponly": True,
        "samesite": "Lax",
        "secure": secure,
        "path": "/admin",
    }
    assert policy.lifetime == timedelta(hours=1) and policy.idle == timedelta(minutes=5)


def test_role_table() -> None:
    assert all(may(Role.ADMIN, area) for area in Area)
    supervisor = {area for area in Area if may(Role.SUPERVISOR, area)}
    assert Area.KB_READ in supervisor and Area.TICKETS in supervisor and Area.REPORTS in supervisor
    assert Area.KB_WRITE not in supervisor
    for role in (Role.ENGINEER, Role.CLIENT, Role.SYSTEM, "nonsense"):
        assert not any(may(role, area) for area in Area)
    assert set(GRANTS) == {Role.ADMIN, Role.SUPERVISOR}


def test_require_names_who_may() -> None:
    require(Actor(Role.ADMIN, "a"), Area.KB_WRITE, "edit")
    with pytest.raises(Forbidden, match="Only admin may edit"):
        require(Actor(Role.SUPERVISOR, "s"), Area.KB_WRITE, "edit")
    with pytest.raises(Forbidden):
        require(Actor(Role.ENGINEER, "e"), Area.TICKETS, "see tickets")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/admin/"),
        ("/admin/kb?q=x", "/admin/kb?q=x"),
        ("https://evil.example/admin", "/admin/"),
        ("//evil.example/admin", "/admin/"),
        ("/webchat", "/admin/"),
        ("/admin\\..\\x", "/admin/"),
    ],
)
def test_after_login_only_admin_paths(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected
