"""Request input checked field by field: JSON object bodies, strings, numbers, query parameters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from bots.json_body import read_json
from dialogue.safe_input import JsonInputError, describe_char, find_control
from helpdesk.api.errors import ApiError, bad_request, invalid

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body: a KB article of 200,000 characters fits even with every character escaped."""


async def read_object(request: web.Request, allowed: Iterable[str]) -> dict[str, Any]:
    """Read a JSON object body; unknown fields are refused so a typo never passes silently.

    The body is read within the limits every JSON body of the app has (`dialogue.safe_input`): at most
    `MAX_BODY_BYTES`, UTF-8, nested at most 32 deep, and no control characters in any string (a NUL would
    reach the database, which refuses it).

    Raises:
        ApiError: 400 when the body is not an acceptable JSON object (naming the field with a control
            character), 413 when it is too large, 422 naming an unknown field.
    """
    try:
        data = await read_json(request, max_bytes=MAX_BODY_BYTES, controls="refuse")
    except JsonInputError as error:
        if error.status == 413:
            raise ApiError(413, "too_large", f"{_sentence(error)}; send less at once.") from None
        raise bad_request(
            f"{_sentence(error)}. Send a JSON object with Content-Type: application/json.", error.path
        ) from None
    if not isinstance(data, dict):
        raise bad_request('The body must be a JSON object, e.g. {"title": "..."}.')
    names = set(allowed)
    for key in data:
        if key not in names:
            raise invalid(f"Unknown field {key!r}; allowed fields: {', '.join(sorted(names))}.", key)
    return data


def text_field(
    data: dict[str, Any], name: str, *, required: bool = False, max_len: int = 10_000
) -> str | None:
    """A string field, stripped; raise 422 naming it when missing, not a string or too long."""
    value = data.get(name)
    if value is None:
        if required:
            raise invalid(f"{name!r} is required.", name)
        return None
    if not isinstance(value, str):
        raise invalid(f"{name!r} must be a string.", name)
    text = value.strip()
    if required and not text:
        raise invalid(f"{name!r} must not be empty.", name)
    if len(text) > max_len:
        raise invalid(f"{name!r} is longer than {max_len} characters.", name)
    return text


def number_field(data: dict[str, Any], name: str, *, low: float, high: float) -> float | None:
    """A number field within [low, high]; 422 naming it otherwise."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise invalid(f"{name!r} must be a number between {low} and {high}.", name)
    return float(value)


def query_int(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; 400 naming it otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Query parameter {name!r} must be a whole number, got {raw!r}.", name) from None
    if not low <= value <= high:
        raise bad_request(f"Query parameter {name!r} must be between {low} and {high}.", name)
    return value


def query_choice(request: web.Request, name: str, choices: Iterable[str]) -> str | None:
    """An optional query parameter that must be one of `choices`; 400 naming it otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    allowed = list(choices)
    if raw not in allowed:
        raise bad_request(f"Query parameter {name!r} must be one of {', '.join(allowed)}; got {raw!r}.", name)
    return raw


def query_text(request: web.Request, name: str, *, max_len: int = 200) -> str | None:
    """An optional free-text query parameter, stripped and length-checked."""
    raw = (request.query.get(name) or "").strip()
    if not raw:
        return None
    if len(raw) > max_len:
        raise bad_request(f"Query parameter {name!r} is longer than {max_len} characters.", name)
    return raw


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


def check_parameters(request: web.Request) -> None:
    """Refuse path and query parameters with control characters, before any handler reads them.

    Why here, once: every filter and id goes to the database, and PostgreSQL refuses a NUL (an answer
    500); a control character is never part of an id or a search.

    Raises:
        ApiError: 400 naming the parameter.
    """
    for where, items in (("Path", request.match_info.items()), ("Query", request.query.items())):
        for name, value in items:
            bad = find_control(name) or find_control(value)
            if bad is not None:
                raise bad_request(
                    f"{where} parameter {name[:40]!r} contains the control character {describe_char(bad)}; "
                    "remove it.",
                    name[:40],
                )
