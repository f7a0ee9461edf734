"""What a unit's past says about a new ticket on it: the last tickets, a repeat fault, parts from a note."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from ticket_core.equipment.model import UnitTicket

REPEAT_WINDOW = timedelta(days=30)
"""A fault on a unit that had another ticket opened this recently is a repeat fault."""

MAX_PARTS = 20
MAX_PART_NAME = 200
_PARTS_LINE = re.compile(
    r"^\s*(заменено|заменил[аи]?|замена|детали|запчасти|replaced|parts)\s*:\s*(.+)$", re.I
)
_QUANTITY = re.compile(r"^(.+?)\s*(?:[x×х*]\s*(\d{1,4})|\((\d{1,4})\s*(?:шт\.?|pcs)?\))\s*$", re.I)


def last_tickets(history: Sequence[UnitTicket], ticket_id: str, n: int = 3) -> list[UnitTicket]:
    """The unit's `n` newest tickets other than this one (the history is newest first)."""
    return [h for h in history if h.ticket_id != ticket_id][:n]


def repeat_of(
    history: Sequence[UnitTicket], ticket_id: str, opened_at: datetime, window: timedelta = REPEAT_WINDOW
) -> UnitTicket | None:
    """The latest other ticket on the unit opened within `window` before this one, if there is one."""
    mine = next((h.number for h in history if h.ticket_id == ticket_id), None)
    earlier = [
        h
        for h in history
        if h.ticket_id != ticket_id
        and timedelta(0) <= opened_at - h.created_at <= window
        # Two tickets opened in the same instant: only the one numbered first is the older.
        and not (h.created_at == opened_at and mine is not None and h.number > mine)
    ]
    return max(earlier, key=lambda h: h.created_at) if earlier else None


def parse_parts(note: str) -> list[tuple[str, int]]:
    """Parts replaced, from the lines of a done note that start with "Заменено:" or "Replaced:".

    Items are separated by commas or semicolons; "фильтр x2", "belt ×2" or "фильтр (2 шт)" give a quantity.
    E.g. "Заменено: фильтр x2, ремень" -> [("фильтр", 2), ("ремень", 1)].
    """
    parts: list[tuple[str, int]] = []
    for line in note.splitlines():
        match = _PARTS_LINE.match(line)
        if match is None:
            continue
        for item in re.split(r"[;,]", match.group(2)):
            item = item.strip(" .")
            if not item:
                continue
            quantity = 1
            counted = _QUANTITY.match(item)
            if counted is not None:
                item, quantity = counted.group(1).strip(), int(counted.group(2) or counted.group(3))
            if item and quantity > 0 and len(parts) < MAX_PARTS:
                parts.append((item[:MAX_PART_NAME], quantity))
    return parts
