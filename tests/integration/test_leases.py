"""Singleton leases (storage.leases) and Telegram polling in one process by lease (helpdesk.polling_lease)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk.polling_lease import LEASE_NAME, PollingLease
from storage import leases
from tests.integration.conftest import NOW


async def test_a_lease_is_held_renewed_taken_after_expiry_and_given_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await leases.hold(conn, "job", "a", now=NOW, ttl_s=10)
        other = await leases.hold(conn, "job", "b", now=NOW + timedelta(seconds=5), ttl_s=10)
        renewed = await leases.hold(conn, "job", "a", now=NOW + timedelta(seconds=6), ttl_s=10)
    assert first.holder == other.holder == renewed.holder == "a"
    assert renewed.acquired_at == NOW and renewed.expires_at == NOW + timedelta(seconds=16)

    async with engine.begin() as conn:
        taken = await leases.hold(conn, "job", "b", now=NOW + timedelta(seconds=17), ttl_s=10)
        assert taken.holder == "b" and taken.acquired_at == NOW + timedelta(seconds=17)
        assert not await leases.release(conn, "job", "a")  # not a's any more
        assert await leases.release(conn, "job", "b")
        assert await leases.get(conn, "job") is None


class FakeChannel:
    """A Telegram channel that only records whether it polls."""

    bot_kind = "client"

    def __init__(self) -> None:
        self.polling = False

    async def start_polling(self) -> None:
        self.polling = True

    async def stop(self) -> None:
        self.polling = False


async def test_one_process_polls_and_another_takes_over_when_its_lease_runs_out(engine: AsyncEngine) -> None:
    now = [NOW]

    def clock() -> Any:
        return now[0]

    a, b = FakeChannel(), FakeChannel()
    first = PollingLease(engine, [a], ttl_s=10, renew_s=2, clock=clock)
    second = PollingLease(engine, [b], ttl_s=10, renew_s=2, clock=clock)
    await first.step()
    await second.step()
    assert (a.polling, b.polling) == (True, False)

    now[0] += timedelta(seconds=8)  # the first renews in time: nothing changes
    await first.step()
    await second.step()
    assert (a.polling, b.polling) == (True, False)

    now[0] += timedelta(seconds=11)  # the first died (no renewal): its lease ran out
    await second.step()
    assert b.polling
    await first.step()  # it came back: the lease is the second's now, so it stops
    assert (a.polling, b.polling) == (False, True)

    await second.release()
    async with engine.connect() as conn:
        assert await leases.get(conn, LEASE_NAME) is None


async def test_a_holder_that_cannot_reach_the_database_stops_polling_before_its_lease_ends(
    engine: AsyncEngine,
) -> None:
    channel = FakeChannel()
    lease = PollingLease(engine, [channel], ttl_s=3, renew_s=1)
    await lease.step()
    assert channel.polling

    class Broken:
        def begin(self) -> Any:
            raise OSError("connection refused")

    lease.db = Broken()  # type: ignore[assignment]
    lease._valid_until = 0.0  # its last renewal is older than ttl_s - renew_s
    await lease.step()
    assert not channel.polling
