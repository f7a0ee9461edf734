"""Routing reasons (`ticket_core.reasons.Reason`) in the reader's language, for offer cards and supervisors."""

from __future__ import annotations

import re

from dialogue.regions import km_text, region_name
from dialogue.texts import category_name, translate
from ticket_core.reasons import DETAIL_SEPARATOR, ENGLISH, Reason

RUSSIAN: dict[str, str] = {
    "skill": "навык: {category}",
    "distance": "{km} км до объекта",
    "load": "загрузка {load}/{limit}",
    "contract": "предпочтён по договору",
    "level_p1": "уровень L{level} для заявки P1",
    "level": "уровень L{level} (нужен L{required}+)",
    "region": "обслуживает регион {region}",
    "in_hours": "в рабочее время",
    "off_hours_p1": "вне рабочего времени: заявка P1, а в рабочее время свободных нет",
    "round_robin": "по очереди",
    "did_the_work": "выполнял(а) эту заявку до повторного открытия",
    "strategy": "способ: {strategy}",
    "chosen_by": "выбрал{name:fem} {name}",
    "none_free": "нет свободного инженера с этим навыком",
    "all_declined": "все подходящие инженеры отказались или не ответили",
    "skipped_level": "{n} ниже уровня L{level}",
    "skipped_region": "{n} вне региона {region}",
    "skipped_far": "{n} дальше {km:.0f} км",
    "skipped_hours": "{n} вне рабочего времени",
    "skipped_busy": "{n} на пределе заявок",
    "skipped_off_shift": "{n} не на смене",
    "with_detail": "{reason} ({detail})",
}
"""The Russian text of every reason code of `ticket_core.reasons.ENGLISH`."""

CATALOGUE = {code: (RUSSIAN[code], english) for code, english in ENGLISH.items()}

STRATEGIES = {
    "best-match": ("лучший кандидат", "best-match"),
    "round-robin": ("по очереди", "round-robin"),
    "broadcast": ("всем сразу", "broadcast"),
}


def say_reason(reason: str, lang: str) -> str:
    """One reason in `lang`; a plain text (one that came back from storage) is shown as it is."""
    if not isinstance(reason, Reason):
        return reason
    values = dict(reason.values)
    if reason.code == "skill":
        values["category"] = category_name(lang, str(values["category"]))
    elif reason.code == "distance" and lang == "ru":  # "0,8 км", not "0.8 км"
        values["km"] = km_text(lang, float(values["km"]))
    elif reason.code in ("region", "skipped_region"):
        values["region"] = region_name(lang, str(values["region"]))
    elif reason.code == "strategy":
        name = str(values["strategy"])
        values["strategy"] = translate(STRATEGIES, lang, name) if name in STRATEGIES else name
    elif reason.code == "with_detail":
        values["reason"] = say_reason(values["reason"], lang)
        values["detail"] = DETAIL_SEPARATOR.join(say_reason(part, lang) for part in values.get("parts", ()))
    return translate(CATALOGUE, lang, reason.code, **values)


def say_reasons(reasons: list[str], lang: str) -> str:
    """Several reasons in `lang`, comma-separated; "-" when there are none."""
    return ", ".join(say_reason(r, lang) for r in reasons) or "-"


def _pattern(english: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)(?::[^}]*)?\}", english)  # literal, name, literal, name, ...
    body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(body)


_STORED = [(code, _pattern(english)) for code, english in ENGLISH.items() if code != "with_detail"]
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _number(value: str) -> object:
    if not _NUMBER.fullmatch(value):
        return value
    return float(value) if "." in value else int(value)


def read_stored(text: str) -> Reason | str:
    """A reason as the event log stored it (its English text) read back into its code and values, so that
    it can be said in another language; a text no reason matches comes back as it is."""
    for code, pattern in _STORED:
        found = pattern.fullmatch(text)
        if found is not None:
            values = {k: _number(v) for k, v in found.groupdict().items()}
            try:
                return Reason(code, **values)
            except (ValueError, TypeError, KeyError):
                return text
    return text
