"""The knowledge base as the contact's company reads it: public articles and the company's private section,
searched with the bot's engine (`KnowledgeBase.search` with `Reader.client`)."""

from __future__ import annotations

from aiohttp import web

from helpdesk.admin.i18n import _
from helpdesk.admin.render import render_markdown
from helpdesk.portal.context import current_user, portal_context
from helpdesk.portal.pages import html
from helpdesk.portal.routes import RouteTable
from kb_search.model import Reader
from ticket_core.errors import NotFound

ROUTES = RouteTable()
RESULTS = 10


@ROUTES.route("GET", "/kb", "kb")
async def kb_page(request: web.Request) -> web.StreamResponse:
    """Search the KB, or list every article the company may read."""
    ctx = portal_context(request)
    reader = Reader.client(current_user(request).client.id)
    query = request.query.get("q", "").strip()[:300]
    kb = ctx.rt.kb
    hits, articles = [], []
    if kb is not None and query:
        hits = (await kb.search(query, reader, k=RESULTS)).hits
    elif kb is not None:
        articles = kb.readable(reader)
    return html(request, "kb.html", query=query, hits=hits, articles=articles, kb_on=kb is not None)


@ROUTES.route("GET", "/kb/{article_id}", "article")
async def article_page(request: web.Request) -> web.StreamResponse:
    """One article, if the company may read it (another company's private one is "not found")."""
    ctx = portal_context(request)
    reader = Reader.client(current_user(request).client.id)
    article = (
        await ctx.rt.kb.get(request.match_info["article_id"][:64], reader) if ctx.rt.kb is not None else None
    )
    if article is None:
        raise NotFound(_("No such article. It may have been removed; search the knowledge base again."))
    return html(request, "article.html", article=article, body=render_markdown(article.body))
