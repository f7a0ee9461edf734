"""A chat message longer than the chats take (`dialogue.messages.MAX_TEXT_CHARS`, the web chat's box stops
there too) is refused with its length in the writer's language, whoever writes: a client or staff."""

from __future__ import annotations

from dialogue.i18n import say_n
from dialogue.messages import MAX_TEXT_CHARS
from dialogue.turn import Turn


def refused_as_too_long(turn: Turn, text: str) -> bool:
    """Tell the writer `text` is too long and return True; False (nothing said) when it fits."""
    if len(text) <= MAX_TEXT_CHARS:
        return False
    turn.reply(
        say_n(
            turn.lang,
            "That message is too long ({n} character). Please keep it under {max}.",
            "That message is too long ({n} characters). Please keep it under {max}.",
            len(text),
            n=len(text),
            max=MAX_TEXT_CHARS,
        )
    )
    return True
