"""Domain errors. Each message says what happened and what to do next."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a use case raises on purpose; `code` is stable for programs."""

    code = "domain_error"


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


class StaleTicket(Exception):
    """Optimistic lock failed: the ticket changed since it was read (internal; use cases translate it)."""
