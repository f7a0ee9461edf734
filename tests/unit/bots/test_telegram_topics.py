"""Ticket threads in the staff group on both Telegram adapters: forum topics, reply threads, and replies read back."""

from __future__ import annotations

import pytest

from bots.telegram import TelegramChannel
from bots.telegram_common import plan
from bots.telegram_common.inbound import update_to_inbound
from bots.telegram_ptb import PtbTelegramChannel
from dialogue.messages import Bot, Channel, Delivered, DeliveryError, Outbound, ThreadOp
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory

GROUP = -1001234567890


@pytest.fixture(params=[TelegramChannel, PtbTelegramChannel], ids=["aiogram", "ptb"])
def channel_class(request: pytest.FixtureRequest) -> type:
    return request.param  # type: ignore[no-any-return]


def out(text: str = "", **kw: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.STAFF, str(GROUP), text, **kw)  # type: ignore[arg-type]


async def test_create_post_close_and_reopen_a_forum_topic(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    api.make_forum(GROUP)
    channel = await make_channel(bot_kind=Bot.STAFF)

    created = await channel.send(out(thread_op=ThreadOp.CREATE_TOPIC, thread_title="HD-1001 · ACME · IT"))
    assert created.thread_id is not None and created.message_id is None
    topic = int(created.thread_id)
    assert api.topic_names(GROUP) == {topic: "HD-1001 · ACME · IT"}

    sent = await channel.send(out("🆕 HD-1001 <card>", thread_id=created.thread_id))
    [call] = api.calls_to("sendMessage")
    assert call.params["message_thread_id"] == topic and call.result["is_topic_message"] is True
    assert sent == Delivered(message_id=str(call.result["message_id"]), thread_id=created.thread_id)

    await channel.send(out(thread_op=ThreadOp.CLOSE_TOPIC, thread_id=created.thread_id))
    assert api.topics[(api.default_token, GROUP, topic)]["closed"] is True
    with pytest.raises(DeliveryError) as refused:  # closing twice: Telegram says TOPIC_NOT_MODIFIED
        await channel.send(out(thread_op=ThreadOp.CLOSE_TOPIC, thread_id=created.thread_id))
    assert refused.value.permanent and "topic_not_modified" in str(refused.value).lower()
    await channel.send(out(thread_op=ThreadOp.REOPEN_TOPIC, thread_id=created.thread_id))
    assert api.topics[(api.default_token, GROUP, topic)]["closed"] is False
    # No topic was ever made (its creation failed for good): closing is a no-op, not an error.
    assert await channel.send(out(thread_op=ThreadOp.CLOSE_TOPIC)) == Delivered()
    assert sum(1 for c in api.calls if c.method == "closeForumTopic") == 2


async def test_a_group_without_topics_refuses_a_topic_and_replies_form_the_thread(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    api.make_forum(GROUP, forum=False)
    channel = await make_channel(bot_kind=Bot.STAFF)
    with pytest.raises(DeliveryError) as refused:
        await channel.send(out(thread_op=ThreadOp.CREATE_TOPIC, thread_title="HD-1"))
    assert refused.value.permanent

    card = await channel.send(out("🆕 HD-1001", thread_op=ThreadOp.ROOT))
    assert card.message_id is not None
    await channel.send(out("✅ Accepted", reply_to=card.message_id))
    reply = api.calls_to("sendMessage")[-1]
    assert reply.result["reply_to_message"]["message_id"] == int(card.message_id)
    assert reply.result["message_thread_id"] == int(card.message_id)
    # A person's reply to the bot's status line (a reply to a reply) still names the card as its root.
    update = api.push_text(
        GROUP, 7001, "беру", chat_type="supergroup", reply_to_message_id=reply.result["message_id"]
    )
    inbound = update_to_inbound(Bot.STAFF, update)
    assert inbound is not None and (inbound.reply_to, inbound.thread_id) == (card.message_id, None)


def test_a_topic_message_names_its_topic_not_a_reply_root() -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 9,
            "date": 0,
            "chat": {"id": GROUP, "type": "supergroup", "is_forum": True, "title": "Staff"},
            "from": {"id": 7001, "is_bot": False, "first_name": "A"},
            "message_thread_id": 77,
            "is_topic_message": True,
            "reply_to_message": {"message_id": 77, "date": 0, "chat": {"id": GROUP, "type": "supergroup"}},
            "text": "note",
        },
    }
    inbound = update_to_inbound(Bot.STAFF, update)
    assert inbound is not None and (inbound.thread_id, inbound.reply_to) == ("77", None)


def test_every_planned_step_replies_to_the_thread_root() -> None:
    steps = plan.plan_outbound(out("x" * 5000, reply_to="42"))
    assert len(steps) == 2 and {s.reply_to for s in steps} == {42}
    assert plan.plan_outbound(out("hi"))[0].reply_to is None
