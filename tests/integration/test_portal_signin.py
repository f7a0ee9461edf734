"""Portal sign-in on SQLite and PostgreSQL: a link signs in once, not after its expiry, not when unknown; a
session follows the admin's rules (idle and absolute expiry); link requests are counted per address and per
contact (helpdesk/portal/signin.py)."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.admin.sessions import SessionPolicy, hash_token, new_token
from helpdesk.portal import signin
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed

POLICY = SessionPolicy(lifetime=timedelta(hours=12), idle=timedelta(minutes=30))


async def _link(acme: UnitOfWorkFactory, ttl: timedelta = timedelta(minutes=15)) -> str:
    secret = new_token()
    async with acme() as uow:
        await uow.portal.add_link(hash_token(secret), "c-anna", NOW, NOW + ttl)
        await uow.commit()
    return secret


async def test_a_link_signs_in_once(acme: UnitOfWorkFactory) -> None:
    secret = await _link(acme)
    async with acme() as uow:
        assert await signin.link_is_usable(uow, secret, NOW)
        signed = await signin.sign_in(uow, secret, "127.0.0.1", NOW, POLICY)
        await uow.commit()
    assert signed is not None
    token, record = signed
    assert record.contact_id == "c-anna" and record.id == hash_token(token) and token not in record.id
    async with acme() as uow:
        assert not await signin.link_is_usable(uow, secret, NOW)
        assert await signin.sign_in(uow, secret, None, NOW, POLICY) is None
        user = await signin.resume(uow, token, NOW + timedelta(minutes=5), POLICY)
        await uow.commit()
    assert user is not None and user.contact.id == "c-anna" and user.client.id == "acme"


async def test_an_expired_or_unknown_link_signs_nobody_in(acme: UnitOfWorkFactory) -> None:
    secret = await _link(acme, ttl=timedelta(minutes=15))
    async with acme() as uow:
        assert await signin.sign_in(uow, secret, None, NOW + timedelta(minutes=16), POLICY) is None
        assert await signin.sign_in(uow, new_token(), None, NOW, POLICY) is None
        assert await signin.sign_in(uow, "x" * 500, None, NOW, POLICY) is None


async def test_sessions_end_when_idle_or_old(acme: UnitOfWorkFactory) -> None:
    tokens = []
    for _ in range(2):
        secret = await _link(acme)
        async with acme() as uow:
            signed = await signin.sign_in(uow, secret, None, NOW, POLICY)
            await uow.commit()
        assert signed is not None
        tokens.append(signed[0])
    async with acme() as uow:
        assert await signin.resume(uow, tokens[0], NOW + timedelta(minutes=31), POLICY) is None  # idle
        for minutes in range(25, 12 * 60, 25):  # active every 25 minutes, still over at 12 hours
            assert await signin.resume(uow, tokens[1], NOW + timedelta(minutes=minutes), POLICY) is not None
        assert await signin.resume(uow, tokens[1], NOW + timedelta(hours=12, minutes=1), POLICY) is None
        assert await signin.resume(uow, None, NOW, POLICY) is None


async def test_link_requests_are_counted(acme: UnitOfWorkFactory, seed: Seed) -> None:
    async with acme() as uow:
        for i in range(3):
            await uow.portal.add_request(NOW + timedelta(minutes=i), "10.0.0.1", "c-anna" if i else None)
        await uow.portal.add_request(NOW, "10.0.0.2", "c-anna")
        await uow.commit()
    async with acme() as uow:
        assert await uow.portal.requests_from("10.0.0.1", NOW) == 3
        assert await uow.portal.requests_from("10.0.0.1", NOW + timedelta(minutes=1)) == 2
        assert await uow.portal.requests_for("c-anna", NOW) == 3
        await uow.portal.prune(NOW + timedelta(minutes=1), NOW)
        await uow.commit()
    async with acme() as uow:
        assert await uow.portal.requests_from("10.0.0.1", NOW - timedelta(days=1)) == 2
