"""Per-category checklists an engineer ticks before Done, and the categories whose jobs need a photo."""

from __future__ import annotations

from collections.abc import Mapping

Item = tuple[str, str]  # (ru, en)

DEFAULT_CHECKLISTS: dict[str, tuple[Item, ...]] = {
    "hvac": (
        ("Очистить фильтры", "Clean the filters"),
        ("Проверить дренаж", "Check the drain"),
        ("Замерить температуру на выходе", "Measure the outlet temperature"),
    ),
    "heating": (
        ("Проверить давление в системе", "Check the system pressure"),
        ("Проверить розжиг и пламя", "Check ignition and flame"),
    ),
    "electrical": (
        ("Обесточить линию перед работой", "Isolate the circuit before work"),
        ("Проверить линию после работы", "Test the circuit after work"),
    ),
    "printers": (
        ("Очистить тракт подачи бумаги", "Clean the paper path"),
        ("Распечатать тестовую страницу", "Print a test page"),
    ),
}
PHOTO_REQUIRED: frozenset[str] = frozenset({"hvac", "electrical", "plumbing"})


class Checklists:
    """Which checklist and photo rules apply to a category."""

    def __init__(
        self,
        lists: Mapping[str, tuple[Item, ...]] | None = None,
        photo_required: frozenset[str] | None = None,
    ) -> None:
        self.lists = dict(DEFAULT_CHECKLISTS if lists is None else lists)
        self.photo_required = PHOTO_REQUIRED if photo_required is None else photo_required

    def pairs(self, category: str) -> tuple[Item, ...]:
        """The checklist of a category in both languages, (Russian, English) per item."""
        return tuple(self.lists.get(category, ()))

    def items(self, category: str, lang: str) -> list[str]:
        """The checklist of a category in a language (empty when it has none)."""
        return [ru if lang == "ru" else en for ru, en in self.lists.get(category, ())]

    def needs_photo(self, category: str) -> bool:
        """Whether Done needs a photo of the work for this category."""
        return category in self.photo_required
