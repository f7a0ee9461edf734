"""Telegram's send limits, and which of them one send must respect."""

from __future__ import annotations

from dataclasses import dataclass

from bots.ratelimit import Rate

# Telegram's FAQ: about one message a second in a chat (short bursts pass), 20 a minute in a group,
# 30 a second overall.
PRIVATE_CHAT_RATE = Rate(1, 1.0, burst=3)
GROUP_CHAT_RATE = Rate(20, 60.0, burst=3)
OVERALL_RATE = Rate(30, 1.0, burst=30)

ChatRef = int | str | None


@dataclass(frozen=True, slots=True)
class TelegramLimits:
    """Telegram's documented send limits; None switches a limit off (tests, a local Bot API server)."""

    private_chat: Rate | None = PRIVATE_CHAT_RATE
    group_chat: Rate | None = GROUP_CHAT_RATE
    overall: Rate | None = OVERALL_RATE

    @classmethod
    def none(cls) -> TelegramLimits:
        """No limits at all."""
        return cls(private_chat=None, group_chat=None, overall=None)


def limits_for(limits: TelegramLimits, chat: ChatRef) -> list[tuple[object, Rate]]:
    """Return the (key, rate) limits one send to `chat` must respect (chat None: a bot-wide call)."""
    result: list[tuple[object, Rate]] = []
    if limits.overall is not None:
        result.append(("*", limits.overall))
    if chat is None:
        return result
    # User ids (private chats) are positive; groups, supergroups and channels are negative or @names.
    private = isinstance(chat, int) and chat > 0
    rate = limits.private_chat if private else limits.group_chat
    if rate is not None:
        result.append((("chat", chat), rate))
    return result
