"""Routing reasons: English in the audit log and the API, the reader's language in the chats."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime

from babel.messages.pofile import read_po

from dialogue.i18n import catalogue_path
from dialogue.reason_texts import say_reason, say_reasons
from ticket_core.enums import Priority
from ticket_core.events import NoEngineerAvailable, TicketOffered
from ticket_core.model import Actor
from ticket_core.reasons import ENGLISH, Reason, with_detail
from ticket_core.routing import JobFacts, Skip, explain_nobody, nobody_reasons

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_every_reason_has_a_russian_text() -> None:
    with catalogue_path("ru").open("rb") as po:
        russian = read_po(po, locale="ru")
    assert all(english in russian and russian[english].string for english in ENGLISH.values())


def test_a_reason_is_its_english_text_and_keeps_its_values() -> None:
    reason = Reason("distance", km=2.345)
    assert reason == "2.3 km from site" and isinstance(reason, str)
    assert (reason.code, reason.values) == ("distance", {"km": 2.345})
    again = copy.deepcopy(reason)
    assert isinstance(again, Reason) and again == reason and again.code == "distance"


def test_the_audit_payload_stays_plain_english() -> None:
    event = TicketOffered(
        ticket_id="t1",
        actor=Actor.system(),
        at=AT,
        engineer_id="e1",
        offer_id="o1",
        reasons=[Reason("skill", category="printers"), Reason("load", load=0, limit=3)],
    )
    payload = json.loads(json.dumps(dataclasses.asdict(event), default=str))
    assert payload["reasons"] == ["skill: printers", "load 0/3"]


def test_offer_reasons_in_russian_and_english() -> None:
    reasons = [
        Reason("skill", category="hvac"),
        Reason("distance", km=3.46),
        Reason("load", load=1, limit=3),
        Reason("strategy", strategy="round-robin"),
        Reason("chosen_by", name="Ольга Соколова"),
    ]
    assert say_reasons(reasons, "ru") == (
        "навык: Кондиционеры и вентиляция, 3,5 км до объекта, загрузка 1/3, способ: по очереди, "
        "выбрала Ольга Соколова"
    )
    assert say_reasons(reasons, "en") == (
        "skill: Air conditioning, 3.5 km from site, load 1/3, strategy round-robin, chosen by Olga Sokolova"
    )
    # The verb agrees with the person: "выбрал(а)" read as a form nobody filled in (a working day, #18).
    assert say_reason(Reason("chosen_by", name="Сергей Петров"), "ru") == "выбрал Сергей Петров"
    assert say_reasons([], "ru") == "-"
    assert say_reason("text from an old audit row", "ru") == "text from an old audit row"


def test_why_nobody_was_offered_a_job() -> None:
    job = JobFacts("hvac", Priority.P3, None, None, region="SPB", min_level=3)
    parts = nobody_reasons(job, {Skip.LEVEL: 2, Skip.OFF_SHIFT: 1, Skip.REGION: 4})
    assert explain_nobody(job, {Skip.LEVEL: 2, Skip.OFF_SHIFT: 1, Skip.REGION: 4}) == (
        "2 below the required level L3; 4 outside region SPB; 1 off shift"
    )
    reason = with_detail(Reason("all_declined"), parts)
    assert reason == (
        "every suitable engineer declined or did not answer "
        "(2 below the required level L3; 4 outside region SPB; 1 off shift)"
    )
    event = NoEngineerAvailable(ticket_id="t1", actor=Actor.system(), at=AT, reason=reason)
    assert say_reason(event.reason, "ru") == (
        "все подходящие инженеры отказались или не ответили (2 ниже уровня L3; 4 вне региона Санкт-Петербург; "
        "1 не на смене)"
    )
    # Regions by name, not their codes (#18: "обслуживает регион SPB" on an offer card); a company's own code
    # that is not known stays as it is.
    assert say_reason(Reason("region", region="SPB"), "ru") == "обслуживает регион Санкт-Петербург"
    assert say_reason(Reason("region", region="MOW"), "en") == "covers region Moscow"
    assert say_reason(Reason("region", region="NORTH-2"), "ru") == "обслуживает регион NORTH-2"
