"""The real dialogue engine behind the WhatsApp channel: webhook in, engine, Graph calls out, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Inbound
from dialogue.payloads import PayloadSigner
from helpdesk.demo.loader import load_directory, read_directory
from kb_search.model import Article
from tests.fakes.fake_kb import FakeKnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET as SECRET
from tests.fakes.whatsapp_api import FakeGraphAPI, GraphCall
from tests.unit.bots_whatsapp.conftest import CLIENT, ChannelFactory, Hooked

ARTICLES = [
    Article(
        "ac-filter", "Кондиционер плохо холодит", "Почистите фильтры кондиционера раз в месяц.", lang="ru"
    )
]


@pytest.fixture
async def engine() -> DialogueEngine:
    uows = MemoryUnitOfWorkFactory()
    async with uows() as uow:
        await load_directory(uow, read_directory())
        await uow.commit()
    kb = FakeKnowledgeBase(ARTICLES)
    return DialogueEngine(uows, PayloadSigner("test-secret"), kb=kb, nlu=None)  # type: ignore[arg-type]


@pytest.fixture
async def wired(make_channel: ChannelFactory, engine: DialogueEngine) -> AsyncIterator[Hooked]:
    """A channel whose inbound goes to the engine and whose replies are sent at once (the delivery loop's job)."""
    hooked: Hooked | None = None

    async def on_inbound(inbound: Inbound) -> None:
        assert hooked is not None
        for out in await engine.handle(inbound):
            await hooked.channel.send(out)

    hooked = await make_channel(on_inbound=on_inbound)
    yield hooked


async def next_reply(api: FakeGraphAPI) -> GraphCall:
    return await api.wait_for_call(lambda c: c.kind == "message" and c.to == CLIENT)


async def test_question_answer_button_press_and_an_unsupported_message(
    api: FakeGraphAPI, wired: Hooked
) -> None:
    await api.post_webhook(
        wired.url, api.text_message(CLIENT, "Кондиционер плохо холодит", name="Ирина"), SECRET
    )

    answer = await next_reply(api)
    question = await next_reply(api)
    assert answer.seen is not None and "фильтры" in (answer.seen.text or "")
    assert question.interactive_type == "button"
    assert question.seen is not None and question.seen.text == "Это помогло?"
    [not_helpful] = [
        b["reply"]
        for b in question.body["interactive"]["action"]["buttons"]
        if b["reply"]["title"] == "Не помогло"
    ]

    await api.post_webhook(wired.url, api.button_reply(CLIENT, not_helpful["id"], "Не помогло"), SECRET)
    describe = await next_reply(api)
    assert describe.seen is not None and "Опишите проблему" in (describe.seen.text or "")
    assert describe.seen.choices == ("Моего вопроса доста…", "Отмена")

    await api.post_webhook(wired.url, api.unsupported_message(CLIENT, "reaction"), SECRET)
    polite = await next_reply(api)
    assert polite.seen is not None and "Опишите, пожалуйста, проблему словами" in (polite.seen.text or "")
    for _ in range(100):  # read receipts go out in the background once a message is recorded
        if len(api.read) == 3:
            break
        await asyncio.sleep(0.02)
    assert len(api.read) == 3
