"""`/portal` in a client chat answers with a one-time sign-in link to the client portal, in the contact's
language, within the portal's own per-contact limit, and says so when no portal address is set."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from dialogue.engine import DialogueEngine
from dialogue.payloads import PayloadSigner
from dialogue.portal_link import PortalLinkPolicy
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock

LINK = re.compile(r"https://desk\.test/portal/in/([A-Za-z0-9_-]{43})")


def _chat(uows: MemoryUnitOfWorkFactory, clock: Clock, policy: PortalLinkPolicy | None) -> ChatDriver:
    engine = DialogueEngine(uows, PayloadSigner("test-secret"), nlu=None, clock=clock, portal_links=policy)  # type: ignore[arg-type]
    return ChatDriver(engine.handle)


async def test_portal_sends_a_one_time_link_within_the_portals_limit(
    uows: MemoryUnitOfWorkFactory, clock: Clock, ivan: Person, anna: Person
) -> None:
    chat = _chat(uows, clock, PortalLinkPolicy("https://desk.test/"))
    got = await chat.say(ivan, "/portal")
    assert len(got) == 1 and "Ваша ссылка для входа в личный кабинет" in got[0] and "15 минут" in got[0]
    found = LINK.search(got[0])
    assert found is not None
    stored = uows.state.portal_links[hashlib.sha256(found.group(1).encode()).hexdigest()]
    assert stored[0] == "romashka-ivan" and stored[2] - stored[1] == timedelta(minutes=15)
    assert found.group(1) not in str(uows.state.portal_links)  # only its hash is kept

    english = await chat.say(anna, "/portal")
    assert "Your link to the client portal: https://desk.test/portal/in/" in english[0]

    for _ in range(2):
        assert LINK.search((await chat.say(ivan, "/portal"))[0])
    refused = await chat.say(ivan, "/portal")
    assert "уже отправлены 3 раза за последние 15 минут" in refused[0] and not LINK.search(refused[0])
    assert sum(1 for who, _at, _until in uows.state.portal_links.values() if who == "romashka-ivan") == 3

    clock.advance(minutes=16)
    assert LINK.search((await chat.say(ivan, "/portal"))[0])


async def test_without_a_portal_address_the_chat_says_so(
    uows: MemoryUnitOfWorkFactory, clock: Clock, anna: Person
) -> None:
    got = await _chat(uows, clock, None).say(anna, "/portal")
    assert got == ["The client portal is not set up here yet. Ask about your requests here: /tickets."]
    assert uows.state.portal_links == {}
