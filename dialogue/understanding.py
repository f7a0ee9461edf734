"""What the dialogue needs from NLU: the intent and the entity values of one message.

The NLU backend returns `nlu.ParseResult` (Rasa's `/model/parse` shape as dataclasses); this module reads it
through the protocols below, which name only what the dialogue uses, and never fails the turn when NLU is
missing or broken (the KB search still runs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

TICKET_REF = re.compile(r"(?:\bHD|\bНД)[-\s]?(\d{3,9})\b|#(\d{3,9})\b", re.IGNORECASE)
BARE_NUMBER = re.compile(r"^\s*(\d{3,9})\s*$")

EQUIPMENT_CATEGORY = {
    "printer": "printers",
    "принтер": "printers",
    "мфу": "printers",
    "copier": "printers",
    "scanner": "printers",
    "сканер": "printers",
    "картридж": "printers",
    "cartridge": "printers",
    "air conditioner": "hvac",
    "conditioner": "hvac",
    "кондиционер": "hvac",
    "ventilation": "hvac",
    "вентиляция": "hvac",
    "сплит": "hvac",
    "boiler": "heating",
    "котёл": "heating",
    "котел": "heating",
    "radiator": "heating",
    "батарея": "heating",
    "отопление": "heating",
    "heating": "heating",
    "lamp": "electrical",
    "light": "electrical",
    "лампа": "electrical",
    "свет": "electrical",
    "socket": "electrical",
    "розетка": "electrical",
    "освещение": "electrical",
    "светильник": "electrical",
    "щиток": "electrical",
    "электрощит": "electrical",
    "автомат": "electrical",
    "проводка": "electrical",
    "breaker": "electrical",
    "circuit breaker": "electrical",
    "wiring": "electrical",
    "копир": "printers",
    "toner": "printers",
    "радиатор": "heating",
    "бойлер": "heating",
    "heater": "heating",
    "монитор": "it",
    "monitor": "it",
    "computer": "it",
    "компьютер": "it",
    "laptop": "it",
    "ноутбук": "it",
    "wi-fi": "it",
    "wifi": "it",
    "router": "it",
    "роутер": "it",
    "vpn": "it",
    "email": "it",
    "почта": "it",
    "server": "it",
    "сервер": "it",
    "tap": "plumbing",
    "кран": "plumbing",
    "toilet": "plumbing",
    "унитаз": "plumbing",
    "pipe": "plumbing",
    "труба": "plumbing",
    "leak": "plumbing",
    "протечка": "plumbing",
}
URGENCY_PRIORITY = {"critical": "P1", "high": "P2", "medium": "P3", "normal": "P3", "low": "P4"}


class IntentGuess(Protocol):
    """The intent NLU found (nlu.IntentScore)."""

    @property
    def name(self) -> str: ...

    @property
    def confidence(self) -> float: ...


class EntityGuess(Protocol):
    """One entity value NLU found (nlu.Entity)."""

    @property
    def entity(self) -> str: ...

    @property
    def value(self) -> str: ...


class Parsed(Protocol):
    """What NLU found in one message (nlu.ParseResult)."""

    @property
    def intent(self) -> IntentGuess: ...

    @property
    def entities(self) -> Sequence[EntityGuess]: ...


class Parser(Protocol):
    """Anything with an async `parse(text)` (nlu.NluBackend)."""

    async def parse(self, text: str) -> Parsed: ...


@dataclass(slots=True)
class Understanding:
    """Intent, confidence and entity values (first value per entity)."""

    intent: str = "nlu_fallback"
    confidence: float = 0.0
    entities: dict[str, str] = field(default_factory=dict)

    def category(self) -> str | None:
        """A ticket category suggested by the equipment mentioned, if any."""
        equipment = self.entities.get("equipment", "").lower()
        return EQUIPMENT_CATEGORY.get(equipment)

    def priority(self) -> str | None:
        """A priority suggested by urgency words, if any."""
        return URGENCY_PRIORITY.get(self.entities.get("urgency", "").lower())


async def understand(parser: Parser | None, text: str, min_confidence: float = 0.5) -> Understanding:
    """Parse a message; an unavailable or failing NLU gives an empty understanding, never an error."""
    found = Understanding()
    if parser is not None:
        try:
            parsed = await parser.parse(text)
            if parsed.intent.confidence >= min_confidence:
                found.intent = parsed.intent.name or "nlu_fallback"
                found.confidence = float(parsed.intent.confidence)
            for entity in parsed.entities:
                found.entities.setdefault(entity.entity, str(entity.value))
        except Exception:  # NLU is an aid: the conversation goes on without it
            log.exception("NLU parse failed")
    number = ticket_number(text)
    if number is not None:
        found.entities.setdefault("ticket_number", str(number))
    return found


def ticket_number(text: str, *, allow_bare: bool = False) -> int | None:
    """The first ticket number in a text: HD-1001 or #1001, or (with `allow_bare`) a text that is just digits."""
    match = TICKET_REF.search(text or "") or (BARE_NUMBER.match(text or "") if allow_bare else None)
    if not match:
        return None
    digits = next(g for g in match.groups() if g)
    return int(digits)
