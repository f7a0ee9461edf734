"""Training data in memory: examples with entity spans, synonyms, regexes and lookup tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


class TrainingDataError(ValueError):
    """A training file that cannot be read; the message names the file, the line and the problem."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(slots=True)
class EntitySpan:
    """An annotated entity: `text[start:end]` is the surface form, `value` the normalised value."""

    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(slots=True)
class Example:
    """One training message with its intent and annotated entities (markup already removed)."""

    text: str
    intent: str
    entities: list[EntitySpan] = field(default_factory=list)


@dataclass(slots=True)
class TrainingData:
    """Everything a Rasa NLU file can hold that the embedded backend uses."""

    examples: list[Example] = field(default_factory=list)
    # surface form (lower case) -> canonical value
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: list[tuple[str, str]] = field(default_factory=list)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: TrainingData) -> None:
        """Add another file's content to this one (examples appended, tables united)."""
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        self.regexes.extend(r for r in other.regexes if r not in self.regexes)
        for name, items in other.lookups.items():
            known = self.lookups.setdefault(name, [])
            known.extend(i for i in items if i not in known)

    @property
    def intents(self) -> list[str]:
        """Intent names in sorted order."""
        return sorted({e.intent for e in self.examples})

    def intent_counts(self) -> Counter[str]:
        """How many examples each intent has."""
        return Counter(e.intent for e in self.examples)

    @property
    def entity_names(self) -> list[str]:
        """Entity names used anywhere (annotations, regexes, lookups), sorted."""
        names = {s.entity for e in self.examples for s in e.entities}
        names.update(n for n, _ in self.regexes)
        names.update(self.lookups)
        return sorted(names)
