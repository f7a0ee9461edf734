"""Typed conversation state (`dialogue.conversation`): rows stored before it existed read the same, the stored
shape is kept, and no stored row, however garbled, crashes a turn."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.conversation import (
    Awaiting,
    ConversationState,
    EditField,
    IntakeDraft,
    Stage,
    Step,
    load_state,
)
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined
from ticket_core.model import Attachment

# Rows as the dict-based flows wrote them (copied from what those flows stored, one per kind of chat).
OLD_ROWS: list[dict[str, Any]] = [
    {  # a client in the intake form, with a photo, at the summary
        "lang": "ru",
        "stage": "intake",
        "step": "confirm",
        "draft": {
            "question": "Не работает кондиционер",
            "attachments": [{"kind": "photo", "file_id": "ph-1", "channel": "web", "caption": None}],
            "description": "Не работает кондиционер в зале",
            "category": "hvac",
            "site_choices": ["rom-nevsky", "rom-petrograd", "rom-vaska"],
            "site_id": "rom-nevsky",
            "priority": "P2",
        },
    },
    {  # a form about an address typed, read as a town
        "stage": "intake",
        "step": "priority",
        "draft": {
            "question": "",
            "attachments": [],
            "description": "Течёт кран",
            "category": "plumbing",
            "address": "Тверская 1, Москва",
            "lat": 55.7558,
            "lon": 37.6173,
            "town": "Москва",
            "contact_name": "Пётр",
            "contact_phone": "+79161234567",
        },
    },
    {  # a scanned sticker
        "stage": "intake",
        "step": "description",
        "draft": {
            "question": "",
            "attachments": [],
            "unit_id": "u-1",
            "unit_client_id": "acme",
            "unit_label": "Кондиционер №3",
            "site_id": "acme-hq",
            "category": "hvac",
            "priority": "P3",
        },
    },
    {  # a KB answer waiting for its verdict
        "stage": "kb",
        "query": "принтер замял бумагу",
        "choices": ["printer-jam"],
        "meaning": {"equipment": "принтер"},
        "auto": True,
        "kb_list": "a1b2c3",
        "last_passed": "старый текст",
        "last_passed_tag": "0f0f0f",
    },
    {"stage": "relay", "ticket": 1001, "bot_since": "2026-03-02T09:00:00+00:00"},
    {"stage": "rating_comment", "ticket": 1002, "rated_at": "2026-03-02T09:05:00+00:00", "lang": "en"},
    {"stage": "reopen", "ticket": 1003},
    {  # an engineer ticking the checklist, with the staff menu recorded
        "ticket": 1004,
        "awaiting": "checklist",
        "ticked": [0, 2],
        "menu": [["jobs", "Мои заявки"], ["help", "Помощь"]],
    },
    {
        "ticket": 1005,
        "awaiting": "time",
        "note": "Заменил фильтр",
        "checklist_done": True,
        "photo_done": True,
    },
    {"ticket": 1006, "awaiting": "sla_duration", "sla_clock": "rsl", "sla_reason": "Клиент закрыл доступ"},
    {"awaiting": "kb_value", "kb_article": "printer-jam", "kb_field": "body", "kb_version": 3},
    {"refused": True},
]


def test_every_old_row_reads_typed_and_is_stored_back_in_the_same_shape() -> None:
    for row in OLD_ROWS:
        state = ConversationState.from_dict(copy.deepcopy(row))
        assert state.to_dict() == row, row
        assert ConversationState.from_dict(state.to_dict()) == state


def test_old_rows_read_as_their_types() -> None:
    intake, address, _, kb, relay, rated, _, checklist, note, sla, kb_edit, group = (
        ConversationState.from_dict(copy.deepcopy(r)) for r in OLD_ROWS
    )
    assert intake.stage is Stage.INTAKE and intake.step is Step.CONFIRM and intake.draft is not None
    assert intake.draft.attachments == [Attachment("photo", "ph-1", "web", None)]
    assert address.draft is not None and address.draft.lat == 55.7558 and address.draft.has_place()
    assert kb.stage is Stage.KB and kb.auto and kb.meaning == {"equipment": "принтер"}
    assert relay.bot_since == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert rated.rated_at is not None and rated.rated_at.utcoffset() == timedelta(0) and rated.ticket == 1002
    assert checklist.awaiting is Awaiting.CHECKLIST and checklist.ticked == [0, 2]
    assert checklist.menu == [("jobs", "Мои заявки"), ("help", "Помощь")]
    assert note.awaiting is Awaiting.TIME and note.checklist_done and note.photo_done
    assert sla.awaiting is Awaiting.SLA_DURATION and sla.sla_reason == "Клиент закрыл доступ"
    assert kb_edit.kb_version == 3 and group.refused


def test_an_empty_state_is_falsy_and_stores_nothing() -> None:
    assert not ConversationState() and ConversationState().to_dict() == {}
    assert not ConversationState.from_dict(None) and not ConversationState.from_dict({})
    state = ConversationState(stage=Stage.RELAY, ticket=7)
    assert state
    state.end_stage()
    assert not state


def test_a_new_form_stores_its_question_and_attachments_as_before() -> None:
    state = ConversationState(stage=Stage.INTAKE, draft=IntakeDraft())
    assert state.to_dict() == {"stage": "intake", "draft": {"question": "", "attachments": []}}


def test_edit_place_forgets_the_site_the_address_and_the_scanned_unit() -> None:
    draft = ConversationState.from_dict(copy.deepcopy(OLD_ROWS[2])).draft
    assert draft is not None
    draft.forget(EditField.PLACE)
    assert not draft.has_place() and draft.unit_id is None and draft.unit_label is None
    assert draft.category == "hvac" and draft.priority == "P3"  # the rest of the form stays


def test_bad_keys_are_dropped_and_the_rest_is_kept() -> None:
    state = ConversationState.from_dict(
        {
            "lang": "en",
            "stage": "nowhere",
            "ticket": "not a number",
            "awaiting": "note",
            "rated_at": "2026-03-02",
        }
    )
    assert state == ConversationState(lang="en", awaiting=Awaiting.NOTE)  # a naive time is not a moment
    # A form whose draft is unreadable cannot go on: it is closed, not left half-open.
    assert (
        ConversationState.from_dict({"stage": "intake", "step": "site", "draft": "garbage"})
        == ConversationState()
    )


# --- properties
_text = st.text(max_size=20)
_NAIVE_BOUNDS = (datetime(2000, 1, 1), datetime(2100, 1, 1))  # noqa: DTZ001 (hypothesis wants naive bounds)
_moment = st.datetimes(*_NAIVE_BOUNDS, timezones=st.just(UTC))
_coord = st.floats(min_value=-180, max_value=180, allow_nan=False)
_drafts = st.builds(
    IntakeDraft,
    question=_text,
    attachments=st.lists(
        st.builds(
            Attachment,
            kind=st.sampled_from(["photo", "document"]),
            file_id=_text,
            channel=_text,
            caption=st.none() | _text,
        ),
        max_size=3,
    ),
    description=st.none() | _text,
    category=st.none() | _text,
    priority=st.none() | st.sampled_from(["P1", "P2", "P3", "P4"]),
    site_id=st.none() | _text,
    site_choices=st.none() | st.lists(_text, max_size=3),
    address=st.none() | _text,
    lat=st.none() | _coord,
    lon=st.none() | _coord,
    town=st.none() | _text,
    contact_name=st.none() | _text,
    contact_phone=st.none() | _text,
    unit_id=st.none() | _text,
    unit_client_id=st.none() | _text,
    unit_label=st.none() | _text,
)
_states = st.builds(
    ConversationState,
    lang=st.none() | st.sampled_from(["ru", "en"]),
    stage=st.none() | st.sampled_from(Stage),
    step=st.none() | st.sampled_from(Step),
    draft=st.none() | _drafts,
    ticket=st.none() | st.integers(min_value=1, max_value=10**9),
    rated_at=st.none() | _moment,
    bot_since=st.none() | _moment,
    last_passed=st.none() | _text,
    last_passed_tag=st.none() | _text,
    new_question=st.booleans(),
    kb_list=st.none() | _text,
    query=st.none() | _text,
    choices=st.none() | st.lists(_text, max_size=3),
    meaning=st.none() | st.dictionaries(_text, _text, max_size=2),
    auto=st.booleans(),
    awaiting=st.none() | st.sampled_from(Awaiting),
    note=st.none() | _text,
    ticked=st.none() | st.lists(st.integers(0, 20), max_size=5),
    checklist_done=st.booleans(),
    photo_done=st.booleans(),
    sla_clock=st.none() | _text,
    sla_reason=st.none() | _text,
    kb_article=st.none() | _text,
    kb_field=st.none() | _text,
    kb_version=st.none() | st.integers(0, 1000),
    menu=st.none() | st.lists(st.tuples(_text, _text), max_size=3),
    refused=st.booleans(),
).filter(lambda s: s.stage is not Stage.INTAKE or s.draft is not None)


@settings(max_examples=200, deadline=None)
@given(_states)
def test_any_state_survives_the_store(state: ConversationState) -> None:
    stored = json.loads(json.dumps(state.to_dict()))  # what a JSON column gives back
    assert ConversationState.from_dict(stored) == state


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)
_keys = st.sampled_from([*ConversationState.__dataclass_fields__, "junk"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=8))
def test_no_stored_row_crashes_a_load(row: dict[str, Any]) -> None:
    state = ConversationState.from_dict(row)
    assert isinstance(state, ConversationState)
    assert ConversationState.from_dict(state.to_dict()) == state


# --- a conversation stored before the change goes on after it
async def test_a_form_stored_in_the_old_shape_is_finished_after_the_change(
    chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    key = f"{ivan.channel}:{ivan.bot}:{ivan.account}:{ivan.account}"
    async with uows() as uow:
        await uow.conversations.save(key, copy.deepcopy(OLD_ROWS[0]), datetime(2026, 3, 2, 8, tzinfo=UTC))
        await uow.commit()
    got = await chat.say(ivan, "Капает вода")  # more detail, typed at the summary
    assert "Проблема: Не работает кондиционер в зале\nКапает вода" in joined(got)
    got = await chat.press(ivan, "Отправить заявку")
    assert "Заявка HD-" in joined(got)
    ticket = next(iter(uows.state.tickets.values()))
    assert ticket.site_id == "rom-nevsky" and ticket.category == "hvac" and str(ticket.priority) == "P2"
    assert [a.file_id for a in ticket.attachments] == ["ph-1"]
    async with uows() as uow:
        # The form is done: only the chat's language is kept.
        assert await load_state(uow.conversations, key) == ConversationState(lang="ru")
