"""One turn of a conversation: the inbound message, its unit of work, the state and the replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialogue.conversation import ConversationState
from dialogue.i18n import say
from dialogue.messages import Inbound
from dialogue.outgoing import ButtonSpec, Outgoing
from dialogue.ports import DialogueUnitOfWork


def state_key(inbound: Inbound) -> str:
    """Conversation state is kept per bot, chat and sender (group chats hold many conversations)."""
    return f"{inbound.channel}:{inbound.bot}:{inbound.chat_id}:{inbound.sender_id}"


@dataclass(slots=True)
class Turn:
    """Everything a flow needs to answer one inbound message."""

    inbound: Inbound
    uow: DialogueUnitOfWork
    out: Outgoing
    now: datetime
    state: ConversationState
    lang: str
    # Made before the transaction: dialogue.prefetch.Prefetched for a client's text, or
    # dialogue.report_command.PreparedReport for a staff member's /report.
    prefetched: Any = None
    client_id: str | None = None  # the client of the contact writing to the client bot, once resolved

    def reply(self, text: str, buttons: Sequence[Sequence[ButtonSpec]] = (), **extra: object) -> None:
        """Answer in the chat the message came from; buttons are signed for the sender."""
        i = self.inbound
        self.out.to_chat(
            i.channel, i.bot, i.chat_id, i.sender_id, text, buttons, thread_id=i.thread_id, **extra
        )

    def tell(self, message: str, buttons: Sequence[Sequence[ButtonSpec]] = (), /, **values: object) -> None:
        """Answer with `message` (English; `dialogue.i18n.say` gives it in the conversation's language)."""
        self.reply(say(self.lang, message, **values), buttons)
