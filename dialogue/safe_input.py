"""Input from outside made safe to keep: control characters in text, and JSON bodies within limits.

Every JSON body the app reads (the Telegram and WhatsApp webhooks, the web chat, the REST API) is decoded
by `decode_json`, and every chat message is cleaned by `strip_controls` (in `Inbound`), so one set of rules
holds everywhere. Framework-free, so that `bots` and `helpdesk` can both use it (see DESIGN.md's arrows).

Why: a JSON nested a thousand levels deep makes the decoder (and everything that walks the result) raise
RecursionError; a NUL or a lone surrogate reaches the database, which refuses it (PostgreSQL rejects 0x00 in
text and jsonb, and neither SQLite nor PostgreSQL can store a string that is not valid Unicode); an unknown
charset name makes the decoder raise LookupError. Each of those was an answer 500.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal

MAX_DEPTH = 32
"""Nesting of objects and arrays a body may have; Telegram and WhatsApp updates use fewer than 10."""
MAX_BYTES = 1024 * 1024
"""Body size a webhook or the web chat accepts; platform updates are a few kilobytes."""
MAX_INT_DIGITS = 20
"""Digits of an integer; every id we read fits in 64 bits, and longer ones cost quadratic time to parse."""

# Control characters (Unicode category Cc) other than tab and line feed, and lone surrogates (which JSON's
# \ud800 escapes can make, and which no database can store). Carriage returns are folded into line feeds
# before stripping, so "\r\n" from Windows keeps its line break.
_STRIP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What a REST field may not contain: the same, but a carriage return is harmless and some clients send it.
_REFUSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})

Controls = Literal["strip", "refuse"]


class JsonInputError(ValueError):
    """A body that is not acceptable JSON; the message says what to send instead.

    Attributes:
        status: the HTTP status to answer: 400, or 413 for a body over the size limit.
        path: where in the body the problem is (e.g. ``tags[2]``), when it is in one place.
    """

    def __init__(self, message: str, *, status: int = 400, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


def strip_controls(text: str) -> str:
    """Return `text` without control characters (tab and line breaks stay) and lone surrogates."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _STRIP.sub("", text) if _STRIP.search(text) else text


def find_control(text: str) -> str | None:
    """Return the first character a stored field may not contain (a control character other than tab,
    line feed and carriage return, or a lone surrogate), or None when there is none."""
    match = _REFUSE.search(text)
    return match.group(0) if match else None


def describe_char(char: str) -> str:
    """Name a character for an error message, e.g. ``U+0000``."""
    return f"U+{ord(char):04X}"


def check_charset(charset: str | None) -> None:
    """Accept a body declared as UTF-8 (or its subset ASCII), or declared as nothing.

    Raises:
        JsonInputError: any other charset, known or not: JSON is UTF-8 (RFC 8259), and decoding with a
            name taken from the request (e.g. ``xx-unknown`` or ``rot13``) must never be tried.
    """
    if charset is None:
        return
    if charset.strip().strip('"').lower() not in _UTF8_NAMES:
        raise JsonInputError(
            f"charset {charset[:40]!r} is not supported: send JSON as UTF-8 "
            "(Content-Type: application/json; charset=utf-8, or no charset)"
        )


def decode_json(
    raw: bytes,
    *,
    charset: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    controls: Controls = "strip",
) -> Any:
    """Decode a JSON body within limits and return it, with its strings made safe to store.

    Args:
        raw: the body as received.
        charset: the charset the request declared, if any (see `check_charset`).
        max_bytes: the largest body accepted.
        max_depth: the deepest nesting of objects and arrays accepted (a scalar body has depth 0).
        controls: ``strip`` removes control characters and lone surrogates from every string (chat
            platforms: the sender cannot fix them); ``refuse`` raises naming the field (the REST API:
            a program can, and silently changed data would surprise it).

    Raises:
        JsonInputError: too large (status 413), an unsupported charset, not UTF-8, empty, not JSON,
            NaN or Infinity, an integer beyond 64 bits, nested too deeply, or (``refuse``) a string with
            a control character.
    """
    if len(raw) > max_bytes:
        raise JsonInputError(f"the body is too large: at most {max_bytes // 1024} KB", status=413)
    check_charset(charset)
    try:
        # utf-8-sig: a byte order mark is tolerated (RFC 8259 lets parsers ignore one).
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonInputError("the body is not valid UTF-8: send JSON encoded as UTF-8") from None
    if not text.strip():
        raise JsonInputError("the body is empty: send a JSON object")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int, parse_float=_finite)
    except JsonInputError:
        raise
    except RecursionError:
        raise JsonInputError(f"the JSON is nested too deeply: at most {max_depth} levels") from None
    except ValueError as e:  # JSONDecodeError is one
        raise JsonInputError(f"the body is not valid JSON ({_short(e)})") from None
    return _check_tree(data, max_depth, controls)


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; PostgreSQL's jsonb and most clients refuse them.
    raise JsonInputError(f"{name} is not a JSON number")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonInputError("a number is too long: integers must fit in 64 bits")
    value = int(digits)
    if not -(2**63) <= value < 2**63:
        raise JsonInputError("a number is too large: integers must fit in 64 bits")
    return value


def _finite(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise JsonInputError(f"{digits[:20]} is out of range for a number")
    return value


def _short(error: ValueError) -> str:
    return str(error)[:120]


def _check_tree(data: Any, max_depth: int, controls: Controls) -> Any:
    """Check nesting and strings without recursion (recursion is what a deep body attacks)."""
    if isinstance(data, str):
        return _safe_str(data, controls, "")
    if not isinstance(data, dict | list):
        return data
    stack: list[tuple[dict[str, Any] | list[Any], int, str]] = [(data, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > max_depth:
            raise JsonInputError(
                f"the JSON is nested too deeply: at most {max_depth} levels", path=path or None
            )
        if isinstance(node, dict):
            renamed = False
            for key, value in node.items():
                where = f"{path}.{key}" if path else key
                if _STRIP.search(key):
                    if controls == "refuse":
                        raise _control_error(key, where)
                    renamed = True
                if isinstance(value, str):
                    safe = _safe_str(value, controls, where)
                    if safe is not value:
                        node[key] = safe  # same key, so the dict does not change size while iterated
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1, where))
            if renamed:
                items = list(node.items())
                node.clear()
                node.update((strip_controls(k), v) for k, v in items)
        else:
            for index, value in enumerate(node):
                if isinstance(value, str):
                    safe = _safe_str(value, controls, f"{path}[{index}]")
                    if safe is not value:
                        node[index] = safe
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1, f"{path}[{index}]"))
    return data


def _safe_str(value: str, controls: Controls, where: str) -> str:
    if controls == "refuse":
        bad = find_control(value)
        if bad is not None:
            raise _control_error(value, where)
        return value
    if _STRIP.search(value):
        return strip_controls(value)
    return value


def _control_error(value: str, where: str) -> JsonInputError:
    bad = find_control(value) or _STRIP.search(value).group(0)  # type: ignore[union-attr]
    field = f"'{where}'" if where else "the body"
    return JsonInputError(
        f"{field} contains the control character {describe_char(bad)}; remove it "
        "(only tab and line breaks are allowed)",
        path=where or None,
    )
