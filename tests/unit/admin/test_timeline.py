"""The ticket timeline in the admin (`helpdesk.admin.timeline`): events and details in the reader's words."""

from __future__ import annotations

from helpdesk.admin.i18n import Texts
from helpdesk.admin.timeline import entries, staff_ids

EVENTS = [
    {
        "name": "ticket_offered",
        "at": "2026-12-06T13:28:00+00:00",
        "actor": {"role": "system", "id": "system", "name": "system"},
        "data": {
            "ticket_id": "t1",
            "engineer_id": "e-kozlov",
            "offer_id": "0035",
            "reasons": ["skill: heating", "5.5 km from site"],
        },
    },
    {
        "name": "offer_declined",
        "at": "2026-12-06T13:29:00+00:00",
        "actor": {"role": "engineer", "id": "e-kozlov", "name": "Дмитрий Козлов"},
        "data": {"engineer_id": "e-kozlov", "reason": "far"},
    },
    {
        "name": "ticket_opened",
        "at": "2026-12-06T13:20:00+00:00",
        "actor": {"role": "client", "id": "c1", "name": "Ольга"},
        "data": {"number": 1002, "category": "heating", "priority": "P1"},
    },
    {
        "name": "ticket_returned_to_queue",
        "at": "2026-12-06T13:29:00+00:00",
        "actor": {"role": "system", "id": "system", "name": "system"},
        "data": {"reason": "offer declined"},
    },
    {"name": "brand_new_event", "at": None, "actor": {}, "data": {"odd_field": "x"}},
]
NAMES = {"e-kozlov": "Дмитрий Козлов"}


def test_the_timeline_reads_in_russian() -> None:
    # A working day (#18): a Russian supervisor read "offer_declined", "engineer_id: e-kozlov reason: far".
    offered, declined, opened, queued, new = entries(EVENTS, Texts("ru"), NAMES)
    assert queued.details == (("причина", "инженер отказался"),)
    assert offered.what == "Предложена инженеру"
    # No ids; routing's reasons, stored in English, read back and said in Russian.
    assert offered.details == (
        ("инженер", "Дмитрий Козлов"),
        ("почему", "навык: Отопление и котлы, 5,5 км до объекта"),
    )
    assert declined.what == "Инженер отказался" and declined.details[-1] == ("причина", "Далеко")
    assert opened.what == "Заявка открыта"
    assert opened.details == (("категория", "Отопление и котлы"), ("срочность", "P1 · Авария — всё стоит"))
    # What the table does not know yet is shown as stored, never dropped.
    assert new.what == "brand_new_event" and new.details == (("odd_field", "x"),)


def test_the_timeline_reads_in_english_and_names_its_staff() -> None:
    offered, declined, opened, queued, _new = entries(EVENTS, Texts("en"), NAMES)
    assert queued.details == (("reason", "the offer was declined"),)
    assert offered.details[-1] == ("why", "skill: Heating and boilers, 5.5 km from site")
    assert (offered.what, declined.what, opened.what) == (
        "Offered to an engineer",
        "Offer declined",
        "Ticket opened",
    )
    assert declined.details[-1] == ("reason", "Too far")
    assert staff_ids(EVENTS) == {"e-kozlov"}


def test_a_comments_visibility_reads_as_words() -> None:
    """The Russian ticket page read "видимость: public" / "видимость: internal" (#18 walk)."""
    comment = {
        "name": "comment_added",
        "at": "2026-12-06T13:30:00+00:00",
        "actor": {"role": "engineer", "id": "e-kozlov", "name": "Дмитрий Козлов"},
        "data": {"visibility": "internal"},
    }
    (ru,) = entries([comment], Texts("ru"), NAMES)
    assert ru.details == (("видимость", "только сотрудникам"),)
    (en,) = entries([{**comment, "data": {"visibility": "public"}}], Texts("en"), NAMES)
    assert en.details == (("visibility", "to the client"),)


def test_a_charged_job_reads_as_its_lines_and_total_not_a_dump() -> None:
    """The Russian and English ticket pages showed `job_charged` as Python dicts with line keys (#18 walk)."""
    charged = {
        "name": "job_charged",
        "at": "2026-12-02T01:04:00+00:00",
        "actor": {"role": "engineer", "id": "e-smirnov", "name": "Алексей Смирнов"},
        "data": {
            "ticket_id": "t1",
            "client_id": "acme",
            "currency": "RUB",
            "total": "4485.00",
            "lines": [
                {"key": "t1:0:hours:included", "coverage": "included", "quantity": "0.75", "amount": "0",
                 "text_ru": "Работа инженера L2, HD-1001", "text_en": "Engineer's work, L2, HD-1001"},
                {"key": "t1:0:part:0", "coverage": "billable", "quantity": "1", "amount": "4485.00",
                 "text_ru": "Картридж для принтера, HD-1001", "text_en": "Printer toner cartridge, HD-1001"},
            ],
        },
    }  # fmt: skip
    (ru,) = entries([charged], Texts("ru"), {})
    assert ru.what == "Работа выставлена к оплате"
    assert ru.details == (
        ("к оплате", "4\u00a0485 ₽"),
        ("строки", "Работа инженера L2 × 0,75 — по договору; Картридж для принтера × 1 — 4\u00a0485 ₽"),
    )
    (en,) = entries([charged], Texts("en"), {})
    assert en.details == (
        ("to pay", "4,485 ₽"),
        ("lines", "Engineer's work, L2 × 0.75 — included; Printer toner cartridge × 1 — 4,485 ₽"),
    )
