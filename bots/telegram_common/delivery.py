"""Sending within Telegram's limits, with failures mapped to `DeliveryError` the same way on every stack.

An adapter subclasses `TelegramSender` with two framework-specific methods: `classify` names what a
library exception means (a `Failure`, plain values), and `execute` makes the library call for a step.
Everything else (pacing, following a migrated group once, the error texts and retry rules the delivery
loop relies on) is here.
"""

from __future__ import annotations

import abc
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bots.ratelimit import RateLimiter
from bots.telegram_common.errors import UnsendableError
from bots.telegram_common.limits import ChatRef, TelegramLimits, limits_for
from bots.telegram_common.plan import SendStep, chat_ref, plan_edit, plan_outbound, plan_retire
from dialogue.messages import Delivered, DeliveryError, Outbound, ThreadOp

log = logging.getLogger(__name__)

T = TypeVar("T")
BotT = TypeVar("BotT")  # the framework's bot object


class FailureKind(StrEnum):
    """What a failed Bot API call means for the message."""

    MIGRATED = "migrated"  # the group became a supergroup: send again to its new id
    RETRY_AFTER = "retry_after"  # 429: wait as long as Telegram says, then retry
    REFUSED = "refused"  # blocked, kicked, chat not found, message rejected: a retry gets the same answer
    FAILED = "failed"  # network, server or other trouble: retry later


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call, as plain values.

    Attributes:
        kind: what it means.
        detail: the explanation that goes into the `DeliveryError`.
        retry_after: seconds to wait (RETRY_AFTER).
        migrate_to: the supergroup's chat id (MIGRATED).
    """

    kind: FailureKind
    detail: str
    retry_after: float | None = None
    migrate_to: int | None = None

    def delivery_error(self, method: str, chat: ChatRef) -> DeliveryError:
        """Return the `DeliveryError` for this failure of `method` sent to `chat`."""
        match self.kind:
            case FailureKind.MIGRATED:
                return DeliveryError(f"Telegram chat {chat} keeps moving: {self.detail}", permanent=True)
            case FailureKind.RETRY_AFTER:
                return DeliveryError(
                    f"Telegram asked to slow down: {self.detail}", retry_after=self.retry_after
                )
            case FailureKind.REFUSED:
                return DeliveryError(f"Telegram refused {method}: {self.detail}", permanent=True)
            case _:
                return DeliveryError(f"Telegram {method} failed: {self.detail}")


class TelegramSender(abc.ABC, Generic[BotT]):
    """Delivers `Outbound` messages for one bot within its limits, through the framework's `bot`."""

    def __init__(self, bot: BotT, limits: TelegramLimits, limiter: RateLimiter | None = None) -> None:
        self.bot = bot
        self.limits = limits
        self.limiter = limiter or RateLimiter()

    @abc.abstractmethod
    def classify(self, error: Exception) -> Failure | None:
        """Say what a library exception means; None for one that is not a Bot API or network failure."""

    @abc.abstractmethod
    async def execute(self, step: SendStep, chat: int | str) -> Any:
        """Make the library call that performs `step`, addressed to `chat`."""

    @abc.abstractmethod
    async def create_topic(self, chat: int | str, name: str) -> int:
        """Create a forum topic in `chat` (createForumTopic); return its message_thread_id."""

    @abc.abstractmethod
    async def set_topic_open(self, chat: int | str, thread_id: int, is_open: bool) -> None:
        """Reopen (reopenForumTopic) or close (closeForumTopic) a forum topic."""

    async def send(self, out: Outbound) -> Delivered:
        """Send one Outbound (possibly several API calls), or make the topic change it asks for.

        Returns the id of the first message sent and, for `ThreadOp.CREATE_TOPIC`, the new topic's id.

        Raises:
            DeliveryError: retry_after set on 429; permanent for a blocked bot, a missing chat or a
                malformed message; plain for network and server errors (retry later).
        """
        if out.thread_op is not None and out.thread_op is not ThreadOp.ROOT:
            return await self._topic(out)
        edit = plan_edit(out)
        if edit is not None:
            try:
                await self.call(str(edit.kind), edit.chat_id, functools.partial(self._execute_in, edit))
                return Delivered(message_id=out.edit_of, thread_id=out.thread_id)
            except DeliveryError as e:
                if "not modified" in str(e):
                    return Delivered(message_id=out.edit_of, thread_id=out.thread_id)  # already so
                if not e.permanent:
                    raise
                # The card's message is gone (deleted in the chat) or can no longer be edited: send it anew.
                log.info(
                    "card %s in chat %s could not be edited (%s); sending it anew", out.card, out.chat_id, e
                )
        delivered = await self._send_steps(out)
        retire = plan_retire(out)
        if retire is not None:
            try:
                await self.call(str(retire.kind), retire.chat_id, functools.partial(self._execute_in, retire))
            except DeliveryError as e:  # the new card is out; an older one keeping its buttons is no loss
                log.info(
                    "could not take the buttons off message %s in chat %s: %s", out.retire, out.chat_id, e
                )
        return delivered

    async def _send_steps(self, out: Outbound) -> Delivered:
        try:
            steps = plan_outbound(out)
        except UnsendableError as e:
            raise DeliveryError(f"cannot send to Telegram chat {out.chat_id}: {e}", permanent=True) from e
        first: Any = None
        last: Any = None
        for step in steps:
            result = await self.call(str(step.kind), step.chat_id, functools.partial(self._execute_in, step))
            last = getattr(result, "message_id", None)
            first = first if first is not None else last
        # A card is the message that carries its buttons: the last one.
        sent = last if out.card else first
        return Delivered(message_id=str(sent) if sent is not None else None, thread_id=out.thread_id)

    async def _topic(self, out: Outbound) -> Delivered:
        chat = chat_ref(out.chat_id)
        if out.thread_op is ThreadOp.CREATE_TOPIC:
            name = (out.thread_title or out.text or "").strip()[:128]
            if not name:
                raise DeliveryError("a forum topic needs a name", permanent=True)
            created = await self.call(
                "createForumTopic", chat, lambda c: self.create_topic(c if c is not None else chat, name)
            )
            return Delivered(thread_id=str(created))
        if not out.thread_id or not out.thread_id.lstrip("-").isdigit():
            return Delivered()  # the topic was never created: there is nothing to close or reopen
        thread, is_open = int(out.thread_id), out.thread_op is ThreadOp.REOPEN_TOPIC
        method = "reopenForumTopic" if is_open else "closeForumTopic"
        await self.call(
            method, chat, lambda c: self.set_topic_open(c if c is not None else chat, thread, is_open)
        )
        return Delivered(thread_id=out.thread_id)

    async def call(
        self,
        method: str,
        chat: ChatRef,
        make: Callable[[ChatRef], Awaitable[T]],
        *,
        may_migrate: bool = True,
    ) -> T:
        """Make one API call (`make(chat)`) within limits and with errors mapped to `DeliveryError`.

        `make` takes the chat so that a group which became a supergroup can be followed to its new id.
        """
        await self.limiter.acquire(*limits_for(self.limits, chat))
        try:
            return await make(chat)
        except Exception as e:
            failure = self.classify(e)
            if failure is None:
                raise
            if failure.kind is FailureKind.MIGRATED and may_migrate and chat is not None:
                # A group became a supergroup; its new id works at once, so deliver there instead of failing.
                log.warning("Telegram chat %s moved to %s; sending there", chat, failure.migrate_to)
                return await self.call(method, failure.migrate_to, make, may_migrate=False)
            raise failure.delivery_error(method, chat) from e

    async def _execute_in(self, step: SendStep, chat: ChatRef) -> Any:
        # A send always has a chat (the planner sets it); only bot-wide calls pass None.
        return await self.execute(step, step.chat_id if chat is None else chat)
