"""The intake form: collect what a ticket needs, step by step, skipping what is already known.

Steps: description -> category -> site (or address / location) -> urgency -> summary to confirm.
Photos sent at any step are attached. The draft lives in the conversation state, so a restart loses nothing.
"""

from __future__ import annotations

import re

from dialogue import choice_words
from dialogue.cards import short
from dialogue.conversation import EditField, IntakeDraft, Stage, Step
from dialogue.gazetteer import locate
from dialogue.gazetteer import name_key as _key
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson, record_details
from dialogue.payloads import (
    IntakeAction,
    IntakeCancel,
    IntakeCategory,
    IntakeConfirm,
    IntakeEdit,
    IntakeEditField,
    IntakePriority,
    IntakeSite,
    IntakeUseQuestion,
)
from dialogue.request_words import reads_as_request
from dialogue.texts import CATEGORIES, PRIORITIES, category_name, in_both_languages, priority_name
from dialogue.turn import Turn
from dialogue.understanding import Understanding
from ticket_core import usecases as uc
from ticket_core.enums import Priority
from ticket_core.model import Attachment, Site, Ticket
from ticket_core.phones import to_e164
from ticket_core.usecases import sla as sla_uc

MIN_DESCRIPTION = 3
MAX_DESCRIPTION = 4000
NEW_REQUEST_WORDS = 6
"""A typed reply to a button question this long that names no option reads as a new request, not an answer."""
MIN_ADDRESS = 5
MAX_ATTACHMENTS = 10


EDITABLE = tuple(EditField)
EDIT_LABELS: dict[EditField, str] = {
    EditField.DESCRIPTION: N_("The description"),
    EditField.CATEGORY: N_("The type"),
    EditField.PLACE: N_("The place"),
    EditField.PRIORITY: N_("The urgency"),
}
"""The Edit menu's button for each field of the form."""
"""What "Edit" at the summary can change (`IntakeDraft.forget` clears it, then it is asked again alone)."""


def start(
    turn: Turn, *, question: str | None = None, understanding: Understanding | None = None
) -> IntakeDraft:
    """Begin the form; what the first message already told us pre-fills it."""
    draft = IntakeDraft(question=question or "")
    if understanding is not None:
        _prefill(draft, understanding)
    turn.state.stage, turn.state.draft = Stage.INTAKE, draft
    return draft


def _prefill(draft: IntakeDraft, understanding: Understanding) -> None:
    """Fill what the client's words already tell (the category from the equipment, the priority from urgency
    words), never over a field the client has chosen."""
    if understanding.category() and not draft.category:
        draft.category = understanding.category()
    if understanding.priority() and not draft.priority:
        draft.priority = understanding.priority()


def _draft(turn: Turn) -> IntakeDraft:
    """The form's draft (the flow calls the form only in the intake stage; a lost draft starts afresh)."""
    return turn.state.draft if turn.state.draft is not None else start(turn)


async def ask_next(turn: Turn, person: ClientPerson) -> None:
    """Ask for the first missing field, or show the summary when nothing is missing."""
    draft = _draft(turn)
    if not draft.description:
        turn.state.step = Step.DESCRIPTION
        rows = _cancel_row(turn)
        if len(draft.question) >= MIN_DESCRIPTION:
            # The question that the KB could not answer may already say it all.
            rows = [[(say(turn.lang, "My question says it all"), IntakeUseQuestion().encode())], *rows]
        turn.tell(
            "Describe the problem: what happened, which equipment, and since when. "
            "A photo helps too: send one at any step and it goes with the request.",
            rows,
        )
    elif not draft.category:
        turn.state.step = Step.CATEGORY
        rows = [[(category_name(turn.lang, c), IntakeCategory(c).encode())] for c in CATEGORIES]
        turn.tell("What is it about?", [*rows, *_cancel_row(turn)])
    elif not draft.has_place():
        sites = await turn.uow.directory.list_sites(person.contact.client_id)
        if len(sites) == 1:
            draft.site_id = sites[0].id
            await ask_next(turn, person)
            return
        if sites:
            turn.state.step = Step.SITE
            draft.site_choices = [s.id for s in sites]
            rows = [[(label, IntakeSite(i).encode())] for i, label in enumerate(site_labels(sites))]
            turn.tell("Where do you need help? Choose a site:", [*rows, *_cancel_row(turn)])
        else:
            turn.state.step = Step.ADDRESS
            turn.reply(
                say(turn.lang, "Send the address (street, building, office) or share your location."),
                _cancel_row(turn),
                request_location=True,
            )
    elif not draft.priority:
        turn.state.step = Step.PRIORITY
        rows = [[(priority_name(turn.lang, p), IntakePriority(p).encode())] for p in PRIORITIES]
        turn.tell("How urgent is it?", [*rows, *_cancel_row(turn)])
    elif not draft.contact_phone and await _unknown_person(turn, person):
        turn.state.step = Step.CONTACT
        turn.tell(
            "What is your name, and which phone can the engineer call? For example: Peter, +44 20 7946 0958",
            _cancel_row(turn),
        )
    else:
        turn.state.step = Step.CONFIRM
        await _summary(turn)


SITE_LABEL_MAX = 60


def site_labels(sites: list[Site]) -> list[str]:
    """Button labels for a client's sites that tell them apart: the name and the address without the part
    every site shares (the city), cut on a word boundary only when still long ("..., Большой пр. П.С., 40",
    not a cut "..., Санкт-Петербург, Большой пр. П.С")."""
    parts = [[p.strip() for p in s.address.split(",")] for s in sites]
    common = 0
    if len(sites) > 1:
        while all(len(p) > common + 1 for p in parts) and len({p[common] for p in parts}) == 1:
            common += 1
    labels = []
    for site, address in zip(sites, parts, strict=True):
        rest = ", ".join(address[common:])
        labels.append(short(f"{site.name}, {rest}" if rest else site.name, SITE_LABEL_MAX))
    return labels


async def _unknown_person(turn: Turn, person: ClientPerson) -> bool:
    """A private person the bot registered and has no phone for (a web visitor, a Telegram user who did not
    share one): the engineer would have nobody to call."""
    if person.contact.phone:
        return False
    client = await turn.uow.directory.get_client(person.contact.client_id)
    return client is not None and client.kind == "individual"


_PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{4,}\d")


def read_contact(text: str) -> tuple[str, str] | None:
    """(name, E.164 phone) from a typed answer such as "Пётр Смирнов, 8 (916) 123-45-67", or None when it
    holds no phone number (`ticket_core.phones`); the name is what is left, without "телефон"/"phone"."""
    for match in _PHONE_LIKE.finditer(text):
        phone = to_e164(match.group())
        if phone is not None:
            rest = (text[: match.start()] + " " + text[match.end() :]).replace(",", " ")
            words = [w for w in rest.split() if w.strip(".:;-").lower() not in _PHONE_WORDS]
            return " ".join(words).strip(" .:;-")[:MAX_NAME], phone
    return None


_PHONE_WORDS = {"телефон", "тел", "номер", "phone", "tel", "number", "мой", "my", "is"}
MAX_NAME = 120


def _cancel_row(turn: Turn) -> list[list[tuple[str, str]]]:
    return [[(say(turn.lang, "Cancel"), IntakeCancel().encode())]]


async def _summary(turn: Turn) -> None:
    draft = _draft(turn)
    where = draft.address or ""
    town = draft.town
    if town and _key(town) not in _key(where):  # say which town the address was read as
        where = f"{where} ({town})"
    if draft.site_id:
        site = await turn.uow.directory.get_site(draft.site_id)
        where = f"{site.name}, {site.address}" if site else where
    if draft.unit_label:  # a scanned sticker (dialogue.equipment_scan)
        where = f"{draft.unit_label}, {where}"
    elif draft.lat is not None and draft.lon is not None and not where:
        where = f"{draft.lat:.5f}, {draft.lon:.5f}"
    photos = len(draft.attachments)
    turn.reply(
        say(
            turn.lang,
            "Please check the request:\n• Problem: {description}\n• Type: {category}\n• Where: {where}\n• Urgency: {priority}{photos}{contact}",
            description=draft.description or "",
            category=category_name(turn.lang, draft.category or ""),
            where=where or "-",
            priority=priority_name(turn.lang, draft.priority or ""),
            photos=say(turn.lang, "\n• Photos: {n}", n=photos) if photos else "",
            contact=say(turn.lang, "\n• Contact: {who}", who=_who(draft)) if draft.contact_phone else "",
        ),
        [
            [(say(turn.lang, "Send the request"), IntakeConfirm().encode())],
            [
                (say(turn.lang, "Edit"), IntakeEdit().encode()),
                (say(turn.lang, "Cancel"), IntakeCancel().encode()),
            ],
        ],
    )


def _who(draft: IntakeDraft) -> str:
    name = draft.contact_name or ""
    return f"{name}, {draft.contact_phone}" if name else str(draft.contact_phone)


async def on_text(
    turn: Turn, person: ClientPerson, text: str, understanding: Understanding | None = None
) -> None:
    """A typed answer to the current step (`understanding`: what NLU made of the text, for the description)."""
    draft = _draft(turn)
    step = turn.state.step
    if step is Step.DESCRIPTION:
        if len(text) < MIN_DESCRIPTION:
            turn.tell(
                "Describe the problem: what happened, which equipment, and since when. "
                "A photo helps too: send one at any step and it goes with the request.",
                _cancel_row(turn),
            )
            return
        question = draft.question
        combined = f"{question}\n{text}" if question and question not in text else text
        draft.description = combined[:MAX_DESCRIPTION]
        if understanding is not None:
            _prefill(draft, understanding)
    elif step is Step.ADDRESS:
        if len(text) < MIN_ADDRESS:
            turn.tell("That address is too short. Give the street and building.", _cancel_row(turn))
            return
        draft.address = text[:500]
        town = locate(text)  # offline: a job in another town is not offered to engineers far away
        if town is not None:
            draft.lat, draft.lon, draft.town = town.lat, town.lon, town.name
        # Said back, and the "Send location" keyboard taken away (Telegram kept it under the next questions).
        turn.reply(say(turn.lang, "Address: {address}", address=draft.address), remove_keyboard=True)
    elif step is Step.CONTACT:
        found = read_contact(text)
        if found is None:
            turn.tell(
                "I could not read a phone number there. Write your name and number, for example: Peter, +44 20 7946 0958",
                _cancel_row(turn),
            )
            return
        draft.contact_name, draft.contact_phone = found
    elif step is Step.CONFIRM:
        # A typed message at the summary is taken as more detail about the problem.
        draft.description = f"{draft.description}\n{text}"[:MAX_DESCRIPTION]
    elif step in (Step.CATEGORY, Step.SITE, Step.PRIORITY):
        # A step with buttons answered in words: take the one option the words name, else say so.
        if not await _typed_choice(turn, person, step, text):
            if _reads_as_new_request(text):
                # A fresh problem written mid-form is not swallowed (#18): offer to start with it.
                draft.question = text[:MAX_DESCRIPTION]
                start_over = [[(say(turn.lang, "Start with this message"), IntakeUseQuestion().encode())]]
                turn.tell(
                    "This looks like a new request. Press “Start with this message” to describe it instead, "
                    "or answer the question below to go on with the form.",
                    start_over,
                )
            else:
                turn.tell("I did not understand that - please pick one of the buttons.")
    await ask_next(turn, person)


def _reads_as_new_request(text: str) -> bool:
    """Whether a typed reply to a button question reads as a request of its own: a question or a problem by
    its words, or as long as a description."""
    return len(text.split()) >= NEW_REQUEST_WORDS or reads_as_request(text)


async def _typed_choice(turn: Turn, person: ClientPerson, step: Step, text: str) -> bool:
    draft = _draft(turn)
    if step is Step.CATEGORY:
        found = choice_words.pick(text, {c: in_both_languages(name) for c, name in CATEGORIES.items()})
        if found is not None:
            draft.category = found
    elif step is Step.SITE:
        choices = draft.site_choices or []
        sites = {s.id: s for s in await turn.uow.directory.list_sites(person.contact.client_id)}
        named = {i: (sites[c].name, sites[c].address) for i, c in enumerate(choices) if c in sites}
        index = choice_words.pick(text, {str(i): names for i, names in named.items()})
        found = choices[int(index)] if index is not None else None
        if found is not None:
            draft.site_id = found
    else:
        words = {
            p: (*in_both_languages(PRIORITIES[p]), *choice_words.PRIORITY_WORDS.get(p, ()))
            for p in PRIORITIES
        }
        found = choice_words.pick(text, words)
        if found is not None:
            draft.priority = found
    return found is not None


async def on_location(turn: Turn, person: ClientPerson, lat: float, lon: float) -> None:
    """A shared location answers the "where" step (and is kept with a site too)."""
    draft = _draft(turn)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        turn.tell("Send the address (street, building, office) or share your location.", _cancel_row(turn))
        return
    draft.lat, draft.lon = lat, lon
    turn.reply(say(turn.lang, "Location received."), remove_keyboard=True)
    await ask_next(turn, person)


def on_photo(turn: Turn, attachment: Attachment) -> None:
    """Attach a photo to the draft."""
    items = _draft(turn).attachments
    if len(items) < MAX_ATTACHMENTS:
        items.append(attachment)
        turn.tell("Photo added to the request.")


async def on_button(turn: Turn, person: ClientPerson, action: IntakeAction) -> None:
    """A pressed intake button: a category, a site, a priority, confirm, edit (which field), cancel."""
    draft = turn.state.draft
    if draft is None or turn.state.stage is not Stage.INTAKE:
        turn.tell("That button is out of date or not meant for you. Tell me what you need, or send /help.")
        return
    match action:
        case IntakeCancel():
            asked_location = turn.state.step is Step.ADDRESS
            _finish(turn)
            turn.reply(say(turn.lang, "OK, no request opened."), remove_keyboard=asked_location)
            return
        case IntakeCategory(category=category) if category in CATEGORIES:
            draft.category = category
        case IntakeSite(index=index) if index < len(draft.site_choices or []):
            draft.site_id = (draft.site_choices or [])[index]
        case IntakePriority(priority=priority) if priority in PRIORITIES:
            draft.priority = priority
        case IntakeUseQuestion() if draft.question and not draft.description:
            draft.description = draft.question[:MAX_DESCRIPTION]
        case IntakeUseQuestion() if draft.question and draft.question not in (draft.description or ""):
            # A new request typed at a button question: the form starts over with it (who the client is stays).
            fresh = IntakeDraft(question=draft.question, description=draft.question)
            fresh.contact_name, fresh.contact_phone = draft.contact_name, draft.contact_phone
            turn.state.draft = draft = fresh
        case IntakeEdit():
            # Edit one field, not the whole form: ask which.
            turn.state.step = Step.EDIT
            rows = [
                [(say(turn.lang, EDIT_LABELS[field]), IntakeEditField(field).encode())] for field in EDITABLE
            ]
            turn.tell("What would you like to change?", [*rows, *_cancel_row(turn)])
            return
        case IntakeEditField(field=field):
            draft.forget(field)
        case IntakeConfirm():
            await _open(turn, person)
            return
        case _:
            turn.tell(
                "That button is out of date or not meant for you. Tell me what you need, or send /help."
            )
            return
    await ask_next(turn, person)


async def _open(turn: Turn, person: ClientPerson) -> None:
    draft = _draft(turn)
    if not (draft.description and draft.category and draft.priority):
        await ask_next(turn, person)
        return
    if draft.contact_phone:
        await record_details(turn.uow, person, draft.contact_name or None, draft.contact_phone)
    ticket = await uc.open_ticket(
        turn.uow,
        person.actor,
        uc.TicketDraft(
            client_id=draft.unit_client_id or person.contact.client_id,
            contact_id=person.contact.id,
            category=draft.category,
            description=draft.description,
            priority=Priority(draft.priority),
            site_id=draft.site_id,
            address=draft.address,
            lat=draft.lat,
            lon=draft.lon,
            attachments=list(draft.attachments),
            source_channel=str(turn.inbound.channel),
            unit_id=draft.unit_id,
        ),
        turn.now,
    )
    _finish(turn)
    turn.tell(
        "Request {ref} is open. I will tell you when an engineer takes it.{promise}",
        ref=ticket.ref,
        promise=await promise_line(turn, ticket),
    )


async def promise_line(turn: Turn, ticket: Ticket) -> str:
    """The promised resolution time as a line for the client, or "" when there is none; "by contract" only
    to a client who has one (a private person was promised a deadline by a contract they never signed)."""
    when = await sla_uc.sla_promise(turn.uow, ticket, turn.now, turn.lang)
    if not when:
        return ""
    contract = await turn.uow.directory.get_contract(ticket.client_id)
    return say(
        turn.lang,
        N_("\nPromised resolution: {when}.")
        if contract is not None
        else N_("\nWe aim to resolve it {when}."),
        when=when,
    )


def _finish(turn: Turn) -> None:
    turn.state.end_intake()
