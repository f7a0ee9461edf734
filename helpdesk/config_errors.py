"""Configuration errors said in one line: which setting is wrong and what it should be.

Every CLI command reads settings; a bad value must stop it with one line on stderr and exit code 2 (the
`helpdesk` click group catches `ConfigError`), not with a traceback that never names the variable.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

# Values of these settings are never echoed back: the line may end up in a shared log or a CI transcript.
_SECRET_PARTS = ("SECRET", "TOKEN", "PASSWORD", "KEY")

# pydantic's wording ("Input should be a valid integer, unable to parse string as an integer") names the
# Python type; an operator editing a .env file needs the shape of the value instead.
_EXPECTED = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "date_type": "expected a date like 2026-01-01",
    "date_parsing": "expected a date like 2026-01-01",
    "date_from_datetime_parsing": "expected a date like 2026-01-01",
    "date_from_datetime_inexact": "expected a date like 2026-01-01 (no time of day)",
    "path_type": "expected a file path",
    "missing": "required, but missing",
}

_MAX_ERRORS = 3
"""At most this many problems are spelled out; the line says how many more there are."""


class ConfigError(Exception):
    """A setting is wrong; `str()` is one line naming the setting and what is expected.

    Attributes:
        setting: the environment variable, e.g. `DATABASE_URL`.
        problem: what is wrong and what to write instead.
        where: an optional detail of the setting's value, e.g. the SLA file's path.
    """

    def __init__(self, setting: str, problem: str, *, where: str | None = None) -> None:
        self.setting = setting
        self.problem = one_line(problem)
        self.where = where
        label = f"{setting} ({where})" if where else setting
        super().__init__(f"{label}: {self.problem}")


def one_line(text: object) -> str:
    """Collapse newlines and runs of blanks, so that a message is one line of stderr."""
    return " ".join(str(text).split())


def shown(value: object, limit: int = 60) -> str:
    """`repr` of a value, shortened so that one huge input does not swamp the line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(error: Any, *, show_input: bool = True) -> str:
    """Say what one pydantic error expects, in the words of a person editing a config file.

    Args:
        error: one item of `ValidationError.errors()`.
        show_input: append the value that was given (off for secrets).
    """
    kind = error.get("type", "")
    msg = str(error.get("msg", ""))
    if kind == "value_error":
        # Our own validators write the whole sentence, value included.
        return msg.removeprefix("Value error, ")
    ctx = error.get("ctx") or {}
    if kind in _EXPECTED:
        text = _EXPECTED[kind]
    elif kind == "greater_than_equal":
        text = f"expected at least {_number(ctx.get('ge'))}"
    elif kind == "greater_than":
        text = f"expected a value above {_number(ctx.get('gt'))}"
    elif kind == "less_than_equal":
        text = f"expected at most {_number(ctx.get('le'))}"
    elif kind == "less_than":
        text = f"expected a value below {_number(ctx.get('lt'))}"
    elif kind == "too_short":
        text = f"expected at least {ctx.get('min_length')} item(s)"
    elif msg.startswith("Input should be "):
        text = "expected " + msg.removeprefix("Input should be ")
    else:
        text = msg
    if show_input and kind != "missing" and "input" in error:
        text += f", got {shown(error['input'])}"
    return text


def _number(value: object) -> str:
    # pydantic gives the bound of a float field as 1.0; a person wrote and reads 1.
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_error(exc: ValidationError) -> ConfigError:
    """Turn the `ValidationError` of `Settings()` into one line that names the environment variables.

    pydantic reports the field path (`port`); the operator set `PORT`, so that is the name said.
    """
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        loc = error.get("loc") or ()
        name = str(loc[0]).upper() if loc else "settings"
        secret = any(part in name for part in _SECRET_PARTS)
        problems.append((name, describe(error, show_input=not secret)))
    if not problems:  # pydantic always has one, but a message must never be empty
        return ConfigError("settings", one_line(exc))
    first_name, first_problem = problems[0]
    rest = [f"{name}: {problem}" for name, problem in problems[1:_MAX_ERRORS]]
    if len(problems) > _MAX_ERRORS:
        rest.append(f"and {len(problems) - _MAX_ERRORS} more")
    return ConfigError(first_name, "; ".join([first_problem, *rest]))
