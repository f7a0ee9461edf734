"""Typed conversation state: what a chat is in the middle of, kept between its turns.

One `ConversationState` per bot, chat and sender (`dialogue.turn.state_key`). A client's chat has a `Stage`
(the intake form with its `Step` and `IntakeDraft`, a KB answer awaiting a verdict, talking to a person, a
rating comment, a reopen reason); a staff chat has what the bot is `Awaiting` (a note, a reason, a value) and
the ticket it is about. The store (`dialogue.ports.ConversationStore`) keeps it as a JSON object with the
flat keys it always had ("stage", "step", "draft", "awaiting", "ticket", ...): `to_dict` writes only what is
set, and `from_dict` reads any row written before this type existed. A row that is not a valid state
(garbled, or from a future version) is logged and read as a fresh conversation, never a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, PlainSerializer, TypeAdapter, ValidationError

from dialogue.ports import ConversationStore
from ticket_core.model import Attachment

log = logging.getLogger(__name__)

Stamp = Annotated[AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]
"""A moment kept as `datetime.isoformat()` text, as the state always stored it ("...+00:00")."""


class Stage(StrEnum):
    """What a client's conversation is in the middle of (no stage: free questions for the KB)."""

    INTAKE = "intake"  # filling in the ticket form
    KB = "kb"  # a KB answer or list was shown; its buttons act on it
    RELAY = "relay"  # talking to a person: messages become comments on the ticket
    RATING_COMMENT = "rating_comment"  # just rated: a text is the rating's comment
    REOPEN = "reopen"  # asked why a ticket should be reopened


class Step(StrEnum):
    """The intake form's current question (`dialogue.client_intake`)."""

    DESCRIPTION = "description"
    CATEGORY = "category"
    SITE = "site"
    ADDRESS = "address"
    PRIORITY = "priority"
    CONTACT = "contact"
    CONFIRM = "confirm"
    EDIT = "edit"


class Awaiting(StrEnum):
    """What a staff chat's next message answers (`dialogue.staff_flow` and the modules it hands to)."""

    NOTE = "note"  # the resolution note
    TIME = "time"  # the time spent (buttons), after the note
    HOLD = "hold"  # why the job is on hold
    DECLINE = "decline"  # why an offer is declined
    CHECKIN = "checkin"  # a location for "on site"
    PHOTO = "photo"  # the photo the category needs before done
    CHECKLIST = "checklist"  # ticking the category's checklist
    MESSAGE = "message"  # a message for the client
    INTERNAL = "internal"  # an internal note
    HANDOVER = "handover"  # why the job is handed over
    ESCALATE = "escalate"  # what the next level needs to know
    SLA_REASON = "sla_reason"  # why an SLA is extended
    SLA_DURATION = "sla_duration"  # by how long (buttons), after the reason
    KB_VALUE = "kb_value"  # the new value of a KB article's field
    PARTS = "parts"  # the parts a billed job used (buttons or typed), after the time (dialogue.job_parts)
    ESTIMATE = "estimate"  # hours and parts of a revised estimate (dialogue.billing_holds.on_revise_text)


class EditField(StrEnum):
    """What "Edit" at the intake summary can change (then asked again alone)."""

    DESCRIPTION = "description"
    CATEGORY = "category"
    PLACE = "place"
    PRIORITY = "priority"


@dataclass(slots=True)
class IntakeDraft:
    """The ticket being described in the intake form; a field is None until known."""

    question: str = ""  # the question the KB could not answer, offered as the description
    attachments: list[Attachment] = field(default_factory=list)
    description: str | None = None
    category: str | None = None
    priority: str | None = None
    site_id: str | None = None
    site_choices: list[str] | None = None  # the sites offered as buttons, by index
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    town: str | None = None  # the town the address was read as
    contact_name: str | None = None
    contact_phone: str | None = None
    unit_id: str | None = None  # a scanned equipment sticker (dialogue.equipment_scan)
    unit_client_id: str | None = None
    unit_label: str | None = None

    def has_place(self) -> bool:
        """Whether the form knows where: a site, an address or a location."""
        return bool(self.site_id or self.address or self.lat is not None)

    def forget(self, what: EditField) -> None:
        """Clear what "Edit" chose, so the form asks for it again (a place forgets the scanned unit too)."""
        if what is EditField.DESCRIPTION:
            self.description, self.question = None, ""
        elif what is EditField.CATEGORY:
            self.category = None
        elif what is EditField.PRIORITY:
            self.priority = None
        else:
            self.site_id = self.address = self.town = None
            self.lat = self.lon = None
            self.unit_id = self.unit_client_id = self.unit_label = None


@dataclass(slots=True)
class PickedPart:
    """A part on the Done flow's parts card: `cost` each as an exact decimal string (None: not priced yet),
    `code` a catalogue part of the price list."""

    name: str
    quantity: int = 1
    cost: str | None = None
    code: str | None = None


@dataclass(slots=True)
class ConversationState:
    """Everything a chat carries from one turn to the next; empty (`not state`) means nothing pending."""

    lang: str | None = None  # the language the person chose in this chat
    # A client's chat
    stage: Stage | None = None
    step: Step | None = None
    draft: IntakeDraft | None = None
    ticket: int | None = None  # the ticket a stage or an awaited answer is about (its number)
    rated_at: Stamp | None = None
    bot_since: Stamp | None = None  # /bot: an engineer's earlier words no longer make texts answers
    last_passed: str | None = None  # the last text passed to an engineer, for "that was a new question"
    last_passed_tag: str | None = None
    new_question: bool = False
    reopen_for: int | None = (
        None  # a job offered to reopen after "it leaks again" (client_tickets.offer_reopen)
    )
    reopen_reason: str | None = None  # the words that said so: the reason, if the client says yes
    kb_list: str | None = None  # the tag of the latest KB answer or list; only its buttons act
    query: str | None = None
    choices: list[str] | None = None  # article ids of the latest KB answer or list
    meaning: dict[str, str] | None = None  # the question's entities, to pre-fill the form
    auto: bool = False  # the latest KB answer answered alone (its verdict teaches the search)
    # A staff chat
    awaiting: Awaiting | None = None
    checkin_at: list[float] | None = None  # a location shared far from the site, kept for "I am on site"
    note: str | None = None
    ticked: list[int] | None = None  # checklist items ticked, by index
    checklist_done: bool = False
    photo_done: bool = False
    minutes: str | None = None  # the time spent chosen before the parts step ("-": skipped)
    parts: list[PickedPart] | None = None  # the parts step's list so far
    sla_clock: str | None = None
    sla_reason: str | None = None
    kb_article: str | None = None
    kb_field: str | None = None
    kb_version: int | None = None
    menu: list[tuple[str, str]] | None = None  # the command menu last set for this chat
    refused: bool = False  # the staff group told a stranger once that it cannot help

    def __bool__(self) -> bool:
        return self != _EMPTY

    # --- what each finished piece of work leaves behind
    def end_intake(self) -> None:
        """The form is done or cancelled."""
        self.stage = self.step = self.draft = None

    def end_stage(self) -> None:
        """A relay, a rating comment or a reopen is over."""
        self.stage, self.ticket, self.rated_at = None, None, None

    def end_kb(self) -> None:
        """The KB answer got its verdict."""
        self.stage = self.query = self.choices = self.meaning = self.kb_list = None
        self.auto = False

    def forget_passed(self) -> None:
        """The chat moved on: the "new question" button under the last pass is out of date, and so is a
        reopen offered."""
        self.last_passed = self.last_passed_tag = None
        self.reopen_for, self.reopen_reason = None, None

    def end_job_step(self) -> None:
        """A staff answer was taken (or a new job's done steps begin)."""
        self.awaiting, self.ticket, self.note, self.ticked, self.checkin_at = None, None, None, None, None
        self.checklist_done = self.photo_done = False
        self.minutes, self.parts = None, None

    def end_sla_step(self) -> None:
        """An SLA extension is done or dropped."""
        self.awaiting, self.ticket, self.sla_clock, self.sla_reason = None, None, None, None

    def end_kb_edit(self) -> None:
        """A KB value was taken."""
        self.awaiting = self.kb_article = self.kb_field = None
        self.kb_version = None

    # --- the stored shape
    def to_dict(self) -> dict[str, Any]:
        """The JSON object the store keeps: only the keys that are set, as they were always written."""
        data: dict[str, Any] = _ADAPTER.dump_python(self, mode="json")
        stored = {k: v for k, v in data.items() if v != _EMPTY_DATA[k]}
        if self.draft is not None:  # the form always wrote its question and attachments
            draft = data["draft"]
            stored["draft"] = {
                k: v for k, v in draft.items() if k in _DRAFT_ALWAYS or v != _EMPTY_DRAFT_DATA[k]
            }
        return stored

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        """The state of a stored row (any row since the first version); None gives a fresh state.

        Keys that are not valid (a garbled row, a value a later version wrote) are dropped with a warning,
        and the rest is kept: a bad "stage" must not lose the chat's language.
        """
        if not data:
            return cls()
        try:
            state = _ADAPTER.validate_python(data)
        except ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
            log.warning("conversation state: dropped unreadable keys %s", sorted(bad))
            try:
                state = _ADAPTER.validate_python({k: v for k, v in data.items() if k not in bad})
            except ValidationError:
                return cls()
        if state.stage is Stage.INTAKE and state.draft is None:
            state.end_intake()  # a form without its draft cannot go on
        return state


_EMPTY = ConversationState()
_ADAPTER = TypeAdapter(ConversationState)
_EMPTY_DATA: dict[str, Any] = _ADAPTER.dump_python(_EMPTY, mode="json")
_EMPTY_DRAFT_DATA: dict[str, Any] = TypeAdapter(IntakeDraft).dump_python(IntakeDraft(), mode="json")
_DRAFT_ALWAYS = frozenset({"question", "attachments"})


async def load_state(store: ConversationStore, key: str) -> ConversationState:
    """The conversation `key`'s state (a fresh one when none is kept)."""
    return ConversationState.from_dict(await store.load(key))


async def save_state(store: ConversationStore, key: str, state: ConversationState, at: datetime) -> None:
    """Keep the conversation's state, or forget the conversation when nothing is pending."""
    if state:
        await store.save(key, state.to_dict(), at)
    else:
        await store.clear(key)
