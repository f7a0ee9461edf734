"""Refuse input no admin page can use before any page reads it: control characters, unreadable forms.

Why one middleware: every admin form and filter ends in the database, which refuses a NUL (PostgreSQL) or
a string that is not valid Unicode; and aiohttp's form parser raises LookupError for an unknown charset
and UnicodeDecodeError for bytes that are not in the declared one. Each was an answer 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from dialogue.safe_input import JsonInputError, check_charset, describe_char, find_control
from helpdesk.admin.pages import error_page
from helpdesk.admin.routes import Handler

log = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNREADABLE = (
    "This form could not be read. Send it from the admin pages (UTF-8); reload the page and submit it again."
)


ErrorPage = Callable[..., web.StreamResponse]
"""error_page(request, status, title, message): a web part's error page in the reader's language."""


def input_guard(error_page: ErrorPage) -> Any:
    """A middleware that answers 400 (on `error_page`) for a query or form with a control character, or a
    form that cannot be decoded. The admin and the client portal each mount one with their own pages."""

    @web.middleware
    async def refuse(request: web.Request, handler: Handler) -> web.StreamResponse:
        bad = _first_bad(request.query.items())
        if bad is None and request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                check_charset(request.charset)
                # aiohttp keeps the parsed form, so the page reads the same one without parsing it again.
                form = await request.post()
            except web.HTTPException:
                raise  # 413 for a body over the app's limit
            except (
                JsonInputError,
                LookupError,
                UnicodeDecodeError,
                ValueError,
                AssertionError,
                HttpProcessingError,
            ) as error:
                # AssertionError: aiohttp's multipart reader asserts on some malformed bodies;
                # HttpProcessingError: a part header it cannot parse (a NUL) or a line over 512 KB (a multipart
                # body with no boundary).
                log.info("%s %s: unreadable form (%s)", request.method, request.path, type(error).__name__)
                return error_page(request, 400, "Form not readable", UNREADABLE)
            bad = _first_bad((name, value) for name, value in form.items() if isinstance(value, str))
        if bad is not None:
            name, char = bad
            return error_page(
                request,
                400,
                "Not accepted",
                f"The field {name[:40]!r} contains the control character {describe_char(char)}, which cannot "
                "be saved. Remove it (retype the text rather than pasting it) and submit again.",
            )
        return await handler(request)

    return refuse


refuse_bad_input = input_guard(error_page)
"""The admin's input guard."""


def _first_bad(items: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    for name, value in items:
        char = find_control(name) or find_control(value)
        if char is not None:
            return name, char
    return None
