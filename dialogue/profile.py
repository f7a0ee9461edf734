"""`/profile` in the staff chat: an engineer's level, service regions, time zone and working hours."""

from __future__ import annotations

from dialogue.identity import StaffPerson
from dialogue.regions import hours_words, region_names, zone_name
from dialogue.texts import category_name, translate
from dialogue.turn import Turn

TEXTS: dict[str, tuple[str, str]] = {
    "profile": (
        "{name}, L{level}\nНавыки: {skills}\nРегионы: {regions}\nЧасовой пояс: {tz}\nЧасы работы: {hours}\n"
        "Сейчас: {shift}. Вне часов работы заявки не предлагаются (срочные P1 — только если больше некому).",
        "{name}, L{level}\nSkills: {skills}\nRegions: {regions}\nTime zone: {tz}\nWorking hours: {hours}\n"
        "Now: {shift}. Outside your hours you get no offers (urgent P1 jobs only when nobody else can).",
    ),
    "any_region": ("любые", "any"),
    "any_time": ("не заданы (в любое время на смене)", "not set (any time on shift)"),
    "on_shift": ("на смене", "on shift"),
    "off_shift": ("не на смене", "off shift"),
    "not_engineer": (
        "Профиль с часами и регионами есть у инженеров.",
        "Only engineers have a profile of hours and regions.",
    ),
}


def tr(lang: str, key: str, **values: object) -> str:
    """A text of this module's catalogue."""
    return translate(TEXTS, lang, key, **values)


def show(turn: Turn, person: StaffPerson) -> None:
    """Reply with the engineer's profile as routing sees it."""
    m, lang = person.member, turn.lang
    if not m.skills:
        turn.reply(tr(lang, "not_engineer"))
        return
    turn.reply(
        tr(
            lang,
            "profile",
            name=m.name,
            level=m.level,
            skills=", ".join(category_name(lang, skill) for skill in m.skills),
            regions=region_names(lang, m.regions, with_codes=True) or tr(lang, "any_region"),
            tz=zone_name(lang, m.timezone, turn.now) if m.timezone else "-",
            hours=hours_words(lang, m.working_hours.spec()) if m.working_hours else tr(lang, "any_time"),
            shift=tr(lang, "on_shift" if m.on_shift else "off_shift"),
        )
    )
