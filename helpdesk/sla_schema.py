"""The shape of the SLA file (`SLA_CONFIG_FILE`) as a pydantic schema: unknown keys and wrong types refused.

`ticket_core.sla.config.load_config` builds the policies from a plain dict and checks what only the domain
knows (durations, hours, references between calendars and policies). It stays framework-free, so the
shape is checked here first, where pydantic is allowed: a misspelled key (`calendar:` for `calendars:`)
used to be ignored silently, and `calendars: 42` ended in a bare AttributeError.
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from helpdesk.config_errors import describe, shown
from ticket_core.enums import Priority
from ticket_core.sla.config import SITE_TZ, SlaConfigError, parse_duration


def _name(value: Any) -> Any:
    # YAML reads some names as numbers or dates (a contract id 2024, a category 1); the loader has always
    # taken them as text, so they stay valid. Anything else (a list, a mapping) is refused as not text.
    if isinstance(value, int | float | date) and not isinstance(value, bool):
        return str(value)
    return value


def _none_is_empty(empty: type) -> BeforeValidator:
    # `calendars:` with nothing after it is YAML's None; the loader read it as "none given".
    return BeforeValidator(lambda value: empty() if value is None else value)


def _duration(value: Any) -> Any:
    try:
        if isinstance(value, str | int | float):
            parse_duration(value, "")
            return value
    except SlaConfigError:
        pass
    raise ValueError(
        f"expected a duration above zero like 30m, 4h, 1d or 1h30m (a number is minutes), got {shown(value)}"
    )


def _priority(value: str) -> str:
    if value.upper() not in {p.value for p in Priority}:
        names = ", ".join(p.value for p in Priority)
        raise ValueError(f"{value!r} is not a priority; use {names}")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a time zone; write an IANA name such as Europe/Moscow or UTC"
        ) from None
    return value


def _zone_or_site(value: str) -> str:
    return value if value == SITE_TZ else _zone(value)


Name = Annotated[str, BeforeValidator(_name)]
Zone = Annotated[str, AfterValidator(_zone)]
ZoneOrSite = Annotated[str, AfterValidator(_zone_or_site)]
Duration = Annotated[Any, AfterValidator(_duration)]
PriorityName = Annotated[str, BeforeValidator(_name), AfterValidator(_priority)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarSpec(_Section):
    """`calendars.<name>`: business hours on a range of weekdays in a time zone."""

    timezone: ZoneOrSite = SITE_TZ
    hours: str = "09:00-18:00"
    days: str = "mon-fri"
    holidays: Annotated[list[date], _none_is_empty(list)] = []
    extra_working_days: Annotated[dict[date, str], _none_is_empty(dict)] = {}


class TargetSpec(_Section):
    """`policies.<name>.targets.<priority>`: the response and resolution times."""

    response: Duration
    resolution: Duration


class PolicySpec(_Section):
    """`policies.<name>`: a calendar and targets per priority."""

    calendar: Name = "24x7"
    targets: dict[PriorityName, TargetSpec] = Field(min_length=1)


class RungSpec(_Section):
    """`ladder[i]`: at `share` of a target, alert `notify` at `level`."""

    level: int
    share: float = Field(gt=0)
    notify: str


class SlaFileSpec(_Section):
    """The whole SLA file; every key is optional (docs/sla.md, `ticket_core/sla/config.py`)."""

    timezone: Zone | None = None
    calendars: Annotated[dict[Name, CalendarSpec], _none_is_empty(dict)] = {}
    policies: Annotated[dict[Name, PolicySpec], _none_is_empty(dict)] = {}
    default: Name | None = None
    categories: Annotated[dict[Name, Name], _none_is_empty(dict)] = {}
    contracts: Annotated[dict[Name, Name], _none_is_empty(dict)] = {}
    contract_categories: Annotated[dict[Name, dict[Name, Name]], _none_is_empty(dict)] = {}
    ladder: Annotated[list[RungSpec], _none_is_empty(list)] = []
    at_risk_share: float = Field(default=0.75, gt=0, le=1)


def check_sla_file(data: Any) -> list[str]:
    """Check parsed YAML/JSON against the schema; return the problems, each "key.path: what is expected".

    An empty list means the shape is right (the values are then checked by `load_config`).
    """
    if not isinstance(data, dict):
        keys = ", ".join(SlaFileSpec.model_fields)
        return [f"the top level: expected a mapping with some of {keys}, got {shown(data)}"]
    try:
        SlaFileSpec.model_validate(data)
    except ValidationError as exc:
        return [_problem(error) for error in exc.errors(include_url=False)]
    return []


def _problem(error: Any) -> str:
    loc = tuple(part for part in error.get("loc", ()) if part != "[key]")
    path = _path(loc) or "the top level"
    if error.get("type") == "extra_forbidden":
        return f"{path}: unknown key{_suggestion(loc)}"
    return f"{path}: {describe(error)}"


def _suggestion(loc: tuple[Any, ...]) -> str:
    """The keys allowed next to an unknown one, with the closest as a guess at the misspelling."""
    model = _model_at(SlaFileSpec, loc[:-1])
    if model is None:
        return ""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    guess = f" (did you mean {close[0]}?)" if close else ""
    return f"{guess}; the keys here are {', '.join(allowed)}"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class that validates the value at `loc`, or None when that value is not a section."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
