"""API errors: one JSON shape, `{"error": {"code", "message", "field"?}}`, with messages that say what to do."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from helpdesk.api.jsonio import json_response
from kb_search.model import KbError
from ticket_core import errors as domain


class ApiError(Exception):
    """An answer other than success; raised by handlers and turned into the JSON error by the wrapper."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.extra = extra or {}
        """More members of the error object, e.g. `lines` of a rejected import."""

    def response(self) -> web.Response:
        """The JSON error response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        error.update(self.extra)
        return json_response({"error": error}, status=self.status, headers=self.headers)


def bad_request(message: str, field: str | None = None) -> ApiError:
    """400: the request is malformed (JSON syntax, a query parameter)."""
    return ApiError(400, "bad_request", message, field=field)


def invalid(message: str, field: str | None = None) -> ApiError:
    """422: well-formed but a field's value is not acceptable."""
    return ApiError(422, "invalid_field", message, field=field)


def not_found(message: str) -> ApiError:
    """404 with a hint."""
    return ApiError(404, "not_found", message)


def conflict(message: str) -> ApiError:
    """409: the current state does not allow the change."""
    return ApiError(409, "conflict", message)


_DOMAIN_STATUS: dict[type[domain.DomainError], tuple[int, str]] = {
    domain.NotFound: (404, "not_found"),
    domain.ValidationFailed: (422, "invalid_field"),
    domain.InvalidTransition: (409, "invalid_transition"),
    domain.AlreadyTaken: (409, "conflict"),
    # For an integration acting as a supervisor a refusal is a concurrent change or a rule of the ticket's
    # state, not a missing permission (that is a scope, answered 403 before any use case runs).
    domain.Forbidden: (409, "refused"),
}


def from_domain(error: domain.DomainError, field: str | None = None) -> ApiError:
    """Translate a use case's refusal into an API error, keeping its message."""
    for cls, (status, code) in _DOMAIN_STATUS.items():
        if isinstance(error, cls):
            return ApiError(status, code, str(error), field=field if status == 422 else None)
    return ApiError(409, error.code, str(error))


def from_kb(error: KbError, field: str | None = None) -> ApiError:
    """Translate bad KB input into a 422 naming the field when known."""
    return invalid(str(error), field)
