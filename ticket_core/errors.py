"""Domain errors. Each message says what happened and what to do next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum


class DomainError(Exception):
    """Base of every error a use case raises on purpose; `code` is stable for programs.

    The message is an English `template` whose `{name}` fields come from `params`, so a reader of another
    language gets the same sentence translated (`dialogue.refusals`) rather than the English one.
    """

    code = "domain_error"

    def __init__(self, template: str = "", /, **params: object) -> None:
        self.template = template
        self.params: dict[str, object] = params
        super().__init__(english(template, params))


class ValueRefused(ValueError):
    """A typed value a reader refuses, worded as `DomainError` is (an English template and its params)."""

    def __init__(self, template: str = "", /, **params: object) -> None:
        self.template = template
        self.params: dict[str, object] = params
        super().__init__(english(template, params))


def english(template: str, params: Mapping[str, object]) -> str:
    """`template` filled with `params`; a StrEnum value reads as words ("in_progress" -> "in progress")."""
    if not params:
        return template
    return template.format(
        **{k: str(v).replace("_", " ") if isinstance(v, StrEnum) else v for k, v in params.items()}
    )


class NotFound(DomainError):
    """The thing asked for does not exist, or the actor may not see it."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor may not do this."""

    code = "forbidden"


class InvalidTransition(DomainError):
    """The ticket's status does not allow this action now."""

    code = "invalid_transition"


class AlreadyTaken(DomainError):
    """Another engineer accepted the job first."""

    code = "already_taken"


class ValidationFailed(DomainError):
    """Input is missing or malformed."""

    code = "validation_failed"


class FormProblems(ValidationFailed):
    """Everything wrong with one form at once, each problem a refusal of its own (its own template).

    A reader gets every problem in one answer instead of one per try; `dialogue.refusals` says each in the
    reader's language.
    """

    def __init__(self, parts: Sequence[DomainError]) -> None:
        self.parts = tuple(parts)
        # never said as a whole: `dialogue.refusals` says each part (so it is not a catalogue text)
        whole = "{problems}"
        super().__init__(whole, problems=" ".join(str(p) for p in self.parts))


class StaleTicket(Exception):
    """Optimistic lock failed: the ticket changed since it was read (internal; use cases translate it)."""
