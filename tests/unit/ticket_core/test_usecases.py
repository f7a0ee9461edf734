"""Use cases on the memory unit of work: the whole life of a ticket, actor checks and bad input."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import CLIENT, NOW, OTHER_CLIENT, SUPERVISOR, engineer
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Priority, TicketStatus, Visibility
from ticket_core.errors import AlreadyTaken, Forbidden, InvalidTransition, NotFound, ValidationFailed
from ticket_core.model import Actor
from ticket_core.routing import Strategy

SYSTEM = Actor.system()


async def _open(uows: MemoryUnitOfWorkFactory, **kw) -> str:
    async with uows() as uow:
        draft = uc.TicketDraft(
            client_id="acme",
            category=kw.pop("category", "it"),
            description="Printer jams",
            site_id="acme-hq",
            **kw,
        )
        ticket = await uc.open_ticket(uow, CLIENT, draft, NOW)
        await uow.commit()
    return ticket.id


async def _offer(uows: MemoryUnitOfWorkFactory, ticket_id: str, at=NOW, **kw):
    """Offer with best-match (or the given strategy); return the first chosen candidate and the events."""
    async with uows() as uow:
        chosen = await uc.offer_ticket(uow, SYSTEM, ticket_id, at, **kw)
        await uow.commit()
        return (chosen[0] if chosen else None), uow.collected


async def test_full_life_of_a_ticket(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows, priority=Priority.P2)
    cand, _ = await _offer(uows, tid)
    assert cand is not None and cand.engineer_id == "e-near"  # nearest skilled, banned one skipped
    assert any("km from site" in r for r in cand.reasons)
    eng = engineer("e-near")
    steps = [
        (uc.accept_offer, (), TicketStatus.ACCEPTED),
        (uc.start_work, (), TicketStatus.IN_PROGRESS),
        (uc.put_on_hold, ("waiting for a fuser",), TicketStatus.ON_HOLD),
        (uc.resume_work, (), TicketStatus.IN_PROGRESS),
        (uc.resolve_ticket, ("Replaced the fuser", 45), TicketStatus.RESOLVED),
    ]
    for i, (fn, args, status) in enumerate(steps):
        async with uows() as uow:
            ticket = await fn(uow, eng, tid, NOW + timedelta(minutes=10 * (i + 1)), *args)
            await uow.commit()
        assert ticket.status is status
    async with uows() as uow:
        ticket = await uc.rate_ticket(uow, CLIENT, tid, NOW + timedelta(hours=2), 5, "fast")
        await uow.commit()
    assert ticket.status is TicketStatus.CLOSED and ticket.rating == 5
    assert ticket.first_response_at == NOW + timedelta(minutes=10)
    assert ticket.time_spent_min == 45 and ticket.resolution_note == "Replaced the fuser"
    names = [e["name"] for e in uows.state.events]
    assert names == [
        "ticket_opened",
        "ticket_offered",
        "offer_accepted",
        "work_started",
        "ticket_put_on_hold",
        "work_resumed",
        "ticket_resolved",
        "ticket_closed",
        "ticket_rated",
    ]


async def test_decline_goes_to_next_candidate_then_supervisors(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        await uc.decline_offer(uow, engineer("e-near"), tid, NOW, "too busy")
        await uow.commit()
    assert uows.state.tickets[tid].status is TicketStatus.NEW
    cand, _ = await _offer(uows, tid)
    assert cand is not None and cand.engineer_id == "e-far"
    async with uows() as uow:
        await uc.decline_offer(uow, engineer("e-far"), tid, NOW)
        await uow.commit()
    cand, events = await _offer(uows, tid)
    assert cand is None
    assert [e.name for e in events] == ["no_engineer_available"]


async def test_expired_offer_returns_ticket_to_queue(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        assert await uc.expire_offers(uow, NOW + timedelta(minutes=5)) == []
        assert await uc.expire_offers(uow, NOW + timedelta(minutes=11)) == [tid]
        await uow.commit()
    assert uows.state.tickets[tid].status is TicketStatus.NEW
    cand, _ = await _offer(uows, tid, NOW + timedelta(minutes=12))
    assert cand is not None and cand.engineer_id == "e-far"


async def test_a_cancelled_ticket_withdraws_its_offer_and_nothing_expires_later(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    # A working day's stumble: the engineer was told "offer expired" about a ticket the client had
    # cancelled, and the timeline showed offer_expired after ticket_cancelled.
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        await uc.cancel_ticket(uow, CLIENT, tid, NOW + timedelta(minutes=2), "fixed it myself")
        await uow.commit()
    offers = [o for o in uows.state.offers.values() if o.ticket_id == tid]
    assert [o.status for o in offers] == [OfferStatus.WITHDRAWN]
    async with uows() as uow:
        assert await uc.expire_offers(uow, NOW + timedelta(minutes=11)) == []
        await uow.commit()
    names = [e["name"] for e in uows.state.events]
    assert names[-1] == "ticket_cancelled" and "offer_expired" not in names
    assert uows.state.events[-1]["data"]["offered_to"] == ("e-near",)  # told by the notifications


async def test_an_offer_left_pending_on_a_ticket_that_moved_on_is_withdrawn_not_expired(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    # Whatever moved the ticket on (a path that forgot its offers), the timer of the old state does not
    # fire: the offer is withdrawn quietly and the ticket is not touched.
    tid = await _open(uows)
    await _offer(uows, tid)
    uows.state.tickets[tid].status = TicketStatus.CANCELLED
    async with uows() as uow:
        assert await uc.expire_offers(uow, NOW + timedelta(minutes=11)) == []
        await uow.commit()
    offers = [o for o in uows.state.offers.values() if o.ticket_id == tid]
    assert [o.status for o in offers] == [OfferStatus.WITHDRAWN]
    assert "offer_expired" not in [e["name"] for e in uows.state.events]


async def test_concurrent_accepts_have_one_winner(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    # Broadcast-like: two pending offers to two engineers.
    await _offer(uows, tid)
    from ticket_core.model import Offer

    async with uows() as uow:
        await uow.offers.add(Offer("o2", tid, "e-far", OfferStatus.PENDING, NOW, NOW + timedelta(minutes=10)))
        await uow.commit()
    u1, u2 = uows(), uows()
    async with u1, u2:
        t1 = await uc.accept_offer(u1, engineer("e-near"), tid, NOW)
        await u1.commit()
        # u2 began before u1 committed: the optimistic lock makes it lose.
        with pytest.raises(AlreadyTaken):
            await uc.accept_offer(u2, engineer("e-far"), tid, NOW)
    assert t1.assignee_id == "e-near"
    assert uows.state.offers["o2"].status is OfferStatus.WITHDRAWN


async def test_a_late_accept_after_the_job_is_taken_says_so(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        await uc.accept_offer(uow, engineer("e-near"), tid, NOW)
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(AlreadyTaken, match="already taken"):
            await uc.accept_offer(uow, engineer("e-far"), tid, NOW)
        with pytest.raises(InvalidTransition, match="already accepted"):
            await uc.accept_offer(uow, engineer("e-near"), tid, NOW)


async def test_nobody_acts_on_what_is_not_theirs(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        with pytest.raises(NotFound):
            await uc.accept_offer(uow, engineer("e-far"), tid, NOW)  # not offered to e-far
        with pytest.raises(Forbidden):
            await uc.accept_offer(uow, CLIENT, tid, NOW)
        with pytest.raises(NotFound):
            await uc.cancel_ticket(uow, OTHER_CLIENT, tid, NOW)
        with pytest.raises(NotFound):
            await uc.add_comment(uow, OTHER_CLIENT, tid, NOW, "hi")
        with pytest.raises(Forbidden):
            await uc.add_comment(uow, CLIENT, tid, NOW, "secret", Visibility.INTERNAL)
        await uc.accept_offer(uow, engineer("e-near"), tid, NOW)
        with pytest.raises(Forbidden):
            await uc.start_work(uow, engineer("e-far"), tid, NOW)
        with pytest.raises(Forbidden):
            await uc.rate_ticket(uow, engineer("e-near"), tid, NOW, 5)
    async with uows() as uow:
        with pytest.raises(Forbidden):
            await uc.open_ticket(uow, OTHER_CLIENT, uc.TicketDraft("acme", "it", "x"), NOW)
        with pytest.raises(NotFound):
            await uc.open_ticket(uow, CLIENT, uc.TicketDraft("acme", "it", "x", site_id="rom-1"), NOW)


@pytest.mark.parametrize(
    ("description", "category", "lat", "lon", "message"),
    [
        ("", "it", None, None, "problem description"),
        ("   ", "it", None, None, "problem description"),
        ("x" * 5000, "it", None, None, "too long"),
        ("ok", "", None, None, "category"),
        ("ok", "it", 95.0, 10.0, "location"),
        ("ok", "it", 55.0, None, "location"),
    ],
)
async def test_bad_drafts_change_nothing(uows, description, category, lat, lon, message) -> None:
    async with uows() as uow:
        with pytest.raises(ValidationFailed, match=message):
            await uc.open_ticket(
                uow, CLIENT, uc.TicketDraft("acme", category, description, lat=lat, lon=lon), NOW
            )
        await uow.commit()
    assert uows.state.tickets == {} and uows.state.events == []


async def test_rating_rules(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    async with uows() as uow:
        with pytest.raises(InvalidTransition, match="not finished"):
            await uc.rate_ticket(uow, CLIENT, tid, NOW, 4)
        for bad in (0, 6, -1, True):
            with pytest.raises(ValidationFailed):
                await uc.rate_ticket(uow, CLIENT, tid, NOW, bad)


async def test_reopen_window_and_counter(uows: MemoryUnitOfWorkFactory) -> None:
    tid = await _open(uows)
    await _offer(uows, tid)
    eng = engineer("e-near")
    async with uows() as uow:
        await uc.accept_offer(uow, eng, tid, NOW)
        await uc.resolve_ticket(uow, eng, tid, NOW, "done")
        await uow.commit()
    async with uows() as uow:
        assert (
            await uc.reopen_ticket(uow, SUPERVISOR, tid, NOW + timedelta(days=30))
        ).status is TicketStatus.REOPENED
    async with uows() as uow:
        with pytest.raises(InvalidTransition, match="more than 7 days"):
            await uc.reopen_ticket(uow, CLIENT, tid, NOW + timedelta(days=8))
        ticket = await uc.reopen_ticket(uow, CLIENT, tid, NOW + timedelta(days=1), "still jams")
        await uow.commit()
    assert ticket.status is TicketStatus.REOPENED and ticket.reopen_count == 1
    cand, _ = await _offer(uows, tid, NOW + timedelta(days=1))
    assert cand is not None


async def test_a_reopened_ticket_goes_back_to_the_engineer_who_did_the_work(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    # A working day's stumble: the reopen went to a new engineer (the nearest one) and said "New ticket".
    tid = await _open(uows)
    await _offer(uows, tid)
    async with uows() as uow:
        await uc.decline_offer(uow, engineer("e-near"), tid, NOW, "busy today")
        await uow.commit()
    cand, _ = await _offer(uows, tid)
    assert cand is not None and cand.engineer_id == "e-far"
    far = engineer("e-far")
    async with uows() as uow:
        await uc.accept_offer(uow, far, tid, NOW)
        await uc.resolve_ticket(uow, far, tid, NOW + timedelta(hours=1), "replaced the roller")
        await uc.reopen_ticket(uow, CLIENT, tid, NOW + timedelta(days=1), "jams again")
        await uow.commit()
    later = NOW + timedelta(days=1, minutes=1)
    cand, events = await _offer(uows, tid, later, strategy=Strategy.BROADCAST)
    assert cand is not None and cand.engineer_id == "e-far"  # not the nearer e-near, and only them
    offered = [e for e in events if e.name == "ticket_offered"]
    assert len(offered) == 1 and "did the work before the reopen" in offered[0].reasons
    # Its method is the return, not the strategy it was routed under (#18: "способ: лучший кандидат").
    assert offered[0].reasons[-1] == "strategy back-to-engineer", offered[0].reasons
    # If they cannot take it, routing goes on as usual.
    async with uows() as uow:
        await uc.decline_offer(uow, far, tid, later, "on leave")
        await uow.commit()
    cand, _ = await _offer(uows, tid, later)
    assert cand is not None and cand.engineer_id == "e-near"


async def test_naive_timestamps_are_refused(uows: MemoryUnitOfWorkFactory) -> None:
    async with uows() as uow:
        with pytest.raises(ValueError, match="timezone-aware"):
            await uc.open_ticket(uow, CLIENT, uc.TicketDraft("acme", "it", "x"), NOW.replace(tzinfo=None))


async def test_ticket_numbers_are_unique_under_concurrency(uows: MemoryUnitOfWorkFactory) -> None:
    async def one() -> int:
        async with uows() as uow:
            t = await uc.open_ticket(uow, CLIENT, uc.TicketDraft("acme", "it", "x"), NOW)
            await uow.commit()
            return t.number

    numbers = [await one() for _ in range(5)]
    assert len(set(numbers)) == 5 and numbers == sorted(numbers)
    await asyncio.sleep(0)


async def test_a_loser_who_read_the_ticket_before_the_winner_committed_hears_it_was_taken(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    # On PostgreSQL (read committed) a loser can read the ticket while it is still offered, and its own offer
    # after the winner's commit withdrew it: that is a lost race, not an offer that expired.
    from dataclasses import replace

    from ticket_core.usecases.offers import _pending_offer

    tid = await _open(uows)
    await _offer(uows, tid)
    from ticket_core.model import Offer

    async with uows() as uow:
        await uow.offers.add(Offer("o2", tid, "e-far", OfferStatus.PENDING, NOW, NOW + timedelta(minutes=10)))
        await uow.commit()
    async with uows() as uow:
        stale = await uow.tickets.get(tid)
    assert stale is not None and stale.status is TicketStatus.OFFERED
    async with uows() as uow:
        await uc.accept_offer(uow, engineer("e-near"), tid, NOW)
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(AlreadyTaken, match="already taken"):
            await _pending_offer(uow, replace(stale), "e-far")


async def test_broadcast_offers_to_a_group_and_the_first_accept_wins(uows: MemoryUnitOfWorkFactory) -> None:
    from ticket_core.routing import Strategy

    tid = await _open(uows)
    async with uows() as uow:
        chosen = await uc.offer_ticket(uow, SYSTEM, tid, NOW, strategy=Strategy.BROADCAST, broadcast_size=5)
        await uow.commit()
    assert [c.engineer_id for c in chosen] == [
        "e-near",
        "e-far",
    ]  # every skilled engineer the contract allows
    offered = [e for e in uows.state.events if e["name"] == "ticket_offered"]
    assert len(offered) == 2 and all("strategy broadcast" in e["data"]["reasons"] for e in offered)
    async with uows() as uow:
        await uc.accept_offer(uow, engineer("e-far"), tid, NOW)
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(AlreadyTaken):
            await uc.accept_offer(uow, engineer("e-near"), tid, NOW)


async def test_round_robin_takes_turns(uows: MemoryUnitOfWorkFactory) -> None:
    from ticket_core.routing import Strategy

    got = []
    for i in range(4):
        tid = await _open(uows)
        cand, _ = await _offer(uows, tid, NOW + timedelta(minutes=i), strategy=Strategy.ROUND_ROBIN)
        assert cand is not None and "round-robin turn" in cand.reasons
        got.append(cand.engineer_id)
        async with uows() as uow:  # decline so loads stay equal and only the turn decides
            await uc.decline_offer(uow, engineer(cand.engineer_id), tid, NOW + timedelta(minutes=i))
            await uow.commit()
    assert got == ["e-near", "e-far", "e-near", "e-far"]
