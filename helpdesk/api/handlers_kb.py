"""`/api/kb/...`: knowledge base articles for admins' tools - list, read, history, create, edit, publish, delete.

Every write is one of `kb_search.editing`'s use cases as the editor "api:<token name>" (a new article version
and a KB audit entry), with the API's request audit entry in the same transaction; the in-process search
index is updated right after the commit, and other processes pick the change up on their one-second refresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from helpdesk.api import audit, serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import ApiError, bad_request, conflict, invalid, not_found
from helpdesk.api.fields import query_choice, query_int, query_text, read_object, text_field
from helpdesk.api.jsonio import json_response
from helpdesk.api.paging import Page
from helpdesk.api.routes import PAGE_PARAMS, RouteTable, path, query
from helpdesk.api.tokens import Scope
from kb_search import editing as kb_edits
from kb_search.editing import EDITABLE_FIELDS
from kb_search.model import Article, ArticleStatus, KbError, Reader, parse_audience
from storage.uow import SqlUnitOfWork

ROUTES = RouteTable()
TAG = "Knowledge base"
ARTICLE_ID = path("article_id", "Article id, e.g. printer-jam.")
MAX_TAG = 50
CREATE_FIELDS = ("id", "status", *EDITABLE_FIELDS)
PATCH_FIELDS = ("version", *EDITABLE_FIELDS)


def _tags_text(value: Any) -> str:
    """Tags from JSON (a list of strings, or one comma-separated string) in `edit_field`'s form."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise invalid('\'tags\' must be a list of strings, e.g. ["printer", "paper"].', "tags")
    for tag in value:
        if "," in tag or len(tag) > MAX_TAG:
            raise invalid(f"Tag {tag!r} must have no commas and at most {MAX_TAG} characters.", "tags")
    return ",".join(value)


def _fields(data: dict[str, Any]) -> dict[str, str]:
    """The editable fields present in `data` as the KB use cases take them (text; tags comma-separated)."""
    fields: dict[str, str] = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "tags":
            value = _tags_text(value)
        elif not isinstance(value, str):
            raise invalid(f"{name!r} must be a string.", name)
        fields[name] = value
    return fields


def _refusal(error: KbError, article_id: str) -> ApiError:
    """A KB use case's refusal as an API error."""
    if isinstance(error, kb_edits.ArticleMissing):
        return not_found(f"No article {article_id!r}; list them with GET /api/kb/articles.")
    if isinstance(error, kb_edits.ArticleExists):
        return conflict(f"Article {article_id!r} exists; change it with PATCH /api/kb/articles/{article_id}.")
    if isinstance(error, kb_edits.StaleVersion):
        return conflict(str(error))
    if isinstance(error, kb_edits.FieldInvalid):
        return invalid(str(error), error.field)
    return invalid(str(error), None)


async def _write(
    ctx: ApiContext,
    request: web.Request,
    principal: Principal,
    article_id: str,
    change: Callable[[SqlUnitOfWork, kb_edits.Editor], Awaitable[kb_edits.KbChange]],
) -> Article | None:
    """Run a KB use case as the token's editor with the API's audit entry, commit, then make it searchable.

    A change that changes nothing writes nothing and answers with the article as it is.

    Raises:
        ApiError: the use case's refusal; 409 also when another request changed the same article at the
            same moment (both read version N and wrote version N+1: the database keeps one).
    """
    editor = kb_edits.Editor(principal.author)  # the route's kb:write scope let the token in
    try:
        async with ctx.rt.uows() as uow:
            try:
                done = await change(uow, editor)
            except kb_edits.NothingChanged:
                return await _load(uow, article_id)
            except KbError as error:
                raise _refusal(error, article_id) from None
            detail = dict(done.detail) or None
            await audit.record(uow, principal, request, ctx.clock(), done.action, article_id, detail)
            await uow.commit()
    except IntegrityError:
        raise conflict(
            f"Article {article_id!r} was changed by another request at the same time: "
            "read it again and re-apply your change."
        ) from None
    await kb_edits.make_visible(ctx.rt.kb, done)
    return done.article


def _article_id(request: web.Request) -> str:
    return request.match_info["article_id"]


async def _load(uow: SqlUnitOfWork, article_id: str) -> Article:
    article = await uow.articles.get(article_id)
    if article is None:
        raise not_found(f"No article {article_id!r}; list them with GET /api/kb/articles.")
    return article


@ROUTES.route(
    "GET",
    "/api/kb/articles",
    summary="List articles",
    tag=TAG,
    scope=Scope.KB_READ,
    params=(
        query("status", "Only this status.", {"type": "string", "enum": [s.value for s in ArticleStatus]}),
        query("audience", "Only this audience: public, internal or client:<id>."),
        query("lang", "Only this language code, e.g. ru or en."),
        query("q", "Only articles whose title, body or tags contain this text (case-insensitive)."),
        *PAGE_PARAMS,
    ),
    response="ArticlePage",
    errors=(400,),
)
async def list_articles(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Articles of every status ordered by id, filtered and paginated."""
    status = query_choice(request, "status", [s.value for s in ArticleStatus])
    audience = query_text(request, "audience", max_len=80)
    if audience is not None:
        try:
            audience = parse_audience(audience)
        except KbError as error:
            raise bad_request(str(error), "audience") from None
    lang = query_text(request, "lang", max_len=8)
    text = (query_text(request, "q") or "").lower()
    page = Page.from_request(request)
    async with ctx.rt.uows() as uow:
        articles = await uow.articles.list(ArticleStatus(status) if status else None, audience)
    if lang:
        articles = [a for a in articles if a.lang == lang.lower()]
    if text:
        articles = [
            a
            for a in articles
            if text in a.title.lower() or text in a.body.lower() or any(text in t for t in a.tags)
        ]
    chunk = articles[page.offset : page.offset + page.limit]
    return json_response(page.envelope([serialize.article(a) for a in chunk], len(articles)))


@ROUTES.route(
    "POST",
    "/api/kb/articles",
    summary="Create an article",
    tag=TAG,
    scope=Scope.KB_WRITE,
    body="ArticleCreate",
    ok=201,
    response="Article",
    errors=(400, 409, 422),
)
async def create_article(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Create an article (a draft unless `status` is "published"); `id` is generated when absent."""
    data = await read_object(request, CREATE_FIELDS)
    raw_id = text_field(data, "id", max_len=64)
    article_id = raw_id or f"kb-{uuid.uuid4().hex[:10]}"
    for name in ("title", "body"):
        text_field(data, name, required=True, max_len=200_000)
    status_raw = data.get("status", ArticleStatus.DRAFT.value)
    if status_raw not in [s.value for s in ArticleStatus]:
        raise invalid("'status' must be draft or published.", "status")
    fields = _fields(data)

    async def change(uow: SqlUnitOfWork, editor: kb_edits.Editor) -> kb_edits.KbChange:
        return await kb_edits.create_article(
            uow,
            editor,
            article_id,
            fields,
            ctx.clock(),
            lang=ctx.rt.settings.default_lang,
            status=ArticleStatus(status_raw),
        )

    saved = await _write(ctx, request, principal, article_id, change)
    assert saved is not None
    return json_response(serialize.article(saved), status=201)


@ROUTES.route(
    "GET",
    "/api/kb/articles/{article_id}",
    summary="Get an article",
    tag=TAG,
    scope=Scope.KB_READ,
    params=(ARTICLE_ID,),
    response="Article",
    errors=(404,),
)
async def get_article(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """One article, any status; its history is at `/versions`."""
    async with ctx.rt.uows() as uow:
        article = await _load(uow, _article_id(request))
    return json_response(serialize.article(article))


@ROUTES.route(
    "GET",
    "/api/kb/articles/{article_id}/versions",
    summary="Version history of an article",
    tag=TAG,
    scope=Scope.KB_READ,
    params=(ARTICLE_ID,),
    response="ArticleVersionList",
    errors=(404,),
)
async def article_versions(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Every saved version, oldest first, with its action (create, edit, publish, ...) and author."""
    article_id = _article_id(request)
    async with ctx.rt.uows() as uow:
        history = await uow.articles.history(article_id)
    if not history:
        raise not_found(f"No article {article_id!r} has ever existed; list them with GET /api/kb/articles.")
    return json_response({"items": [serialize.version(v) for v in history]})


@ROUTES.route(
    "PATCH",
    "/api/kb/articles/{article_id}",
    summary="Change article fields",
    tag=TAG,
    scope=Scope.KB_WRITE,
    params=(ARTICLE_ID,),
    body="ArticlePatch",
    response="Article",
    errors=(400, 404, 409, 422),
)
async def patch_article(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Change any of title, body, audience, lang, tags; saved as one new version.

    Give `version` (the one you read) to be refused with 409 if someone saved a newer one meanwhile.
    """
    article_id = _article_id(request)
    data = await read_object(request, PATCH_FIELDS)
    if not any(name in data for name in EDITABLE_FIELDS):
        raise invalid(f"Nothing to change: give at least one of {', '.join(EDITABLE_FIELDS)}.", None)
    expected = data.get("version")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise invalid("'version' must be the article's version number.", "version")

    fields = _fields(data)

    async def change(uow: SqlUnitOfWork, editor: kb_edits.Editor) -> kb_edits.KbChange:
        return await kb_edits.edit_article(uow, editor, article_id, fields, expected, ctx.clock())

    saved = await _write(ctx, request, principal, article_id, change)
    assert saved is not None
    return json_response(serialize.article(saved))


def _status_endpoint(name: str, status: ArticleStatus, summary: str) -> None:
    async def handler(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
        article_id = _article_id(request)

        async def change(uow: SqlUnitOfWork, editor: kb_edits.Editor) -> kb_edits.KbChange:
            publish = status is ArticleStatus.PUBLISHED
            return await kb_edits.set_article_status(uow, editor, article_id, publish, ctx.clock())

        saved = await _write(ctx, request, principal, article_id, change)
        assert saved is not None
        return json_response(serialize.article(saved))

    handler.__name__ = f"{name}_article"
    handler.__doc__ = f"{summary}; searchable state changes at once in this process, within 1 s elsewhere."
    ROUTES.route(
        "POST",
        f"/api/kb/articles/{{article_id}}/{name}",
        summary=summary,
        tag=TAG,
        scope=Scope.KB_WRITE,
        params=(ARTICLE_ID,),
        response="Article",
        errors=(404,),
    )(handler)


_status_endpoint("publish", ArticleStatus.PUBLISHED, "Publish an article")
_status_endpoint("unpublish", ArticleStatus.DRAFT, "Unpublish an article (back to draft)")


@ROUTES.route(
    "DELETE",
    "/api/kb/articles/{article_id}",
    summary="Delete an article",
    tag=TAG,
    scope=Scope.KB_WRITE,
    params=(ARTICLE_ID,),
    ok=204,
    errors=(404,),
)
async def delete_article(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Delete an article; its version history is kept and gets a "delete" entry."""
    article_id = _article_id(request)

    async def change(uow: SqlUnitOfWork, editor: kb_edits.Editor) -> kb_edits.KbChange:
        return await kb_edits.delete_article(uow, editor, article_id, ctx.clock())

    await _write(ctx, request, principal, article_id, change)
    return web.Response(status=204)


@ROUTES.route(
    "GET",
    "/api/kb/search",
    summary="Search the KB as a reader",
    tag=TAG,
    scope=Scope.KB_READ,
    params=(
        query("q", "The question, as a client would type it."),
        query("audience", "Read as: public (default), internal (staff) or client:<id>."),
        query("k", "How many hits (1-20).", {"type": "integer", "minimum": 1, "maximum": 20, "default": 5}),
    ),
    response="SearchResult",
    errors=(400, 503),
)
async def search_articles(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Search published articles the reader may see, the way the bot does; says whether it would auto-answer."""
    text = query_text(request, "q", max_len=1000)
    if not text:
        raise bad_request("Give the question in the 'q' query parameter.", "q")
    try:
        reader = Reader.parse(query_text(request, "audience", max_len=80) or "public")
    except KbError as error:
        raise bad_request(str(error), "audience") from None
    k = query_int(request, "k", 5, low=1, high=20)
    kb = ctx.rt.kb
    if kb is None:
        raise ApiError(
            503, "kb_unavailable", "The knowledge base is not loaded in this process; try again later."
        )
    result = await kb.search(text, reader, k=k)
    return json_response(
        {
            "confident": result.confident,
            "confidence": result.confidence,
            "hits": [
                {"id": h.article_id, "title": h.title, "snippet": h.snippet, "score": h.score, "lang": h.lang}
                for h in result.hits
            ],
        }
    )
