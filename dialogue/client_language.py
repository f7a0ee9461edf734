"""A client's language: `/lang` offers the choice, `/ru` `/en` (or the choice's button) set it."""

from __future__ import annotations

from dialogue.identity import ClientPerson
from dialogue.payloads import Language
from dialogue.texts import norm_lang
from dialogue.turn import Turn


def choose_language(turn: Turn) -> None:
    """Offer Russian and English as buttons."""
    turn.tell(
        "Choose a language:", [[("Русский", Language("ru").encode()), ("English", Language("en").encode())]]
    )


def set_language(turn: Turn, person: ClientPerson, lang: str) -> None:
    """Speak `lang` from now on, in this chat and wherever the contact is written to."""
    turn.lang = norm_lang(lang)
    turn.state.lang = turn.lang
    person.contact.lang = turn.lang  # the engine saves a changed contact at the end of the turn
    turn.tell("OK, English it is.")
