"""Errors: one JSON shape, domain refusals mapped to statuses, pagination envelope."""

from __future__ import annotations

import json

import pytest

from helpdesk.api.errors import ApiError, from_domain, from_kb
from helpdesk.api.paging import Page
from kb_search.model import KbError
from ticket_core import errors as domain


def _body(error: ApiError) -> dict[str, object]:
    response = error.response()
    assert response.content_type == "application/json"
    assert response.text is not None
    return dict(json.loads(response.text))


def test_error_shape_has_code_message_and_field_when_known() -> None:
    assert _body(ApiError(422, "invalid_field", "Fix it.", field="lang")) == {
        "error": {"code": "invalid_field", "message": "Fix it.", "field": "lang"}
    }
    assert _body(ApiError(404, "not_found", "Look elsewhere.")) == {
        "error": {"code": "not_found", "message": "Look elsewhere."}
    }
    limited = ApiError(429, "rate_limited", "Slow down.", headers={"Retry-After": "2"}).response()
    assert limited.status == 429 and limited.headers["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (domain.NotFound("No ticket HD-1."), 404, "not_found"),
        (domain.ValidationFailed("Please give the comment."), 422, "invalid_field"),
        (domain.InvalidTransition("Ticket HD-1 is closed."), 409, "invalid_transition"),
        (domain.Forbidden("Changed by someone else just now."), 409, "refused"),
        (domain.AlreadyTaken("Taken."), 409, "conflict"),
    ],
)
def test_domain_refusals_keep_their_message(error: domain.DomainError, status: int, code: str) -> None:
    api_error = from_domain(error)
    assert (api_error.status, api_error.code, api_error.message) == (status, code, str(error))


def test_kb_errors_are_422_with_the_field() -> None:
    api_error = from_kb(KbError("language 'x' should be a code like ru or en"), "lang")
    assert (api_error.status, api_error.field) == (422, "lang")


def test_page_envelope_says_where_the_next_page_starts() -> None:
    assert Page(2, 0).envelope(["a", "b"], 5)["next_offset"] == 2
    last = Page(2, 4).envelope(["e"], 5)
    assert last == {"items": ["e"], "total": 5, "limit": 2, "offset": 4, "next_offset": None}
