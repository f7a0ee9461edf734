"""The Messages page: inbound messages that could not be handled (dead letters) with *Replay*, and outgoing
messages that could not be delivered (failed) with *Retry*; admins and supervisors."""

from __future__ import annotations

import re
from dataclasses import replace

from aiohttp import web

from helpdesk import queues
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import Texts, _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.routes import RouteTable
from storage.inbox import InboxStatus
from storage.outbox_delivery import OutboxStatus

ROUTES = RouteTable()
SHOWN = 100
"""Each list shows the newest this many; the heading says how many there are in all."""
PAGE = "/admin/messages"
# What a message was when it had no text (`helpdesk.queues` words them in brackets), in the reader's language.
MARKS = {
    "[button press]": _("[button press]"),
    "[location]": _("[location]"),
    "[contact]": _("[contact]"),
    "[no text]": _("[no text]"),
    "[buttons]": _("[buttons]"),
    "[unreadable payload]": _("[unreadable payload]"),
    "[unreadable webhook]": _("[unreadable webhook]"),
    "[file]": _("[file]"),
    "[photo]": _("[photo]"),
    "[video]": _("[video]"),
    "[audio]": _("[audio]"),
    "[document]": _("[document]"),
}
MARK = re.compile(r"\[(?:[a-z ]+|\d+ file\(s\))\]")
BOTS = {"client": _("clients' bot"), "staff": _("staff bot")}
QUEUE_REFUSALS = (
    _("'{value}' is not {what} id: ids are whole numbers from 1 to {max_id}, e.g. 12"),
    _("{count} ids are too many at once (at most {max_ids}); replay or retry them all instead"),
    _("give at least one {what} id"),
    _("an inbox"),
    _("an outbox"),
    _("inbox message {ids} does not exist; nothing was replayed"),
    _("inbox messages {ids} do not exist; nothing was replayed"),
    _(
        "inbox message {ids} is not a dead letter (waiting to be handled, or handled already); nothing was replayed"
    ),
    _(
        "inbox messages {ids} are not dead letters (waiting to be handled, or handled already); nothing was replayed"
    ),
    _("outgoing message {ids} does not exist; nothing was retried"),
    _("outgoing messages {ids} do not exist; nothing was retried"),
    _("outgoing message {ids} has not failed (waiting to be sent, or sent already); nothing was retried"),
    _("outgoing messages {ids} have not failed (waiting to be sent, or sent already); nothing was retried"),
)
"""`helpdesk.queues`' refusals (`BadIds`), here for the catalogue: `refused` says them in the reader's language."""


def _worded(tr: Texts, message: queues.QueuedMessage) -> queues.QueuedMessage:
    """The message as the page shows it: its bracketed words in the reader's language."""

    def say(match: re.Match[str]) -> str:
        mark = match.group(0)
        if mark in MARKS:
            return tr(MARKS[mark])
        if mark.endswith(" file(s)]"):
            n = int(mark[1:].split()[0])
            return "[" + tr.ngettext("%(num)d file", "%(num)d files", n) % {"num": n} + "]"
        return mark

    return replace(message, what=MARK.sub(say, message.what))


def _notice(request: web.Request) -> str:
    """The confirmation after a replay or retry, from a number in the query (nothing else is reflected)."""
    tr = texts_of(request)
    for key in ("replayed", "retried"):
        value = request.query.get(key, "")
        if value.isascii() and value.isdigit() and len(value) <= 9:
            n = int(value)
            if not n:
                return tr(_("Nothing to do: the list had changed; it is up to date below."))
            if key == "replayed":
                text = tr.ngettext(
                    "%(num)d incoming message queued again; the app handles it within a second.",
                    "%(num)d incoming messages queued again; the app handles them within a second.",
                    n,
                )
            else:
                text = tr.ngettext(
                    "%(num)d outgoing message queued again; the app sends it within a second.",
                    "%(num)d outgoing messages queued again; the app sends them within a second.",
                    n,
                )
            return text % {"num": n}
    return ""


def _up_to_date(request: web.Request, error: Exception) -> str:
    return texts_of(request)(_("{error}. The list below is up to date."), error=refused(request, error))


async def _page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    ctx = admin_context(request)
    tr = texts_of(request)
    now = ctx.clock()
    async with ctx.rt.uows() as uow:
        dead = await queues.list_inbox(uow.session, InboxStatus.DEAD, limit=SHOWN, now=now)
        failed = await queues.list_outbox(uow.session, [OutboxStatus.FAILED], limit=SHOWN, now=now)
    return html(
        request,
        "messages.html",
        status=status,
        dead=replace(dead, messages=[_worded(tr, m) for m in dead.messages]),
        failed=replace(failed, messages=[_worded(tr, m) for m in failed.messages]),
        bot_label=lambda value: tr(BOTS[value]) if value in BOTS else value,
        notice=_notice(request),
        error=error,
    )


@ROUTES.route("GET", "/messages", "messages", Area.MESSAGES)
async def messages(request: web.Request) -> web.StreamResponse:
    """Dead letters and undelivered messages, newest first, each with its chat, person, text and last error."""
    return await _page(request)


async def _replay(request: web.Request, ids: list[int] | None) -> web.StreamResponse:
    ctx = admin_context(request)
    try:
        async with ctx.rt.uows() as uow:
            done = await queues.replay_dead_letters(uow, current_user(request).actor, ids, ctx.clock())
            await uow.commit()
    except queues.BadIds as error:
        # Usually another admin (or `helpdesk inbox replay`) was first: show the list as it is now.
        return await _page(request, error=_up_to_date(request, error), status=409)
    if done:
        ctx.rt.inbox.wake()  # this process's inbox loop looks now; other processes' loops poll within a second
    raise redirect(f"{PAGE}?replayed={len(done)}")


async def _retry(request: web.Request, ids: list[int] | None) -> web.StreamResponse:
    ctx = admin_context(request)
    try:
        async with ctx.rt.uows() as uow:
            done = await queues.retry_undelivered(uow, current_user(request).actor, ids, ctx.clock())
            await uow.commit()
    except queues.BadIds as error:
        return await _page(request, error=_up_to_date(request, error), status=409)
    if done:
        ctx.rt.wake_delivery()
    raise redirect(f"{PAGE}?retried={len(done)}")


@ROUTES.route("POST", "/messages/inbox/{row_id}/replay", "messages-replay", Area.MESSAGES)
async def replay_one(request: web.Request) -> web.StreamResponse:
    """Queue one dead letter again."""
    return await _replay(request, queues.parse_ids([request.match_info["row_id"]], "an inbox"))


@ROUTES.route("POST", "/messages/inbox/replay-all", "messages-replay-all", Area.MESSAGES)
async def replay_all(request: web.Request) -> web.StreamResponse:
    """Queue every dead letter again."""
    return await _replay(request, None)


@ROUTES.route("POST", "/messages/outbox/{row_id}/retry", "messages-retry", Area.MESSAGES)
async def retry_one(request: web.Request) -> web.StreamResponse:
    """Send one undelivered message again."""
    return await _retry(request, queues.parse_ids([request.match_info["row_id"]], "an outbox"))


@ROUTES.route("POST", "/messages/outbox/retry-all", "messages-retry-all", Area.MESSAGES)
async def retry_all(request: web.Request) -> web.StreamResponse:
    """Send every undelivered message again."""
    return await _retry(request, None)
