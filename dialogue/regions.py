"""Places as people say them: service regions by name instead of their codes ("SPB" -> Санкт-Петербург),
time zones by their city and offset instead of IANA names ("Europe/Moscow" -> "Москва, UTC+3").

A company names its regions with short codes (`sites.region`, an engineer's `regions`); the codes of Russia's
subjects in ISO 3166-2:RU (MOW, SPE, MOS, LEN...) and the common SPB/MSK are known here. A code that is not
known is shown as it is, since it is the company's own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location

from dialogue.i18n import N_, say
from ticket_core.i18n import format_decimal

REGIONS: dict[str, str] = {
    "MOW": N_("Moscow"),
    "MSK": N_("Moscow"),
    "MOS": N_("Moscow Oblast"),
    "SPE": N_("Saint Petersburg"),
    "SPB": N_("Saint Petersburg"),
    "LEN": N_("Leningrad Oblast"),
    "NVS": N_("Novosibirsk Oblast"),
    "SVE": N_("Sverdlovsk Oblast"),
    "TA": N_("Tatarstan"),
    "NIZ": N_("Nizhny Novgorod Oblast"),
    "SAM": N_("Samara Oblast"),
    "ROS": N_("Rostov Oblast"),
    "KDA": N_("Krasnodar Krai"),
    "KYA": N_("Krasnoyarsk Krai"),
    "BA": N_("Bashkortostan"),
    "CHE": N_("Chelyabinsk Oblast"),
    "PER": N_("Perm Krai"),
    "VOR": N_("Voronezh Oblast"),
}


def region_name(lang: str, code: str) -> str:
    """The region's name in `lang` ("RU-SPE" and "spe" read as "SPE"); an unknown code as it is."""
    key = code.strip().upper().removeprefix("RU-")
    return say(lang, REGIONS[key]) if key in REGIONS else code


def region_names(lang: str, codes: tuple[str, ...] | list[str], *, with_codes: bool = False) -> str:
    """Several regions by name, comma-separated; `with_codes` adds each known one's code, for those who edit
    them ("Москва (MOW)")."""
    names = []
    for code in codes:
        name = region_name(lang, code)
        names.append(f"{name} ({code})" if with_codes and name != code else name)
    return ", ".join(names)


DAYS_RU = {"mon": "пн", "tue": "вт", "wed": "ср", "thu": "чт", "fri": "пт", "sat": "сб", "sun": "вс"}


def hours_words(lang: str, spec: str) -> str:
    """Weekly hours as `WeeklyHours.spec()` writes them ("mon-fri 09:00-18:00"), with Russian day names."""
    if lang != "ru":
        return spec
    spec = re.sub(r"\b(mon|tue|wed|thu|fri|sat|sun)\b", lambda m: DAYS_RU[m.group(1)], spec)
    return re.sub(r"\bdaily\b", "ежедневно", spec)


def zone_name(lang: str, zone: str, now: datetime) -> str:
    """A time zone as a reader knows it: its city (CLDR's, in `lang`) and its UTC offset at `now`; a zone this
    machine or CLDR does not know is said as configured."""
    try:
        offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
        city = get_timezone_location(zone, locale="ru" if lang == "ru" else "en", return_city=True)
    except (ValueError, LookupError):
        return zone
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"{city}, UTC{'+' if minutes >= 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def km_text(lang: str, km: float) -> str:
    """A distance in km with one decimal, in the reader's notation ("4,3" in Russian, "4.3" in English)."""
    return format_decimal(km, lang, "#,##0.0")
