"""Domain errors as messages a person understands, in their language."""

from __future__ import annotations

import re

from dialogue.refusals import refusal_text
from dialogue.texts import status_name, t
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


def explain(error: DomainError, lang: str, ticket: Ticket | None = None) -> str:
    """Say what went wrong and what to do next; the domain's own text is English and used as is for English."""
    detail = str(error)
    ref_match = REF.search(detail)
    ref = ref_match.group(0) if ref_match else (ticket.ref if ticket else "")
    status = status_name(lang, ticket.status) if ticket else ""
    key = {
        NotFound: "err_not_found",
        Forbidden: "err_forbidden",
        AlreadyTaken: "err_taken",
        InvalidTransition: "err_invalid",
        ValidationFailed: "err_validation",
    }.get(type(error))
    said = refusal_text(error, lang)
    if said is not None:
        return said
    if key is None or (key == "err_invalid" and lang == "ru" and not ticket):
        return detail if lang != "ru" else t(lang, "error_generic")
    return t(lang, key, detail=detail, ref=ref, status=status)
