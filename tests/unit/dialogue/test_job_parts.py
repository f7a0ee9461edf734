"""The Done flow's typed answers: the time spent as people write it, and parts as "name xN cost"."""

from __future__ import annotations

import pytest

from dialogue.conversation import Awaiting, ConversationState, PickedPart
from dialogue.job_parts import read_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1,5 ч", 90),
        ("1.5", 90),
        ("1.5 h", 90),
        ("2 часа", 120),
        ("1 ч 30", 90),
        ("1h 15m", 75),
        ("1:30", 90),
        ("0:45", 45),
        ("90 мин", 90),
        ("45 min", 45),
        ("3", 180),
        ("90", 90),  # a bare number above 12 is minutes
        ("15 ч", 900),
    ],
)
def test_a_typed_time_is_read_in_minutes(text: str, minutes: int) -> None:
    assert read_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "полтора", "1,5,5", "-1", "час", "1:3", "12 кг"])
def test_anything_else_is_not_a_time(text: str) -> None:
    assert read_minutes(text) is None


def test_the_parts_step_survives_the_stored_state_and_is_forgotten_with_the_job_step() -> None:
    state = ConversationState(awaiting=Awaiting.PARTS, ticket=1001, note="done", minutes="90")
    state.parts = [
        PickedPart("Кран", 1, "1200", "valve"),
        PickedPart("прокладка", 2, "50"),
        PickedPart("ремень"),
    ]
    again = ConversationState.from_dict(state.to_dict())
    assert again == state
    again.end_job_step()
    assert not again
