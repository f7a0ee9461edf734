"""Why routing chose an engineer, or could not: English text that also carries a code and its values.

A `Reason` is a `str` (the English text), so the audit log, the API and webhooks store and show it as before.
It also keeps `code` and `values`, so the chats can say the same thing in the reader's language
(`dialogue.reason_texts`). Text that went through storage comes back as a plain `str` and is shown as it is.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a text for the chats' catalogue (`dialogue/locale`), which has its Russian."""
    return message


ENGLISH: dict[str, str] = {
    "skill": N_("skill: {category}"),
    "distance": N_("{km:.1f} km from site"),
    "load": N_("load {load}/{limit}"),
    "contract": N_("preferred by contract"),
    "level_p1": N_("level L{level} for a P1 job"),
    "level": N_("level L{level} (L{required}+ required)"),
    "region": N_("covers region {region}"),
    "in_hours": N_("in working hours"),
    "off_hours_p1": N_("off hours: P1 and nobody in working hours is free"),
    "round_robin": N_("round-robin turn"),
    "did_the_work": N_("did the work before the reopen"),
    "strategy": N_("strategy {strategy}"),
    "chosen_by": N_("chosen by {name}"),
    "none_free": N_("no engineer with this skill is free"),
    "all_declined": N_("every suitable engineer declined or did not answer"),
    "skipped_level": N_("{n} below the required level L{level}"),
    "skipped_region": N_("{n} outside region {region}"),
    "skipped_far": N_("{n} more than {km:.0f} km away"),
    "skipped_hours": N_("{n} outside working hours"),
    "skipped_busy": N_("{n} at job limit"),
    "skipped_off_shift": N_("{n} off shift"),
    "with_detail": N_("{reason} ({detail})"),  # made by `with_detail`
}
"""The English text of every reason code; `{...}` are its values."""

REOPEN_RETURN = "back-to-engineer"
"""The method ("strategy {strategy}") of an offer that went back to the engineer who did the work before a
reopen: no routing strategy chose them, so the offer must not name one (it is not a `Strategy` either: no
setting can pick it)."""

DETAIL_SEPARATOR = "; "
"""Between the reasons of a detail, and of `routing.explain_nobody`."""


class Reason(str):
    """An English reason (a `str`) with the code and values it was made from."""

    code: str
    values: dict[str, Any]

    def __new__(cls, code: str, **values: Any) -> Reason:
        """Make the reason `code` (a key of ENGLISH) with its values.

        Raises:
            KeyError: the code is unknown.
        """
        text = super().__new__(cls, ENGLISH[code].format(**values))
        text.code = code
        text.values = values
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and deepcopy (dataclasses.asdict uses deepcopy) rebuild it from its code and values.
        return (_rebuild, (self.code, self.values))


def _rebuild(code: str, values: dict[str, Any]) -> Reason:
    return Reason(code, **values)


def with_detail(reason: Reason, parts: list[Reason]) -> Reason:
    """`reason`, followed by the reasons that explain it in brackets ("…declined (2 off shift; 1 at job limit)").

    The parts stay in the values, so that a chat can say each in its own language.
    """
    return Reason("with_detail", reason=reason, detail=DETAIL_SEPARATOR.join(parts), parts=parts)
