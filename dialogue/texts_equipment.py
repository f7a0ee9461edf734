"""What the bots say about equipment (issue #19), in Russian and English; merged into `dialogue.texts.TEXTS`."""

from __future__ import annotations

EQUIPMENT_TEXTS: dict[str, tuple[str, str]] = {
    "unit_scanned": (
        "Вы сообщаете о неисправности: {unit}\n{site}\n\nОпишите, что не так. Можно приложить фото.",
        "You are reporting a fault on: {unit}\n{site}\n\nTell me what is wrong. You may send a photo.",
    ),
    "unit_scanned_visitor": (
        "Вы сообщаете о неисправности: {unit}\n{site}\n\nЭто оборудование другой организации: мы передадим "
        "сообщение её сервисной службе. Опишите, что не так. Можно приложить фото.",
        "You are reporting a fault on: {unit}\n{site}\n\nThis equipment belongs to another organisation: we will "
        "pass your report to its service desk. Tell me what is wrong. You may send a photo.",
    ),
    "unit_unknown": (
        "Этот код оборудования не найден (или оборудование списано). Опишите проблему и где она, — я оформлю "
        "заявку.",
        "That equipment code is not known (or the unit is retired). Describe the problem and where it is, and I "
        "will open a request.",
    ),
    "unit_line": ("Оборудование: {unit}", "Equipment: {unit}"),
    "unit_warranty_in": ("на гарантии до {date}", "under warranty until {date}"),
    "unit_warranty_out": ("гарантия закончилась {date}", "warranty ended {date}"),
    "unit_repeat": (
        "⚠ Повторная неисправность: {ref} {days} дн. назад",
        "⚠ Repeat fault: {ref} {days} days ago",
    ),
    "unit_recent": ("Последние заявки: {refs}", "Last tickets: {refs}"),
    "unit_visitor_flag": (
        "Сообщил посетитель (не сотрудник клиента)",
        "Reported by a visitor (not the client's staff)",
    ),
    "parts_hint": (
        "Меняли детали? Добавьте строку «Заменено: фильтр x2, ремень» — они попадут в историю оборудования.",
        'Replaced parts? Add a line "Replaced: filter x2, belt": they go into the unit\'s history.',
    ),
    "parts_recorded": (
        "{ref}: в историю оборудования записано: {parts}.",
        "{ref}: recorded on the unit: {parts}.",
    ),
}
