"""`/profile` in the staff chat: an engineer's level, service regions, time zone and working hours."""

from __future__ import annotations

from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson
from dialogue.regions import hours_words, region_names, zone_name
from dialogue.texts import category_name
from dialogue.turn import Turn


def show(turn: Turn, person: StaffPerson) -> None:
    """Reply with the engineer's profile as routing sees it."""
    m, lang = person.member, turn.lang
    if not m.skills:
        turn.reply(say(lang, "Only engineers have a profile of hours and regions."))
        return
    turn.reply(
        say(
            lang,
            "{name}, L{level}\nSkills: {skills}\nRegions: {regions}\nTime zone: {tz}\nWorking hours: {hours}\n"
            "Now: {shift}. Outside your hours you get no offers (urgent P1 jobs only when nobody else can).",
            name=m.name,
            level=m.level,
            skills=", ".join(category_name(lang, skill) for skill in m.skills),
            regions=region_names(lang, m.regions, with_codes=True) or say(lang, "any"),
            tz=zone_name(lang, m.timezone, turn.now) if m.timezone else "-",
            hours=hours_words(lang, m.working_hours.spec())
            if m.working_hours
            else say(lang, "not set (any time on shift)"),
            shift=say(lang, N_("on shift") if m.on_shift else N_("off shift")),
        )
    )
