"""KB editing use cases: the one write path of the web admin, the REST API, the staff bot's /kb and the CLI
(its edits and its bulk `kb import`, which the demo data uses too).

Each use case checks its editor, validates every field, refuses a stale version, saves a new article version
(the history names the author and the action) and writes a KB audit entry (`uow.kb_audit`), all in the
caller's unit of work; the caller commits (with its own entries, such as the API's request log) and then
calls `make_visible` so this process's search sees the change at once (others refresh within a second).

Refusals are `KbError` subclasses whose message says what to do next; the caller maps them to its medium
(an HTTP status, a form error, a chat reply).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from kb_search.importer import import_changes
from kb_search.model import Article, ArticleStatus, KbError, check_article_id
from kb_search.ports import KbUnitOfWork

EDITABLE_FIELDS = ("title", "body", "audience", "lang", "tags")


class EditRefused(KbError):
    """The editor may not change the knowledge base."""


class ArticleMissing(KbError):
    """No such article (or no such version of it)."""


class ArticleExists(KbError):
    """An article with that id exists already."""


class StaleVersion(KbError):
    """Someone saved a newer version since the editor read the article."""


class NothingChanged(KbError):
    """The change leaves the article as it is."""


class FieldInvalid(KbError):
    """One field's value is refused; `field` names it."""

    def __init__(self, field_name: str, template: str, /, **params: object) -> None:
        super().__init__(template, **params)
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Editor:
    """Who edits: the name written on the version and the audit entry, and whether their role allows it.

    `author` is a staff id, "api:<token name>" or the CLI's `--author`; `may_edit` is the caller's access rule
    (the admin's KB area, the API token's kb:write scope, the admin role in chat, the operator at the CLI).
    """

    author: str
    may_edit: bool = True


@dataclass(frozen=True, slots=True)
class KbChange:
    """What a use case did: the audit action, the article as saved (None once deleted) and the details."""

    action: str
    article_id: str
    article: Article | None
    detail: dict[str, Any] = field(default_factory=dict)


class SearchIndex(Protocol):
    """This process's search over the KB (`kb_search.service.KnowledgeBase`)."""

    async def upsert(self, article: Article) -> None: ...

    async def remove(self, article_id: str) -> None: ...


def edit_field(article: Article, field_name: str, value: str) -> Article:
    """Return `article` with one field changed and validated; raise `FieldInvalid` saying what to fix.

    `tags` takes a comma-separated list. Status changes go through `set_article_status`.
    """
    if field_name not in EDITABLE_FIELDS:
        raise FieldInvalid(
            field_name,
            "cannot edit '{field_name}': choose one of {fields}",
            field_name=field_name,
            fields=", ".join(EDITABLE_FIELDS),
        )
    if not isinstance(value, str):
        raise FieldInvalid(field_name, "the new {field_name} must be text", field_name=field_name)
    new_value: Any = (
        tuple(t.strip() for t in value.split(",") if t.strip()) if field_name == "tags" else value
    )
    try:
        return replace(article, **{field_name: new_value}).validated()
    except FieldInvalid:
        raise
    except KbError as error:
        raise FieldInvalid(field_name, error.template, **error.params) from None


def apply_fields(article: Article, fields: Mapping[str, str]) -> Article:
    """Apply the editable fields present in `fields`, one at a time so an error names its field."""
    for name in EDITABLE_FIELDS:
        if name in fields:
            article = edit_field(article, name, fields[name])
    return article


async def create_article(
    uow: KbUnitOfWork,
    editor: Editor,
    article_id: str | None,
    fields: Mapping[str, str],
    now: datetime,
    *,
    lang: str,
    status: ArticleStatus = ArticleStatus.DRAFT,
) -> KbChange:
    """Create an article (its id given or generated) from `fields`; a draft unless `status` says otherwise.

    Raises:
        EditRefused, FieldInvalid (the id or a field), ArticleExists.
    """
    _check(editor)
    article_id = (article_id or "").strip() or f"kb-{uuid.uuid4().hex[:10]}"
    try:
        check_article_id(article_id)
    except KbError as error:
        raise FieldInvalid("id", error.template, **error.params) from None
    # Valid placeholders first, then each given field on its own: an error names the field it is about.
    article = apply_fields(Article(article_id, "-", "-", lang=lang, status=status), fields)
    if await uow.articles.get(article_id) is not None:
        raise ArticleExists(
            "Article '{article_id}' exists already; open it to edit it.", article_id=article_id
        )
    saved = await uow.articles.upsert(article, editor.author)
    return await _audited(uow, editor, now, "kb.create", saved)


async def edit_article(
    uow: KbUnitOfWork,
    editor: Editor,
    article_id: str,
    fields: Mapping[str, str],
    expected_version: int | None,
    now: datetime,
) -> KbChange:
    """Save changed fields as a new version; refuse when a newer version was saved since `expected_version`.

    Raises:
        EditRefused, ArticleMissing, StaleVersion, FieldInvalid, NothingChanged.
    """
    _check(editor)
    current = await _current(uow, article_id)
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion(
            "Article {article_id} was saved by {who} (version {version}) after you opened version {expected_version}. Open it again and re-apply your change.",
            article_id=article_id,
            who=current.updated_by or "someone",
            version=current.version,
            expected_version=expected_version,
        )
    edited = apply_fields(current, fields)
    if edited == current:
        raise NothingChanged(
            "Nothing changed in {article_id}: give a new value for a field.", article_id=article_id
        )
    saved = await uow.articles.upsert(edited, editor.author)
    return await _audited(uow, editor, now, "kb.edit", saved)


async def set_article_status(
    uow: KbUnitOfWork, editor: Editor, article_id: str, publish: bool, now: datetime
) -> KbChange:
    """Publish an article (search shows it) or take it back to draft.

    Raises:
        EditRefused, ArticleMissing, NothingChanged (it is in that status already).
    """
    _check(editor)
    current = await _current(uow, article_id)
    status = ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT
    if current.status is status:
        raise NothingChanged(
            "Article {article_id} is {status} already.", article_id=article_id, status=status
        )
    saved = await uow.articles.set_status(article_id, status, editor.author)
    return await _audited(uow, editor, now, "kb.publish" if publish else "kb.unpublish", saved)


async def restore_article_version(
    uow: KbUnitOfWork, editor: Editor, article_id: str, version: int, now: datetime
) -> KbChange:
    """Save an old version's title, body, audience, language and tags as a new version (status unchanged).

    Raises:
        EditRefused, ArticleMissing (no article or no such version), NothingChanged.
    """
    _check(editor)
    current = await _current(uow, article_id)
    old = next((v for v in await uow.articles.history(article_id) if v.version == version), None)
    if old is None:
        raise ArticleMissing(
            "Article {article_id} has no version {version}; pick one from its history.",
            article_id=article_id,
            version=version,
        )
    restored = replace(
        current, title=old.title, body=old.body, audience=old.audience, lang=old.lang, tags=old.tags
    )
    if restored == current:
        raise NothingChanged(
            "Version {version} has the same content as the current one; nothing to restore.", version=version
        )
    saved = await uow.articles.upsert(restored, editor.author)
    return await _audited(uow, editor, now, "kb.restore", saved, restored_from=version)


async def delete_article(uow: KbUnitOfWork, editor: Editor, article_id: str, now: datetime) -> KbChange:
    """Delete an article; its version history is kept and gets a "delete" entry.

    Raises:
        EditRefused, ArticleMissing.
    """
    _check(editor)
    if not await uow.articles.delete(article_id, editor.author):
        raise ArticleMissing(
            "No article '{article_id}'; list the articles to pick one.", article_id=article_id
        )
    change = KbChange("kb.delete", article_id, None)
    await uow.kb_audit.record(now, editor.author, change.action, article_id, None)
    return change


async def import_articles(
    uow: KbUnitOfWork,
    editor: Editor,
    articles: list[Article],
    now: datetime,
    *,
    replace: bool = False,
    keep_others_edits: bool = False,
) -> dict[str, int]:
    """Import many articles at once (the CLI's `kb import`, the demo data): an unchanged one is skipped, a new
    or changed one saved as a new version with a "kb.import" audit entry, and with `replace` an article not in
    `articles` deleted ("kb.delete"). `keep_others_edits` leaves alone what someone else has changed since.

    Returns the counts: created, updated, unchanged, deleted, kept.

    Raises:
        EditRefused, KbError (two articles with one id).
    """
    _check(editor)
    done = await import_changes(
        uow.articles, articles, author=editor.author, replace=replace, keep_others_edits=keep_others_edits
    )
    for saved in done.saved:
        await _audited(uow, editor, now, "kb.import", saved)
    for article_id in done.deleted:
        await uow.kb_audit.record(now, editor.author, "kb.delete", article_id, None)
    return done.counts


async def make_visible(index: SearchIndex | None, change: KbChange) -> None:
    """After the commit: this process's search sees the change now (other processes within a second)."""
    if index is None:
        return
    if change.article is None:
        await index.remove(change.article_id)
    else:
        await index.upsert(change.article)


def _check(editor: Editor) -> None:
    if not editor.may_edit:
        raise EditRefused("Only an admin edits knowledge base articles.")


async def _current(uow: KbUnitOfWork, article_id: str) -> Article:
    article = await uow.articles.get(article_id)
    if article is None:
        raise ArticleMissing(
            "No article '{article_id}'; list the articles to pick one.", article_id=article_id
        )
    return article


async def _audited(
    uow: KbUnitOfWork, editor: Editor, now: datetime, action: str, saved: Article, **extra: Any
) -> KbChange:
    detail = {"version": saved.version, **extra}
    await uow.kb_audit.record(now, editor.author, action, saved.id, detail)
    return KbChange(action, saved.id, saved, detail)
