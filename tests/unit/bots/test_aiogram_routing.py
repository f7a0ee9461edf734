"""The aiogram adapter used as aiogram intends: CallbackData factories made from `dialogue.payloads`, handlers
chosen by filters on the Router, every update through the Dispatcher but a person's plain text message by webhook
(which skips it: `bots.telegram_common.plain_update`), aiogram's webhook request handler."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from aiogram import F
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bots.telegram.callbacks import SignedCallback, factories, factory_for
from dialogue import payloads
from dialogue.payloads import MAX_PAYLOAD, Action, JobStep, JobTime, KbEdit, PayloadSigner, SlaToEngineer
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory, Inbox, serve
from tests.unit.dialogue.test_payloads import WORST

SIGNER = PayloadSigner("the-app-secret")
SECRET = "s3cret-Token_1"
PATH = "/webhook/telegram/staff"


def _sign(action: Action) -> str:
    return SIGNER.sign("staff", "42", action.encode())


@pytest.mark.parametrize("cls", payloads.registered(), ids=lambda c: c.__name__)
def test_each_action_has_a_factory_that_packs_the_signed_payload_within_64_bytes(cls: type[Action]) -> None:
    action = WORST[cls]  # the longest payload of each action
    payload = _sign(action)

    data = SignedCallback.unpack(payload)

    assert type(data) is factory_for(cls)
    assert data.action() == action
    assert data.pack() == payload, "the factory writes what every channel reads"
    assert len(data.pack().encode()) <= MAX_PAYLOAD
    assert SignedCallback.of(action, data.sig) == data
    assert factory_for(cls).unpack(payload) == data
    assert list(factory_for(cls).model_fields) == [f.name for f in dataclasses.fields(cls)] + ["sig"]


def test_the_longest_payload_is_exactly_64_bytes_and_one_more_byte_is_refused() -> None:
    longest = WORST[SlaToEngineer]
    payload = _sign(longest)
    assert len(payload.encode()) == MAX_PAYLOAD == 64

    data = SignedCallback.unpack(payload)
    assert data.pack() == payload
    wider = SlaToEngineer(longest.number, longest.engineer_id + "x")
    with pytest.raises(ValueError, match="too long"):
        SignedCallback.of(wider, data.sig).pack()
    with pytest.raises(ValueError):
        SignedCallback.unpack(payload[:-12] + "x" + payload[-12:])


def test_a_factory_reads_only_its_own_action_and_never_a_bad_payload() -> None:
    done = _sign(JobStep("d", 1042))
    for bad in [
        "rate:5",  # unsigned
        done[:-1],  # a short signature
        done.replace("jb:d", "jb:q"),  # a verb no version knows
        "jb:d:-1|" + done[-12:],  # a ticket number out of range
        "jb:d:1042|ééééééééééé",  # not ASCII
    ]:
        with pytest.raises(ValueError):
            SignedCallback.unpack(bad)
    assert isinstance(factory_for(JobStep).unpack(done), factory_for(JobStep))
    for other in (JobTime, KbEdit):
        with pytest.raises(ValueError):
            factory_for(other).unpack(done)
    assert len(factories()) == len(payloads.registered())


async def test_a_factory_filter_routes_by_the_typed_fields() -> None:
    user = User(id=42, is_bot=False, first_name="Ivan")
    query = CallbackQuery(id="q", from_user=user, chat_instance="ci", data=_sign(JobStep("d", 1042)))

    done = await factory_for(JobStep).filter(F.verb == "d")(query)
    start = await factory_for(JobStep).filter(F.verb == "o")(query)
    any_action = await SignedCallback.filter()(query)

    assert isinstance(done, dict) and done["callback_data"].action() == JobStep("d", 1042)
    assert start is False
    assert isinstance(any_action, dict) and any_action["callback_data"] == done["callback_data"]


def _text_update(update_id: int, text: str, *, protected: bool | None = None) -> dict[str, Any]:
    return Update(
        update_id=update_id,
        message=Message(
            message_id=1,
            date=1700000000,
            chat=Chat(id=42, type="private"),
            from_user=User(id=42, is_bot=False, first_name="Ivan", language_code="ru"),
            text=text,
            has_protected_content=protected,
        ),
    ).model_dump(mode="json", by_alias=True, exclude_none=True)


async def test_every_update_but_plain_text_goes_through_the_dispatcher_and_its_filters(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_thread(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a filter or handler left the event loop (aiogram runs a bare F in a thread)")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)  # a hop per check made a text update cost 30x
    channel = await make_channel(webhook_secret=SECRET)
    seen: list[tuple[str, str]] = []

    async def record(handler: Callable[..., Any], event: Any, data: dict[str, Any]) -> Any:
        seen.append((data["handler"].callback.__name__, getattr(event, "text", None) or event.data))
        return await handler(event, data)

    channel.dispatcher.message.middleware(record)
    channel.dispatcher.callback_query.middleware(record)
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, url = await serve(app, PATH)
    pressed = api.push_callback(chat_id=42, user_id=42, data=_sign(JobStep("d", 1042)), message_id=1)
    stale = api.push_callback(chat_id=42, user_id=42, data="rate:5", message_id=1)
    try:
        for update in [
            _text_update(0, "plain text: no aiogram"),
            # A field the shortcut does not take (plain_update) sends a text through aiogram's filters.
            _text_update(1, "не печатает принтер", protected=True),
            _text_update(2, "/client@helpdesk_bot Приеду в 10", protected=True),
            pressed,
            stale,
        ]:
            assert await api.post_to_webhook(url, update, SECRET) == 200
    finally:
        await runner.cleanup()

    assert seen == [
        ("on_message", "не печатает принтер"),
        ("on_command", "/client@helpdesk_bot Приеду в 10"),
        ("on_button", pressed["callback_query"]["data"]),
        ("on_unread_button", "rate:5"),
    ]
    assert [i.text or i.payload for i in inbox.items] == [
        "plain text: no aiogram",
        *(text for _, text in seen),
    ]
    assert api.calls_to("getMe") == [], "a command's mention is the engine's business: no getMe"


async def test_the_webhook_is_aiogram_s_request_handler_with_its_secret_check(
    api: FakeTelegramAPI, inbox: Inbox, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(webhook_secret=SECRET)
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    [route] = [r for r in app.router.routes() if r.method == "POST"]
    handler = getattr(route.handler, "__self__", None)
    assert isinstance(handler, SimpleRequestHandler)
    assert handler.secret_token == SECRET
    runner, url = await serve(app, PATH)
    try:
        assert await api.post_to_webhook(url, _text_update(3, "evil"), "s3cret-Token_2") == 401
        assert await api.post_to_webhook(url, _text_update(4, "evil"), "s3cret-Tokén_1") == 401
        assert await api.post_to_webhook(url, _text_update(5, "good"), SECRET) == 200
    finally:
        await runner.cleanup()
    assert [i.text for i in inbox.items] == ["good"]
