"""Entity extraction from regexes, lookup tables, synonyms and values seen in annotated examples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import Stemmer

from nlu.result import Entity
from nlu.training_data import TrainingData

TOKEN = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
VOWELS = frozenset("аеёиоуыэюяй")

REGEX_EXTRACTOR = "RegexEntityExtractor"
LOOKUP_EXTRACTOR = "LookupEntityExtractor"
ANNOTATION_EXTRACTOR = "AnnotatedValueExtractor"

# Longer matches win; at equal length a regex beats a lookup, a lookup beats a remembered annotation.
PRIORITY = {REGEX_EXTRACTOR: 0, LOOKUP_EXTRACTOR: 1, ANNOTATION_EXTRACTOR: 2}


class _Stems:
    """Snowball stems for Russian and English words, so 'принтера' matches the entry 'принтер'."""

    def __init__(self) -> None:
        self._ru = Stemmer.Stemmer("russian")
        self._en = Stemmer.Stemmer("english")

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        out = []
        for m in TOKEN.finditer(text.lower().replace("ё", "е")):
            word = m.group()
            if CYRILLIC.search(word):
                stem = self._ru.stemWord(word)
                # Fleeting vowels (котёл/котла, замок/замка) survive stemming; drop them on both sides.
                if len(stem) >= 4 and stem[-2] in "ео" and stem[-1] not in VOWELS:
                    stem = stem[:-2] + stem[-1]
            else:
                stem = self._en.stemWord(word)
            out.append((stem, m.start(), m.end()))
        return out


@dataclass(slots=True)
class _Phrase:
    entity: str
    value: str
    extractor: str
    role: str | None = None
    group: str | None = None


class EntityExtractor:
    """Finds entities with the training data's regexes, lookup tables and annotated values.

    Lookup entries and annotated values match word by word on stems, so inflected Russian forms are
    found; the entity value is the lookup entry (or the annotated value), then mapped through synonyms.
    """

    def __init__(
        self,
        regexes: list[tuple[str, str]],
        phrases: dict[tuple[str, ...], list[_Phrase]],
        synonyms: dict[str, str],
    ) -> None:
        self.regexes = regexes
        self._compiled = [(name, re.compile(p, re.IGNORECASE)) for name, p in regexes]
        self.phrases = phrases
        self.synonyms = synonyms
        self._stems = _Stems()
        self._max_len = max((len(k) for k in phrases), default=0)

    @classmethod
    def from_training_data(cls, data: TrainingData) -> EntityExtractor:
        """Build the extractor from regexes, lookups and annotated spans of the training data."""
        stems = _Stems()
        phrases: dict[tuple[str, ...], list[_Phrase]] = {}

        def add(surface: str, phrase: _Phrase) -> None:
            key = tuple(s for s, _, _ in stems.tokens(surface))
            if not key:
                return
            known = phrases.setdefault(key, [])
            if all((p.entity, p.role) != (phrase.entity, phrase.role) for p in known):
                known.append(phrase)

        for name, items in data.lookups.items():
            for item in items:
                add(item, _Phrase(name, item, LOOKUP_EXTRACTOR))
        for ex in data.examples:
            for span in ex.entities:
                surface = ex.text[span.start : span.end]
                if any(ch.isdigit() for ch in surface):
                    # Numbers, phones and addresses are instances, not vocabulary: regexes find those.
                    continue
                add(surface, _Phrase(span.entity, span.value, ANNOTATION_EXTRACTOR, span.role, span.group))
        # A synonym of a known value is another way to say it (ac -> air conditioner): find it too.
        known: dict[str, set[str]] = {}
        for entries in phrases.values():
            for entry in entries:
                known.setdefault(entry.value.lower(), set()).add(entry.entity)
        for surface, value in data.synonyms.items():
            for entity in sorted(known.get(value.lower(), ())):
                add(surface, _Phrase(entity, value, LOOKUP_EXTRACTOR))
        return cls(list(data.regexes), phrases, dict(data.synonyms))

    def _normalise(self, value: str) -> str:
        return self.synonyms.get(value.lower(), value)

    def extract(self, text: str) -> list[Entity]:
        """Return the entities in a text, non-overlapping, in text order."""
        found: list[Entity] = []
        for name, rx in self._compiled:
            for m in rx.finditer(text):
                if m.end() > m.start():
                    found.append(
                        Entity(
                            name, self._normalise(m.group().strip()), m.start(), m.end(), 1.0, REGEX_EXTRACTOR
                        )
                    )
        tokens = self._stems.tokens(text)
        for i in range(len(tokens)):
            for n in range(min(self._max_len, len(tokens) - i), 0, -1):
                key = tuple(t for t, _, _ in tokens[i : i + n])
                for phrase in self.phrases.get(key, []):
                    start, end = tokens[i][1], tokens[i + n - 1][2]
                    surface = text[start:end]
                    # A synonym for the exact surface form wins over the entry's own value.
                    value = self.synonyms.get(surface.lower()) or self._normalise(phrase.value)
                    found.append(
                        Entity(
                            phrase.entity, value, start, end, 1.0, phrase.extractor, phrase.role, phrase.group
                        )
                    )
        found.sort(key=lambda e: (-(e.end - e.start), PRIORITY.get(e.extractor, 9), e.start))
        chosen: list[Entity] = []
        for ent in found:
            if all(ent.end <= c.start or ent.start >= c.end for c in chosen):
                chosen.append(ent)
        return sorted(chosen, key=lambda e: e.start)

    def to_state(self) -> dict[str, Any]:
        """A JSON-ready state for the model folder."""
        return {
            "regexes": [list(r) for r in self.regexes],
            "phrases": [
                {
                    "tokens": list(k),
                    "entity": p.entity,
                    "value": p.value,
                    "extractor": p.extractor,
                    "role": p.role,
                    "group": p.group,
                }
                for k, ps in self.phrases.items()
                for p in ps
            ],
            "synonyms": self.synonyms,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> EntityExtractor:
        """Rebuild an extractor saved with `to_state`."""
        phrases: dict[tuple[str, ...], list[_Phrase]] = {}
        for p in state.get("phrases", []):
            phrases.setdefault(tuple(p["tokens"]), []).append(
                _Phrase(p["entity"], p["value"], p["extractor"], p.get("role"), p.get("group"))
            )
        return cls([(n, p) for n, p in state.get("regexes", [])], phrases, dict(state.get("synonyms", {})))
