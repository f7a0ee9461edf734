"""Building outgoing messages: to the chat that wrote, or to a person on every chat account they linked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dialogue.messages import Bot, Button, Channel, Media, Outbound
from dialogue.payloads import PayloadSigner
from ticket_core.model import ChannelAccount
from ticket_core.ports import UnitOfWork

ButtonSpec = tuple[str, str]
"""(label, action): the action is signed for the chat the message goes to; an https:// action is a link."""


def _button(signer: PayloadSigner, bot: Bot, account_id: str, label: str, action: str) -> Button:
    if action.startswith("https://"):
        return Button(label, url=action)
    return Button(label, signer.sign(str(bot), account_id, action))


@dataclass(slots=True)
class Outgoing:
    """Collects the messages one turn of the engine produces."""

    signer: PayloadSigner
    messages: list[Outbound] = field(default_factory=list)

    def to_chat(
        self,
        channel: Channel,
        bot: Bot,
        chat_id: str,
        account_id: str,
        text: str,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        **extra: object,
    ) -> None:
        """Queue a message to one chat, signing each button for `account_id`."""
        rows = tuple(
            tuple(_button(self.signer, bot, account_id, label, action) for label, action in row)
            for row in buttons
            if row
        )
        self.messages.append(Outbound(channel, bot, chat_id, text, rows, **extra))  # type: ignore[arg-type]

    async def to_person(
        self,
        uow: UnitOfWork,
        person_id: str,
        bot: Bot,
        text: str,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        *,
        prefer_channel: str | None = None,
        lang: str | None = None,
        card: str | None = None,
        card_new: bool = False,
        media: tuple[Media, ...] = (),
        asked_for: bool = False,
    ) -> int:
        """Queue a message to a person's chats on `bot`; return how many chats it went to.

        With `prefer_channel`, only that channel's chats are used when the person has one there; `card` and
        `card_new` make it a live card of each chat (see `Outbound.card`). A notification skips the accounts
        the person unsubscribed (`ChannelAccount.muted`: a mail address); something they asked for
        (`asked_for`, a sign-in link) goes there too.
        """
        accounts: list[ChannelAccount] = await uow.accounts.list_for_person(person_id, str(bot))
        if not asked_for:
            accounts = [a for a in accounts if not a.muted]
        if prefer_channel and any(a.channel == prefer_channel for a in accounts):
            accounts = [a for a in accounts if a.channel == prefer_channel]
        for account in accounts:
            extra: dict[str, object] = {"card": card, "card_new": card_new} if card else {}
            if media:
                extra["media"] = media
            self.to_chat(
                Channel(account.channel),
                bot,
                account.chat_id,
                account.account_id,
                text,
                buttons,
                lang=lang,
                **extra,
            )
        return len(accounts)
