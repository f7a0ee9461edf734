"""An engineer's profile as people type it: read, normalise and check each field. Pure, no I/O.

A form sends every field as text; `parse_profile` turns the fields present into typed values for
`StaffMember` and collects one message per bad field, so a page can show each next to its field.
Absent fields are left out of the result (they stay as they are).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from ticket_core.errors import ValidationFailed, ValueRefused
from ticket_core.model import MAX_LEVEL, StaffMember
from ticket_core.phones import to_e164
from ticket_core.working_hours import WeeklyHours, parse_hours, zone

PROFILE_FIELDS = (
    "skills",
    "level",
    "regions",
    "timezone",
    "working_hours",
    "max_parallel_jobs",
    "home_lat",
    "home_lon",
    "lang",
    "phone",
)
"""The form fields of an engineer's profile, in the order a page shows them."""

LANGS = ("ru", "en")
MAX_PARALLEL_JOBS = 20
MAX_SKILLS = 30
MAX_REGIONS = 30
MAX_HOURS_LEN = 400  # the `staff.working_hours` column
SKILL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
REGION = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")

COMMON_TIMEZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Europe/Minsk",
    "Asia/Almaty",
    "Asia/Tashkent",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
)
"""Offered first on the form; any other IANA name may be typed."""


class ProfileInvalid(ValidationFailed):
    """One or more profile fields are bad; `errors` maps each field to what to write instead."""

    def __init__(self, refusals: Mapping[str, ValueError]) -> None:
        self.refusals = dict(refusals)
        self.errors = {name: str(error) for name, error in self.refusals.items()}
        message = "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        super().__init__(message)  # each field's refusal is said in the reader's language on its own


def parse_profile(fields: Mapping[str, str], known_skills: Collection[str] = ()) -> dict[str, Any]:
    """Read the profile fields present in `fields` into `StaffMember` values.

    Args:
        fields: field name -> typed text; names outside `PROFILE_FIELDS` are ignored.
        known_skills: the categories tickets use; an unknown skill that looks like a typo of one is refused
            with a suggestion (an unknown skill unlike any of them is a new category and accepted).

    Returns:
        Attribute name -> value, only for the fields given (`home_lat`/`home_lon` together).

    Raises:
        ProfileInvalid: with a message per bad field.
    """
    values: dict[str, Any] = {}
    errors: dict[str, ValueError] = {}
    readers = {
        "skills": lambda text: read_skills(text, known_skills),
        "level": lambda text: read_int(text, 1, MAX_LEVEL, "level"),
        "regions": read_regions,
        "timezone": read_timezone,
        "working_hours": read_hours,
        "max_parallel_jobs": lambda text: read_int(text, 1, MAX_PARALLEL_JOBS, "the job limit"),
        "lang": read_lang,
        "phone": read_phone,
    }
    for name, read in readers.items():
        if name in fields:
            try:
                values[name] = read(str(fields[name]))
            except ValueError as error:
                errors[name] = error
    if "home_lat" in fields or "home_lon" in fields:
        try:
            values["home_lat"], values["home_lon"] = read_home(
                str(fields.get("home_lat", "")), str(fields.get("home_lon", ""))
            )
        except _HomeError as error:
            errors[error.field] = error
    if errors:
        raise ProfileInvalid({name: errors[name] for name in PROFILE_FIELDS if name in errors})
    return values


def read_skills(text: str, known: Collection[str] = ()) -> tuple[str, ...]:
    """Comma-separated skills: lower case, duplicates dropped, at least one (or no job is ever offered).

    Raises:
        ValueError: a skill is malformed, looks like a typo of a known category, or there is none.
    """
    skills = _unique(part.strip().lower() for part in text.split(","))
    if not skills:
        raise ValueRefused("give at least one skill (the categories of jobs to offer), e.g. it, printers")
    if len(skills) > MAX_SKILLS:
        raise ValueRefused("at most {max_skills} skills", max_skills=MAX_SKILLS)
    for skill in skills:
        if not SKILL.match(skill):
            raise ValueRefused(
                "'{skill}' is not a category name: use letters, digits, - and _, e.g. printers", skill=skill
            )
        if known and skill not in known:
            close = difflib.get_close_matches(skill, list(known), n=1, cutoff=0.75)
            if close:
                raise ValueRefused(
                    "'{skill}' is not a category; did you mean '{suggestion}'?",
                    skill=skill,
                    suggestion=close[0],
                )
    return skills


def read_regions(text: str) -> tuple[str, ...]:
    """Comma-separated service region codes, upper case (sites are coded alike); empty means any region.

    Raises:
        ValueError: a code is malformed or there are too many.
    """
    regions = _unique(part.strip().upper() for part in text.split(","))
    if len(regions) > MAX_REGIONS:
        raise ValueRefused("at most {max_regions} regions", max_regions=MAX_REGIONS)
    for region in regions:
        if not REGION.match(region):
            raise ValueRefused(
                "'{region}' is not a region code: use letters, digits, - and _, e.g. MOW, SPB", region=region
            )
    return regions


def read_timezone(text: str) -> str:
    """An IANA time zone name such as Europe/Moscow.

    Raises:
        ValueError: the name is empty or no zone of that name exists.
    """
    name = text.strip()
    if not name:
        raise ValueRefused("give a time zone, e.g. Europe/Moscow")
    zone(name)  # raises ValueError with the expected form
    known = _zone_names()
    if known and name not in known:
        raise ValueRefused("unknown time zone '{name}'; use an IANA name such as Europe/Moscow", name=name)
    return name


def read_hours(text: str) -> WeeklyHours | None:
    """A weekly schedule ("mon-fri 09:00-18:00; sat 10:00-14:00"); empty means any time on shift.

    Raises:
        ValueError: the parser's message, which shows the expected form.
    """
    hours = parse_hours(text.strip() or None)
    if hours is not None and len(hours.spec()) > MAX_HOURS_LEN:
        raise ValueRefused(
            "the schedule is too long (at most {max_hours_len} characters)", max_hours_len=MAX_HOURS_LEN
        )
    return hours


def read_int(text: str, low: int, high: int, what: str) -> int:
    """A whole number in [low, high].

    Raises:
        ValueError: not a whole number or out of range.
    """
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueRefused(
            "{what} is a whole number from {low} to {high}", what=what, low=low, high=high
        ) from None
    if not low <= value <= high:
        raise ValueRefused(
            "{what} is from {low} to {high}, not {value}", what=what, low=low, high=high, value=value
        )
    return value


def read_lang(text: str) -> str:
    """The language of the engineer's chat: ru or en.

    Raises:
        ValueError: another language.
    """
    lang = text.strip().lower()
    if lang not in LANGS:
        raise ValueRefused("the language is {langs}", langs=" or ".join(LANGS))
    return lang


def read_phone(text: str) -> str | None:
    """A typed phone number in E.164 (`ticket_core.phones.to_e164`: a Russian 8 prefix becomes +7); empty: none.

    Raises:
        ValueError: not a phone number.
    """
    if not text.strip():
        return None
    phone = to_e164(text)
    if phone is None:
        raise ValueRefused("write the phone with its country code, e.g. +7 916 123-45-01")
    return phone


class _HomeError(ValueRefused):
    def __init__(self, field: str, template: str, /, **params: object) -> None:
        super().__init__(template, **params)
        self.field = field


def read_home(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    """Home latitude and longitude (decimal degrees, comma or point), both or neither.

    Raises:
        ValueError: (a `_HomeError` naming the field) one is missing, not a number or out of range.
    """
    lat_s, lon_s = lat_text.strip().replace(",", "."), lon_text.strip().replace(",", ".")
    if not lat_s and not lon_s:
        return None, None
    if not lat_s or not lon_s:
        missing = "home_lat" if not lat_s else "home_lon"
        raise _HomeError(missing, "give both latitude and longitude, or leave both empty")
    lat = _degrees(lat_s, 90, "home_lat", "latitude")
    lon = _degrees(lon_s, 180, "home_lon", "longitude")
    return lat, lon


def _degrees(text: str, limit: int, field: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _HomeError(field, "the {what} is a number of degrees, e.g. 55.7558", what=what) from None
    if value != value or not -limit <= value <= limit:  # NaN, inf and out-of-range values
        raise _HomeError(field, "the {what} is from -{limit} to {limit}", what=what, limit=limit)
    return value


def profile_values(member: StaffMember) -> dict[str, Any]:
    """The profile attributes of a member, JSON-safe (tuples as lists, hours as their schedule text)."""
    values: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(member, name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, WeeklyHours):
            value = value.spec()
        values[name] = value
    return values


def _unique(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    # Reading the zone database takes a while; names do not change while the process runs.
    return frozenset(available_timezones())
