"""Checking a bot command menu before it goes to Telegram."""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG = re.compile(r"[a-z]{2}")


def check_commands(commands: list[tuple[str, str]], lang: str | None) -> list[tuple[str, str]]:
    """Return (name, description) pairs cleaned for setMyCommands (leading '/' and spaces dropped).

    Raises:
        ValueError: a name is not 1-32 of a-z, 0-9, _; a description is not 1-256 characters; or `lang`
            is not a two-letter code.
    """
    items: list[tuple[str, str]] = []
    for name, description in commands:
        name = name.removeprefix("/")
        if not _COMMAND.match(name):
            raise ValueError(f"command {name!r}: use 1-32 characters of a-z, 0-9 and _")
        if not 1 <= len(description.strip()) <= 256:
            raise ValueError(f"command {name!r}: the description must be 1-256 characters")
        items.append((name, description.strip()))
    if lang is not None and not _LANG.fullmatch(lang):
        raise ValueError(f"language {lang!r}: use a two-letter ISO 639-1 code such as 'ru' or 'en'")
    return items
