"""The contract every `ArticleRepository` / `GapLog` implementation must meet (shared by unit and integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kb_search.model import Article, ArticleStatus, KbError, Reader

A = Article("vpn", "VPN", "Install the client.", audience="public", lang="en", tags=("vpn", "remote"))


async def check_upsert_versions_and_history(repo: Any) -> None:
    first = await repo.upsert(A, "alice")
    assert (first.version, first.updated_by) == (1, "alice")
    assert first.updated_at.tzinfo is not None
    second = await repo.upsert(Article("vpn", "VPN v2", "New body", lang="en"), "bob")
    assert second.version == 2
    got = await repo.get("vpn")
    assert (got.title, got.version, got.updated_by, got.tags) == ("VPN v2", 2, "bob", ())
    history = await repo.history("vpn")
    assert [(h.version, h.action, h.author, h.title) for h in history] == [
        (1, "create", "alice", "VPN"),
        (2, "edit", "bob", "VPN v2"),
    ]
    assert history[0].tags == ("vpn", "remote")


async def check_status_and_listing(repo: Any) -> None:
    await repo.upsert(A, "a")
    await repo.upsert(
        Article("acme", "ACME", "Private", audience="client:acme", status=ArticleStatus.DRAFT), "a"
    )
    assert [a.id for a in await repo.list()] == ["acme", "vpn"]
    assert [a.id for a in await repo.list(status=ArticleStatus.DRAFT)] == ["acme"]
    assert [a.id for a in await repo.list(audience="client:acme")] == ["acme"]
    published = await repo.set_status("acme", ArticleStatus.PUBLISHED, "boss")
    assert (published.status, published.version) == (ArticleStatus.PUBLISHED, 2)
    assert (await repo.history("acme"))[-1].action == "publish"
    with pytest.raises(KbError):
        await repo.set_status("missing", ArticleStatus.PUBLISHED, "boss")


async def check_delete_keeps_history_and_is_seen_by_changed_since(repo: Any) -> None:
    await repo.upsert(A, "a")
    mark = (await repo.changed_since(None)).until
    assert mark is not None
    assert await repo.delete("vpn", "admin") is True
    assert await repo.delete("vpn", "admin") is False
    assert await repo.get("vpn") is None
    assert await repo.list() == []
    changes = await repo.changed_since(mark - timedelta(microseconds=1))
    assert changes.removed == ["vpn"] and changes.articles == []
    assert [h.action for h in await repo.history("vpn")] == ["create", "delete"]
    again = await repo.upsert(A, "a")
    assert again.version == 3  # versions continue after a delete: history stays unambiguous


async def check_changed_since(repo: Any) -> None:
    everything = await repo.changed_since(None)
    assert everything.articles == [] and everything.until is None
    await repo.upsert(A, "a")
    first = await repo.changed_since(None)
    assert [a.id for a in first.articles] == ["vpn"]
    assert (await repo.changed_since(first.until)).articles == []
    await repo.upsert(Article("wifi", "Wi-Fi", "Restart the router."), "a")
    later = await repo.changed_since(first.until)
    assert [a.id for a in later.articles] == ["wifi"]


async def check_bad_input_is_refused(repo: Any) -> None:
    with pytest.raises(KbError):
        await repo.upsert(Article("bad id", "T", "B"), "a")
    with pytest.raises(KbError):
        await repo.upsert(Article("ok", "T", "B", audience="client:"), "a")
    assert await repo.list() == []


async def check_upsert_many_saves_like_upsert_one_by_one(repo: Any) -> None:
    await repo.upsert(A, "alice")
    await repo.upsert(Article("gone", "Gone", "Old text."), "alice")
    assert await repo.delete("gone", "admin")
    saved = await repo.upsert_many(
        [
            Article("vpn", "VPN v2", "New body", lang="en"),
            Article("gone", "Back", "Written again."),
            *(Article(f"new-{i}", f"New {i}", f"Body {i}", tags=("t",)) for i in range(3)),
        ],
        "bob",
    )
    assert [(a.id, a.version, a.updated_by) for a in saved] == [
        ("vpn", 2, "bob"), ("gone", 3, "bob"), ("new-0", 1, "bob"), ("new-1", 1, "bob"), ("new-2", 1, "bob"),
    ]  # fmt: skip
    assert [a.id for a in await repo.list()] == ["gone", "new-0", "new-1", "new-2", "vpn"]
    got = await repo.get("vpn")
    assert (got.title, got.body, got.version, got.tags) == ("VPN v2", "New body", 2, ())
    assert (await repo.get("new-1")).tags == ("t",)
    assert [(h.version, h.action) for h in await repo.history("vpn")] == [(1, "create"), (2, "edit")]
    # A deleted article written again is created again, and its versions go on after the delete.
    assert [(h.version, h.action) for h in await repo.history("gone")] == [
        (1, "create"),
        (2, "delete"),
        (3, "create"),
    ]
    assert await repo.upsert_many([], "bob") == []
    found = await repo.get_many(["vpn", "missing", "new-2", "vpn"])
    assert sorted(found) == ["new-2", "vpn"] and found["vpn"].version == 2


async def check_upsert_many_refuses_bad_input_and_twice_the_same_id(repo: Any) -> None:
    with pytest.raises(KbError, match="twice"):
        await repo.upsert_many([Article("a", "T", "B"), Article("a", "T2", "B2")], "x")
    with pytest.raises(KbError):
        await repo.upsert_many([Article("ok", "T", "B"), Article("bad id", "T", "B")], "x")
    assert await repo.list() == []


async def check_gap_log(gaps: Any) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    await gaps.record("как заказать пиццу", Reader.client("acme"), 0.12, t0)
    await gaps.record("x" * 5000, Reader.public(), 0.0, t0 + timedelta(seconds=1))
    listed = await gaps.list()
    assert [g.query[:5] for g in listed] == ["как з", "xxxxx"]
    assert listed[0].audience in ("client:acme", "client")
    assert [g.query for g in await gaps.list(t0)] == [listed[1].query]


CHECKS = [
    check_upsert_versions_and_history,
    check_status_and_listing,
    check_delete_keeps_history_and_is_seen_by_changed_since,
    check_changed_since,
    check_bad_input_is_refused,
    check_upsert_many_saves_like_upsert_one_by_one,
    check_upsert_many_refuses_bad_input_and_twice_the_same_id,
]
