"""One phone form everywhere: E.164 from whatever a platform or a person gives."""

from __future__ import annotations

import pytest

from ticket_core.phones import to_e164
from ticket_core.staff_profile import read_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 916 123-45-01", "+79161234501"),
        ("8 (916) 123-45-01", "+79161234501"),  # Russian national form
        ("79161234501", "+79161234501"),  # a WhatsApp id / a shared Telegram contact
        ("+44 20 7946 0958", "+442079460958"),
        ("442079460958", "+442079460958"),
        ("12", None),
        ("call me", None),
        ("", None),
        (None, None),
    ],
)
def test_to_e164(raw: str | None, expected: str | None) -> None:
    assert to_e164(raw) == expected


def test_the_chat_and_the_admin_read_a_number_the_same_way() -> None:
    for typed in ("+7 916 123-45-01", "8 916 123 45 01", "79161234501"):
        assert to_e164(typed) == read_phone(typed) == "+79161234501"
