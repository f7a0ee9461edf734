"""Domain errors as messages a person understands, in their language."""

from __future__ import annotations

import re

from dialogue.i18n import N_, say
from dialogue.refusals import refusal_text
from dialogue.texts import status_name
from ticket_core.errors import (
    AlreadyTaken,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from ticket_core.model import Ticket

REF = re.compile(r"HD-\d+")
IN_RUSSIAN: dict[type[DomainError], str] = {
    NotFound: N_("No such request among yours. Check the number."),
    Forbidden: N_("You may not do that."),
    AlreadyTaken: N_("Another engineer has already taken {ref}."),
    InvalidTransition: N_("That cannot be done now: {ref} is {status}."),
    ValidationFailed: N_("Check the data: {detail}"),
}
"""What a Russian reader is told of an error no refusal template names (an English reader reads the error's
own sentence)."""


def explain(error: DomainError, lang: str, ticket: Ticket | None = None) -> str:
    """Say what went wrong and what to do next; the domain's own text is English and used as is for English."""
    detail = str(error)
    ref_match = REF.search(detail)
    ref = ref_match.group(0) if ref_match else (ticket.ref if ticket else "")
    status = status_name(lang, ticket.status) if ticket else ""
    said = refusal_text(error, lang)
    if said is not None:
        return said
    if lang != "ru":
        return detail
    message = IN_RUSSIAN.get(type(error))
    if message is None or (message is IN_RUSSIAN[InvalidTransition] and not ticket):
        return say(lang, "Something went wrong and nothing was changed. Please try again in a moment.")
    return say(lang, message, detail=detail, ref=ref, status=status)
