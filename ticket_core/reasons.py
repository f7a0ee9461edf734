"""Why routing chose an engineer, or could not: English text that also carries a code and its values.

A `Reason` is a `str` (the English text), so the audit log, the API and webhooks store and show it as before.
It also keeps `code` and `values`, so the chats can say the same thing in the reader's language
(`dialogue.reason_texts`). Text that went through storage comes back as a plain `str` and is shown as it is.
"""

from __future__ import annotations

from typing import Any

ENGLISH: dict[str, str] = {
    "skill": "skill: {category}",
    "distance": "{km:.1f} km from site",
    "load": "load {load}/{limit}",
    "contract": "preferred by contract",
    "level_p1": "level L{level} for a P1 job",
    "level": "level L{level} (L{required}+ required)",
    "region": "covers region {region}",
    "in_hours": "in working hours",
    "off_hours_p1": "off hours: P1 and nobody in working hours is free",
    "round_robin": "round-robin turn",
    "did_the_work": "did the work before the reopen",
    "strategy": "strategy {strategy}",
    "chosen_by": "chosen by {name}",
    "none_free": "no engineer with this skill is free",
    "all_declined": "every suitable engineer declined or did not answer",
    "skipped_level": "{n} below the required level L{level}",
    "skipped_region": "{n} outside region {region}",
    "skipped_far": "{n} more than {km:.0f} km away",
    "skipped_hours": "{n} outside working hours",
    "skipped_busy": "{n} at job limit",
    "skipped_off_shift": "{n} off shift",
    "with_detail": "{reason} ({detail})",  # made by `with_detail`
}
"""The English text of every reason code; `{...}` are its values."""

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
