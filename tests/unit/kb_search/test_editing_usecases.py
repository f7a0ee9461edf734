"""The KB editing use cases every editor calls: actor check, validation, version check, audit, search."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kb_search import editing as kb
from kb_search.model import Article, ArticleStatus
from tests.unit.kb_search.fakes import MemorySource

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = kb.Editor("a-admin")


class Index:
    def __init__(self) -> None:
        self.upserted: list[tuple[str, int]] = []
        self.removed: list[str] = []

    async def upsert(self, article: Article) -> None:
        self.upserted.append((article.id, article.version))

    async def remove(self, article_id: str) -> None:
        self.removed.append(article_id)


@pytest.fixture
def uow() -> MemorySource:
    return MemorySource()


async def test_create_edit_publish_restore_delete_each_audited_and_visible(uow: MemorySource) -> None:
    index = Index()
    made = await kb.create_article(
        uow, ADMIN, "badge", {"title": "Badge", "body": "Hold it flat."}, NOW, lang="en"
    )
    await kb.make_visible(index, made)
    assert (
        made.article is not None and made.article.status is ArticleStatus.DRAFT and made.article.version == 1
    )
    edited = await kb.edit_article(uow, ADMIN, "badge", {"tags": "access, security"}, 1, NOW)
    published = await kb.set_article_status(uow, ADMIN, "badge", True, NOW)
    restored = await kb.restore_article_version(uow, ADMIN, "badge", 1, NOW)
    gone = await kb.delete_article(uow, ADMIN, "badge", NOW)
    for change in (edited, published, restored, gone):
        await kb.make_visible(index, change)
    assert [(action, article, detail) for _, _, action, article, detail in uow.kb_audit.entries] == [
        ("kb.create", "badge", {"version": 1}),
        ("kb.edit", "badge", {"version": 2}),
        ("kb.publish", "badge", {"version": 3}),
        ("kb.restore", "badge", {"version": 4, "restored_from": 1}),
        ("kb.delete", "badge", None),
    ]
    assert {e[1] for e in uow.kb_audit.entries} == {"a-admin"}
    assert index.upserted == [("badge", 1), ("badge", 2), ("badge", 3), ("badge", 4)]
    assert index.removed == ["badge"]


async def test_a_stale_version_is_refused_and_changes_nothing(uow: MemorySource) -> None:
    await kb.create_article(uow, ADMIN, "wifi", {"title": "Wi-Fi", "body": "Office"}, NOW, lang="en")
    await kb.edit_article(uow, kb.Editor("a-other"), "wifi", {"body": "Office-5G"}, 1, NOW)
    with pytest.raises(kb.StaleVersion, match=r"saved by a-other \(version 2\) after you opened version 1"):
        await kb.edit_article(uow, ADMIN, "wifi", {"body": "Guest"}, 1, NOW)
    article = await uow.articles.get("wifi")
    assert article is not None and article.body == "Office-5G" and article.version == 2
    assert len(uow.kb_audit.entries) == 2


async def test_bad_input_names_its_field_and_changes_nothing(uow: MemorySource) -> None:
    with pytest.raises(kb.FieldInvalid) as bad_id:
        await kb.create_article(uow, ADMIN, "no spaces", {"title": "T", "body": "B"}, NOW, lang="en")
    assert bad_id.value.field == "id"
    await kb.create_article(uow, ADMIN, "wifi", {"title": "Wi-Fi", "body": "Office"}, NOW, lang="en")
    with pytest.raises(kb.FieldInvalid) as bad_audience:
        await kb.edit_article(uow, ADMIN, "wifi", {"audience": "client:"}, None, NOW)
    assert bad_audience.value.field == "audience"
    with pytest.raises(kb.ArticleExists):
        await kb.create_article(uow, ADMIN, "wifi", {"title": "Again", "body": "B"}, NOW, lang="en")
    with pytest.raises(kb.NothingChanged):
        await kb.edit_article(uow, ADMIN, "wifi", {"title": "Wi-Fi"}, None, NOW)
    with pytest.raises(kb.NothingChanged):
        await kb.set_article_status(uow, ADMIN, "wifi", False, NOW)  # a draft already
    with pytest.raises(kb.ArticleMissing):
        await kb.delete_article(uow, ADMIN, "nope", NOW)
    with pytest.raises(kb.ArticleMissing):
        await kb.restore_article_version(uow, ADMIN, "wifi", 7, NOW)
    assert [e[2] for e in uow.kb_audit.entries] == ["kb.create"]


async def test_an_editor_whose_role_may_not_edit_is_refused(uow: MemorySource) -> None:
    engineer = kb.Editor("e-petrov", may_edit=False)
    with pytest.raises(kb.EditRefused):
        await kb.create_article(uow, engineer, "wifi", {"title": "Wi-Fi", "body": "Office"}, NOW, lang="en")
    await kb.create_article(uow, ADMIN, "wifi", {"title": "Wi-Fi", "body": "Office"}, NOW, lang="en")
    for attempt in (
        kb.edit_article(uow, engineer, "wifi", {"body": "x"}, None, NOW),
        kb.set_article_status(uow, engineer, "wifi", True, NOW),
        kb.restore_article_version(uow, engineer, "wifi", 1, NOW),
        kb.delete_article(uow, engineer, "wifi", NOW),
    ):
        with pytest.raises(kb.EditRefused):
            await attempt
    article = await uow.articles.get("wifi")
    assert article is not None and article.version == 1 and not article.published


async def test_import_saves_what_changed_audits_each_and_refuses_a_reader(uow: MemorySource) -> None:
    first = [Article("a1", "One", "Body one."), Article("a2", "Two", "Body two.")]
    assert (await kb.import_articles(uow, ADMIN, first, NOW))["created"] == 2
    again = [Article("a1", "One", "Body one, changed.")]
    counts = await kb.import_articles(uow, ADMIN, again, NOW, replace=True)
    assert (counts["updated"], counts["deleted"]) == (1, 1)
    assert [(action, article, detail) for _, _, action, article, detail in uow.kb_audit.entries] == [
        ("kb.import", "a1", {"version": 1}),
        ("kb.import", "a2", {"version": 1}),
        ("kb.import", "a1", {"version": 2}),
        ("kb.delete", "a2", None),
    ]
    with pytest.raises(kb.EditRefused):
        await kb.import_articles(uow, kb.Editor("reader", may_edit=False), first, NOW)
    assert len(uow.kb_audit.entries) == 4 and await uow.articles.get("a2") is None
