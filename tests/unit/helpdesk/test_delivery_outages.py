"""One alert per outage, not one per chat (helpdesk.delivery_outages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk.delivery_outages import REMIND_EVERY, OutageBook, Say

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_the_first_chat_is_named_the_rest_counted_and_the_end_told() -> None:
    book = OutageBook()
    first = book.failed("telegram", "client", "c1", T0, gave_up=False)
    assert first is not None and first.say is Say.FIRST
    for n in range(2, 101):
        assert book.failed("telegram", "client", f"c{n}", T0 + timedelta(seconds=n), gave_up=False) is None
    over = book.delivered("telegram", "client")
    assert over is not None and over.say is Say.OVER
    assert len(over.outage.chats) == 100 and over.outage.since == T0
    assert not book.is_open("telegram", "client")


def test_a_long_outage_is_recalled_at_most_hourly_with_its_count() -> None:
    book = OutageBook()
    book.failed("whatsapp", "client", "c1", T0, gave_up=False)
    assert (
        book.failed("whatsapp", "client", "c2", T0 + REMIND_EVERY - timedelta(seconds=1), gave_up=False)
        is None
    )
    still = book.failed("whatsapp", "client", "c3", T0 + REMIND_EVERY, gave_up=True)
    assert still is not None and still.say is Say.STILL
    assert len(still.outage.chats) == 3 and still.outage.given_up == 1
    assert (
        book.failed("whatsapp", "client", "c4", T0 + REMIND_EVERY + timedelta(minutes=5), gave_up=False)
        is None
    )
    # It held several chats (and was recalled): its end is told.
    over = book.delivered("whatsapp", "client")
    assert over is not None and over.say is Say.OVER


def test_one_unreachable_chat_is_named_each_time_and_its_end_is_not_announced() -> None:
    """A client who blocked the bot: the next message to anyone else closes the one-chat outage quietly, and
    the next chat that fails is named again."""
    book = OutageBook()
    assert book.failed("telegram", "client", "blocked", T0, gave_up=False) is not None
    assert book.delivered("telegram", "client") is None
    again = book.failed("telegram", "client", "blocked", T0 + timedelta(days=1), gave_up=True)
    assert again is not None and again.say is Say.FIRST and again.outage.given_up == 1


def test_outages_of_different_bots_and_channels_are_apart() -> None:
    book = OutageBook()
    assert book.failed("telegram", "client", "c1", T0, gave_up=False) is not None
    assert book.failed("telegram", "staff", "s1", T0, gave_up=False) is not None
    assert book.failed("whatsapp", "client", "c1", T0, gave_up=False) is not None
    assert book.delivered("telegram", "staff") is None  # one chat
    assert book.is_open("telegram", "client") and book.is_open("whatsapp", "client")
    assert book.delivered("web", "client") is None  # nothing was open there
