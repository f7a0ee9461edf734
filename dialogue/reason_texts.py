"""Routing reasons (`ticket_core.reasons.Reason`) in the reader's language, for offer cards and supervisors.

The English of every reason is `ticket_core.reasons.ENGLISH`, marked for the chats' catalogue, which has its Russian.
"""

from __future__ import annotations

import re

from dialogue.i18n import N_, say
from dialogue.regions import km_text, region_name
from dialogue.texts import category_name
from ticket_core.reasons import DETAIL_SEPARATOR, ENGLISH, REOPEN_RETURN, Reason

STRATEGIES: dict[str, str] = {
    "best-match": N_("best-match"),
    "round-robin": N_("round-robin"),
    "broadcast": N_("broadcast"),
    REOPEN_RETURN: N_("back to the engineer who did the work"),
}
"""Routing strategies by their setting's name, as a reason says them."""


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
        values["strategy"] = say(lang, STRATEGIES[name]) if name in STRATEGIES else name
    elif reason.code == "with_detail":
        values["reason"] = say_reason(values["reason"], lang)
        values["detail"] = DETAIL_SEPARATOR.join(say_reason(part, lang) for part in values.get("parts", ()))
    return say(lang, ENGLISH[reason.code], **values)


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
