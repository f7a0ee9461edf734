"""KB pages: list with filters and paging, new/edit form with a Markdown preview, publish and unpublish,
history with a diff between two versions, restore a version, confirmed phrasings (list, remove)."""

from __future__ import annotations

import difflib
from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from helpdesk.admin import usecases
from helpdesk.admin.access import Area, may
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import Texts, _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.routes import RouteTable
from kb_search.model import CLIENT_PREFIX, INTERNAL, PUBLIC, Article, ArticleStatus, KbError, parse_audience
from kb_search.phrasings import Phrasing
from kb_search.ports import ArticleQuery
from ticket_core.errors import NotFound, ValidationFailed

ROUTES = RouteTable()
PAGE_SIZE = 50
FORM_FIELDS = ("title", "body", "audience", "lang", "tags")


def _text(request: web.Request, name: str, max_len: int = 200) -> str:
    return (request.query.get(name) or "").strip()[:max_len]


def _int(value: str | None, default: int, low: int = 0, high: int = 10**9) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


async def _refresh_search(request: web.Request, saved: Article) -> None:
    """Update this process's search index right after the commit (others pick it up within a second)."""
    kb = admin_context(request).rt.kb
    if kb is not None:
        await kb.upsert(saved)


@ROUTES.route("GET", "/kb", "kb-list", Area.KB_READ)
async def kb_list(request: web.Request) -> web.StreamResponse:
    """Articles by id, filtered by language, audience, status and text, 50 a page."""
    ctx = admin_context(request)
    error = ""
    audience = _text(request, "audience", 80)
    if audience:
        try:
            audience = parse_audience(audience)
        except KbError as exc:
            error, audience = texts_of(request)(_("Audience: {why}"), why=refused(request, exc)), ""
    status = _text(request, "status", 16)
    if status and status not in [s.value for s in ArticleStatus]:
        error = texts_of(request)(_("Status {name} is unknown; pick draft or published."), name=repr(status))
        status = ""
    where = ArticleQuery(
        lang=_text(request, "lang", 8).lower() or None,
        audience=audience or None,
        status=status or None,
        text=_text(request, "q") or None,
    )
    page = _int(request.query.get("page"), 1, 1)
    async with ctx.rt.uows() as uow:
        rows, total = await uow.article_lists.page(where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        langs, audiences = await uow.article_lists.facets()
        clients = {c.id: c.name for c in await uow.directory_lists.client_choices()}
    filters = {
        k: v
        for k, v in (
            ("lang", where.lang),
            ("audience", where.audience),
            ("status", where.status),
            ("q", where.text),
        )
        if v
    }
    pages = max(1, -(-total // PAGE_SIZE))
    return html(
        request,
        "kb_list.html",
        rows=rows,
        total=total,
        where=where,
        langs=langs,
        audiences=audiences,
        clients=clients,
        statuses=[s.value for s in ArticleStatus],
        page=page,
        pages=pages,
        prev_url=f"/admin/kb?{urlencode({**filters, 'page': page - 1})}" if page > 1 else "",
        next_url=f"/admin/kb?{urlencode({**filters, 'page': page + 1})}" if page < pages else "",
        error=error,
        index=ctx.rt.kb.index_progress() if ctx.rt.kb is not None else None,
    )


def _form_values(article: Article | None, posted: dict[str, str] | None, default_lang: str) -> dict[str, str]:
    if posted is not None:
        return {name: posted.get(name, "") for name in ("id", *FORM_FIELDS)}
    if article is None:
        return {"id": "", "title": "", "body": "", "audience": "public", "lang": default_lang, "tags": ""}
    return {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "audience": article.audience,
        "lang": article.lang,
        "tags": ", ".join(article.tags),
    }


async def client_names(request: web.Request) -> dict[str, str]:
    """Client ids to names, for the audiences "client:<id>" (read as the client's name) and the form's menu."""
    async with admin_context(request).rt.uows() as uow:
        return {c.id: c.name for c in await uow.directory_lists.client_choices()}


def audience_choices(values: dict[str, str], clients: dict[str, str]) -> list[str]:
    """The audiences the form's menu offers: everyone, staff, each client, and the current one if it is none."""
    choices = [PUBLIC, INTERNAL, *(CLIENT_PREFIX + i for i in sorted(clients, key=lambda i: clients[i]))]
    current = values.get("audience", "")
    return choices if current in choices or not current else [*choices, current]


async def _edit_page(
    request: web.Request,
    article: Article | None,
    *,
    posted: dict[str, str] | None = None,
    error: str = "",
    preview: bool = False,
    status: int = 200,
    version: int | None = None,
    phrasings: list[Phrasing] | None = None,
) -> web.Response:
    values = _form_values(article, posted, admin_context(request).rt.settings.default_lang)
    clients = await client_names(request)
    # Confirmed: someone said it helped (or staff linked it). A question only ever answered "Did not help" is
    # not a confirmation: it is listed apart, so an admin sees where the article falls short.
    confirmed = [p for p in phrasings if p.helped_by] if phrasings is not None else None
    not_answered = [p for p in phrasings if not p.helped_by] if phrasings is not None else None
    return html(
        request,
        "kb_edit.html",
        status=status,
        article=article,
        values=values,
        version=version if version is not None else (article.version if article else None),
        error=error,
        preview=preview,
        editable=may(current_user(request).member.role, Area.KB_WRITE),
        clients=clients,
        audiences=audience_choices(values, clients),
        phrasings=confirmed,
        not_answered=not_answered,
    )


async def _posted(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@ROUTES.route("GET", "/kb/new", "kb-new", Area.KB_WRITE)
async def kb_new(request: web.Request) -> web.StreamResponse:
    """An empty form for a new draft."""
    return await _edit_page(request, None)


@ROUTES.route("POST", "/kb/new", "kb-new-post", Area.KB_WRITE)
async def kb_new_post(request: web.Request) -> web.StreamResponse:
    """Preview, or create the draft and open it."""
    ctx = admin_context(request)
    posted = await _posted(request)
    if posted.get("action") == "preview":
        return await _edit_page(request, None, posted=posted, preview=True)
    fields = {name: posted.get(name, "") for name in FORM_FIELDS}
    try:
        async with ctx.rt.uows() as uow:
            saved = await usecases.create_article(
                uow,
                current_user(request).actor,
                posted.get("id", ""),
                fields,
                ctx.rt.settings.default_lang,
                ctx.clock(),
            )
            await uow.commit()
    except ValidationFailed as error:
        return await _edit_page(request, None, posted=posted, error=refused(request, error), status=422)
    await _refresh_search(request, saved)
    raise redirect(f"/admin/kb/{saved.id}?done=created")


async def _load(request: web.Request) -> Article:
    article_id = request.match_info["article_id"]
    async with admin_context(request).rt.uows() as uow:
        article: Article | None = await uow.articles.get(article_id)
    if article is None:
        raise NotFound(
            _("No article '{article_id}'; pick one from the knowledge base list."), article_id=article_id
        )
    return article


@ROUTES.route("GET", "/kb/{article_id}", "kb-edit", Area.KB_READ)
async def kb_edit(request: web.Request) -> web.StreamResponse:
    """The article: an edit form for admins (a read view with the rendered body for supervisors), and the
    questions confirmed to be answered by it."""
    article = await _load(request)
    async with admin_context(request).rt.uows() as uow:
        phrasings = await uow.phrasings.for_article(article.id)
    return await _edit_page(request, article, preview=True, phrasings=phrasings)


@ROUTES.route("POST", "/kb/{article_id}/phrasings/{phrasing_id}/remove", "kb-phrasing-remove", Area.KB_WRITE)
async def kb_phrasing_remove(request: web.Request) -> web.StreamResponse:
    """Remove one confirmed phrasing (audited); search stops using it within a second."""
    ctx = admin_context(request)
    article_id = request.match_info["article_id"]
    phrasing_id = _int(request.match_info["phrasing_id"], 0)
    async with ctx.rt.uows() as uow:
        await usecases.remove_phrasing(uow, current_user(request).actor, article_id, phrasing_id, ctx.clock())
        await uow.commit()
    kb = ctx.rt.kb
    if kb is not None:
        await kb.forget([phrasing_id])
    raise redirect(f"/admin/kb/{article_id}?done=phrasing-removed")


@ROUTES.route("POST", "/kb/{article_id}", "kb-edit-post", Area.KB_WRITE)
async def kb_edit_post(request: web.Request) -> web.StreamResponse:
    """Preview the edited text, or save it as a new version (refused if someone saved in between)."""
    ctx = admin_context(request)
    article = await _load(request)
    posted = await _posted(request)
    posted["id"] = article.id
    expected = _int(posted.get("version"), 0) or None
    if posted.get("action") == "preview":
        return await _edit_page(request, article, posted=posted, preview=True, version=expected)
    fields = {name: posted.get(name, "") for name in FORM_FIELDS}
    try:
        async with ctx.rt.uows() as uow:
            saved = await usecases.edit_article(
                uow, current_user(request).actor, article.id, fields, expected, ctx.clock()
            )
            await uow.commit()
    except ValidationFailed as error:
        return await _edit_page(
            request, article, posted=posted, error=refused(request, error), status=422, version=expected
        )
    await _refresh_search(request, saved)
    raise redirect(f"/admin/kb/{saved.id}?done=saved")


def _status_action(publish: bool) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        ctx = admin_context(request)
        article_id = request.match_info["article_id"]
        async with ctx.rt.uows() as uow:
            saved = await usecases.set_article_status(
                uow, current_user(request).actor, article_id, publish, ctx.clock()
            )
            await uow.commit()
        await _refresh_search(request, saved)
        raise redirect(f"/admin/kb/{saved.id}?done={'published' if publish else 'unpublished'}")

    handler.__doc__ = "Publish the article." if publish else "Take the article back to draft."
    return handler


ROUTES.route("POST", "/kb/{article_id}/publish", "kb-publish", Area.KB_WRITE)(_status_action(True))
ROUTES.route("POST", "/kb/{article_id}/unpublish", "kb-unpublish", Area.KB_WRITE)(_status_action(False))


def _version_text(v: Any) -> list[str]:
    head = [
        f"title: {v.title}",
        f"audience: {v.audience}",
        f"lang: {v.lang}",
        f"tags: {', '.join(v.tags)}",
        f"status: {v.status}",
        "",
    ]
    return head + str(v.body).splitlines()


ENGLISH = Texts("en")


def diff_table(older: Any, newer: Any, context: int = 3, tr: Texts = ENGLISH) -> Markup:
    """A side-by-side HTML table of the lines that differ between two versions, with `context` lines around.

    Built from `difflib.SequenceMatcher` opcodes on whole lines (fast on long articles); every line is escaped.
    """
    a, b = _version_text(older), _version_text(newer)
    head_a, head_b = (escape(tr(_("version {n}"), n=v.version)) for v in (older, newer))
    rows = [
        f'<table class="diff"><tr><th class="diff_header">#</th><th>{head_a}</th>'
        f'<th class="diff_header">#</th><th>{head_b}</th></tr>'
    ]
    groups = difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context)
    for n, group in enumerate(groups):
        if n:
            rows.append('<tr><td class="diff_next" colspan="4">&hellip;</td></tr>')
        for tag, i1, i2, j1, j2 in group:
            left, right = a[i1:i2], b[j1:j2]
            css = {"equal": "", "replace": "diff_chg", "delete": "diff_sub", "insert": "diff_add"}[tag]
            for k in range(max(len(left), len(right))):
                old = escape(left[k]) if k < len(left) else ""
                new = escape(right[k]) if k < len(right) else ""
                rows.append(
                    f'<tr><td class="diff_header">{i1 + k + 1 if k < len(left) else ""}</td>'
                    f'<td class="{css if k < len(left) else ""}">{old}</td>'
                    f'<td class="diff_header">{j1 + k + 1 if k < len(right) else ""}</td>'
                    f'<td class="{css if k < len(right) else ""}">{new}</td></tr>'
                )
    if len(rows) == 1:
        same = escape(tr(_("The two versions have the same content.")))
        rows.append(f'<tr><td colspan="4">{same}</td></tr>')
    rows.append("</table>")
    return Markup("".join(rows))


@ROUTES.route("GET", "/kb/{article_id}/history", "kb-history", Area.KB_READ)
async def kb_history(request: web.Request) -> web.StreamResponse:
    """Every version with who saved it, and a diff between two chosen versions (the last two by default)."""
    ctx = admin_context(request)
    article_id = request.match_info["article_id"]
    async with ctx.rt.uows() as uow:
        history = await uow.articles.history(article_id)
        current = await uow.articles.get(article_id)
    if not history:
        raise NotFound(
            _("No article '{article_id}' has ever existed; pick one from the knowledge base list."),
            article_id=article_id,
        )
    by_version = {v.version: v for v in history}
    newest = history[-1].version
    b = _int(request.query.get("b"), newest)
    a = _int(request.query.get("a"), history[-2].version if len(history) > 1 else newest)
    error = ""
    if a not in by_version or b not in by_version:
        error = texts_of(request)(
            _("Pick versions between {first} and {last}."), first=history[0].version, last=newest
        )
        a, b = (history[-2].version if len(history) > 1 else newest), newest
    return html(
        request,
        "kb_history.html",
        article_id=article_id,
        current=current,
        history=list(reversed(history)),
        a=a,
        b=b,
        diff=diff_table(by_version[a], by_version[b], tr=texts_of(request)),
        error=error,
    )


@ROUTES.route("POST", "/kb/{article_id}/restore", "kb-restore", Area.KB_WRITE)
async def kb_restore(request: web.Request) -> web.StreamResponse:
    """Save an old version's content as a new version."""
    ctx = admin_context(request)
    article_id = request.match_info["article_id"]
    posted = await _posted(request)
    version = _int(posted.get("version"), 0)
    if version <= 0:
        raise ValidationFailed(_("Pick the version to restore from the history."))
    async with ctx.rt.uows() as uow:
        saved = await usecases.restore_article_version(
            uow, current_user(request).actor, article_id, version, ctx.clock()
        )
        await uow.commit()
    await _refresh_search(request, saved)
    raise redirect(f"/admin/kb/{saved.id}/history?done=restored")
