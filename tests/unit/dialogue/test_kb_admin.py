"""/kb in the staff bot: an admin edits articles in chat; nobody else can."""

from __future__ import annotations

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from helpdesk.demo.loader import load_directory, read_directory
from kb_search.model import Article, ArticleStatus
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.kb_search.fakes import MemoryArticleRepository


@pytest.fixture
async def repo() -> MemoryArticleRepository:
    return MemoryArticleRepository()


@pytest.fixture
async def chat(repo: MemoryArticleRepository, clock) -> ChatDriver:
    uows = MemoryUnitOfWorkFactory(articles=repo)
    async with uows() as uow:
        await load_directory(uow, read_directory())
        await uow.commit()
    await repo.upsert(
        Article("wifi", "Wi-Fi в офисе", "Сеть Office, пароль у администратора.", lang="ru"), "seed"
    )
    return ChatDriver(DialogueEngine(uows, PayloadSigner("s"), clock=clock).handle)  # type: ignore[arg-type]


async def test_admin_creates_edits_and_publishes(chat: ChatDriver, repo: MemoryArticleRepository) -> None:
    admin = Person(Bot.STAFF, "a-admin", "Admin", "en")
    got = await chat.say(admin, "/kb")
    assert got[0].startswith("Articles (1):\n✅ wifi — Wi-Fi в офисе (ru, public)")
    got = await chat.say(admin, "/kb new badge-reader Badge reader beeps red")
    assert got == ["Draft badge-reader created. Send the article text in one message."]
    got = await chat.say(admin, "Hold the card flat for two seconds; if it still beeps, call security.")
    assert got == ["Saved: badge-reader, version 2."]
    article = await repo.get("badge-reader")
    assert article is not None and article.status is ArticleStatus.DRAFT and "two seconds" in article.body
    got = await chat.say(admin, "/kb show badge-reader")
    assert "badge-reader · draft · public · en · v2" in got[0]
    got = await chat.press(admin, "Publish")
    assert got == ["badge-reader is published: clients will find it within a second."]
    got = await chat.say(admin, "/kb edit badge-reader tags")
    assert got == ["Send the new tags for badge-reader."]
    await chat.say(admin, "access, security")
    article = await repo.get("badge-reader")
    assert article is not None and article.tags == ("access", "security") and article.published
    assert [v.author for v in await repo.history("badge-reader")] == ["a-admin"] * 4


async def test_bad_input_is_explained_and_changes_nothing(
    chat: ChatDriver, repo: MemoryArticleRepository
) -> None:
    admin = Person(Bot.STAFF, "a-admin", "Admin", "en")
    assert (await chat.say(admin, "/kb show nope")) == [
        "That did not work: There is no article nope. /kb lists them."
    ]
    assert "/kb - list" in (await chat.say(admin, "/kb frobnicate"))[0]
    got = await chat.say(admin, "/kb edit wifi audience")
    got = await chat.say(admin, "client:")
    assert got[0].startswith("That did not work: invalid client id")
    article = await repo.get("wifi")
    assert article is not None and article.audience == "public" and article.version == 1
    got = await chat.say(admin, "/kb new wifi Another")
    assert got == ["Article wifi exists already: /kb show wifi"]


async def test_engineers_and_supervisors_cannot_edit(chat: ChatDriver, repo: MemoryArticleRepository) -> None:
    for account in ("e-petrov", "s-sokolova"):
        person = Person(Bot.STAFF, account, "x", "ru")
        assert await chat.say(person, "/kb unpublish wifi") == [
            "Статьи базы знаний редактирует администратор."
        ]
    article = await repo.get("wifi")
    assert article is not None and article.published
