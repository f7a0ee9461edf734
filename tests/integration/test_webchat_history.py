"""The database web chat history on SQLite and PostgreSQL: sequence numbers grow, chats stay apart."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.webchat_history import SqlWebChatHistory


async def test_append_and_list_after(engine: AsyncEngine) -> None:
    history = SqlWebChatHistory(make_sessionmaker(engine))
    first = await history.append("client", "chat-a", {"text": "one", "buttons": []})
    second = await history.append("client", "chat-a", {"text": "two", "buttons": [[{"text": "OK"}]]})
    await history.append("staff", "chat-a", {"text": "other bot"})
    await history.append("client", "chat-b", {"text": "other chat"})
    assert second > first >= 1
    got = await history.list_after("client", "chat-a", 0, 10)
    assert [m["text"] for m in got] == ["one", "two"]
    assert [m["seq"] for m in got] == [first, second]
    assert got[1]["buttons"] == [[{"text": "OK"}]]
    assert [m["text"] for m in await history.list_after("client", "chat-a", first, 10)] == ["two"]
    assert await history.list_after("client", "chat-a", second, 10) == []
    assert len(await history.list_after("client", "chat-a", 0, 1)) == 1
    assert await history.list_after("client", "chat-a", 0, 0) == []
