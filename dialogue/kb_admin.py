"""`/kb` in the staff bot: admins list, show, create, edit, publish and unpublish KB articles in chat.

Commands (admin role only; every change is one of `kb_search.editing`'s use cases - a new article version
authored by the admin, with a KB audit entry, refused when someone saved the article since it was shown - and
search sees it within a second):
  /kb                         list articles (drafts too) with their status
  /kb show ID                 the article, with buttons to edit, publish or unpublish
  /kb new ID Title...         a draft with that title; the next message is its body
  /kb edit ID FIELD           the next message is the new value (title, body, audience, lang, tags)
  /kb publish ID | /kb unpublish ID
"""

from __future__ import annotations

from dialogue.cards import short
from dialogue.conversation import Awaiting
from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson
from dialogue.payloads import KbAdminAction, KbEdit, KbPublish, KbUnpublish
from dialogue.turn import Turn
from kb_search import editing as kb_edits
from kb_search.editing import EDITABLE_FIELDS
from kb_search.model import Article, KbError
from ticket_core.enums import Role

LIST_LIMIT = 30
SHOW_CHARS = 1500


def _may_edit(turn: Turn, person: StaffPerson) -> bool:
    if person.actor.role is not Role.ADMIN:
        turn.tell("Only an admin edits knowledge base articles.")
        return False
    return True


async def on_command(turn: Turn, person: StaffPerson, args: str) -> None:
    """Handle `/kb ...` from a staff member."""
    if not _may_edit(turn, person):
        return
    verb, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    try:
        if not verb:
            await _list(turn)
        elif verb == "show" and rest:
            await _show(turn, rest.split()[0])
        elif verb == "new" and len(rest.split(maxsplit=1)) == 2:
            article_id, title = rest.split(maxsplit=1)
            await _new(turn, person, article_id, title)
        elif verb == "edit" and len(rest.split()) == 2 and rest.split()[1] in EDITABLE_FIELDS:
            article_id, field = rest.split()
            await _ask_value(turn, article_id, field)
        elif verb in ("publish", "unpublish") and rest:
            await _set_status(turn, person, rest.split()[0], verb == "publish")
        else:
            turn.tell(
                "/kb - list; /kb show ID; /kb new ID Title; /kb edit ID field (title, body, audience, lang, tags); "
                "/kb publish ID; /kb unpublish ID"
            )
    except KbError as error:
        _refused(turn, error)


async def on_button(turn: Turn, person: StaffPerson, action: KbAdminAction) -> None:
    """Buttons under /kb show: publish, unpublish, edit a field."""
    if not _may_edit(turn, person):
        return
    try:
        if isinstance(action, KbPublish | KbUnpublish):
            await _set_status(turn, person, action.article_id, isinstance(action, KbPublish))
        elif isinstance(action, KbEdit) and action.field in EDITABLE_FIELDS:
            await _ask_value(turn, action.article_id, action.field)
        else:
            turn.tell(
                "That button is out of date or not meant for you. Tell me what you need, or send /help."
            )
    except KbError as error:
        _refused(turn, error)


async def on_text(turn: Turn, person: StaffPerson, text: str) -> bool:
    """The value the admin was asked for; return False when nothing KB-related was pending."""
    state = turn.state
    if state.awaiting is not Awaiting.KB_VALUE or not _may_edit(turn, person):
        return False
    article_id, field = state.kb_article, state.kb_field
    expected = state.kb_version  # the version shown when the value was asked for
    state.end_kb_edit()
    if article_id is None or field is None:
        return False
    try:
        change = await kb_edits.edit_article(
            turn.uow, _editor(person), article_id, {field: text}, expected, turn.now
        )
        assert change.article is not None
        turn.tell("Saved: {id}, version {version}.", id=change.article_id, version=change.article.version)
    except KbError as error:
        _refused(turn, error)
    return True


def _editor(person: StaffPerson) -> kb_edits.Editor:
    return kb_edits.Editor(person.member.id, may_edit=person.actor.role is Role.ADMIN)


def _refused(turn: Turn, error: KbError) -> None:
    """A refusal of a KB use case, in the admin's language where the chat has its own words for it."""
    if isinstance(error, kb_edits.EditRefused):
        turn.tell("Only an admin edits knowledge base articles.")
    else:
        turn.tell("That did not work: {error}", error=error)


async def _get(turn: Turn, article_id: str) -> Article:
    article: Article | None = await turn.uow.articles.get(article_id)
    if article is None:
        raise KbError(say(turn.lang, "There is no article {id}. /kb lists them.", id=article_id))
    return article


async def _list(turn: Turn) -> None:
    articles: list[Article] = await turn.uow.articles.list()
    if not articles:
        turn.tell("The knowledge base has no articles yet.")
        return
    lines = [
        f"{'✅' if a.published else '📝'} {a.id} — {short(a.title, 60)} ({a.lang}, {a.audience})"
        for a in articles
    ]
    turn.tell("Articles ({n}):\n{lines}", n=len(articles), lines="\n".join(lines[:LIST_LIMIT]))


async def _show(turn: Turn, article_id: str) -> None:
    a = await _get(turn, article_id)
    status: KbAdminAction = KbUnpublish(a.id) if a.published else KbPublish(a.id)
    label = N_("Unpublish") if a.published else N_("Publish")
    rows: list[list[tuple[str, KbAdminAction]]] = [
        [(say(turn.lang, label), status)],
        [(say(turn.lang, "Edit: {field}", field=f), KbEdit(f, a.id)) for f in ("title", "body")],
    ]
    text = say(turn.lang, "{id} · {status} · {audience} · {lang} · v{version}\n{title}\n\n{body}", id=a.id, status=a.status, audience=a.audience, lang=a.lang, version=a.version, title=a.title, body=short(a.body, SHOW_CHARS))  # fmt: skip
    # An id too long for a button leaves its row out: the admin edits that article in the web admin.
    turn.reply(text, [[(label, a.encode()) for label, a in r] for r in rows if all(a.fits() for _, a in r)])


async def _new(turn: Turn, person: StaffPerson, article_id: str, title: str) -> None:
    if await turn.uow.articles.get(article_id) is not None:
        turn.tell("Article {id} exists already: /kb show {id}", id=article_id)
        return
    fields = {"title": title, "body": title}  # the body comes in the next message
    change = await kb_edits.create_article(
        turn.uow, _editor(person), article_id, fields, turn.now, lang=turn.lang
    )
    assert change.article is not None
    _await_value(turn, article_id, "body", change.article.version)
    turn.tell("Draft {id} created. Send the article text in one message.", id=article_id)


async def _ask_value(turn: Turn, article_id: str, field: str) -> None:
    article = await _get(turn, article_id)
    _await_value(turn, article_id, field, article.version)
    turn.tell("Send the new {field} for {id}.", id=article_id, field=field)


def _await_value(turn: Turn, article_id: str, field: str, version: int) -> None:
    """The admin's next message is the new value of the article's field, as of `version`."""
    state = turn.state
    state.awaiting, state.kb_article, state.kb_field, state.kb_version = (
        Awaiting.KB_VALUE,
        article_id,
        field,
        version,
    )


async def _set_status(turn: Turn, person: StaffPerson, article_id: str, publish: bool) -> None:
    change = await kb_edits.set_article_status(turn.uow, _editor(person), article_id, publish, turn.now)
    turn.tell(
        N_("{id} is published: clients will find it within a second.")
        if publish
        else N_("{id} is unpublished."),
        id=change.article_id,
    )
