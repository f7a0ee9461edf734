"""One limit on a chat message for clients and staff alike (`MAX_TEXT_CHARS`, the web chat's box stops there too):
a longer one is refused with its length in the writer's language and changes nothing; one at the limit is read."""

from __future__ import annotations

import pytest

from dialogue.messages import MAX_TEXT_CHARS
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person


@pytest.mark.parametrize("who", ["ivan", "anna", "petrov"])
async def test_a_message_over_the_limit_is_refused_with_its_length(
    chat: ChatDriver, uows: MemoryUnitOfWorkFactory, request: pytest.FixtureRequest, who: str
) -> None:
    person: Person = request.getfixturevalue(who)
    tickets_before = len(uows.state.tickets)
    got = await chat.say(person, "я" * (MAX_TEXT_CHARS + 1))
    expected = {
        "ru": f"Сообщение слишком длинное ({MAX_TEXT_CHARS + 1} символ)",
        "en": f"That message is too long ({MAX_TEXT_CHARS + 1} characters)",
    }[person.lang]
    assert len(got) == 1 and got[0].startswith(expected) and str(MAX_TEXT_CHARS) in got[0]
    assert len(uows.state.tickets) == tickets_before


async def test_a_message_at_the_limit_is_read(chat: ChatDriver, ivan: Person) -> None:
    got = await chat.say(ivan, "кран " * (MAX_TEXT_CHARS // 5))
    assert not any("слишком длинное" in text for text in got)
