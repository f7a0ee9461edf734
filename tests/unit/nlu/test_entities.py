from __future__ import annotations

from nlu.entities import EntityExtractor
from nlu.training_data import EntitySpan, Example, TrainingData


def extractor() -> EntityExtractor:
    data = TrainingData(
        examples=[
            Example(
                "the ventilation unit hums",
                "report_problem",
                [EntitySpan("equipment", "ventilation unit", 4, 20)],
            ),
            Example("call 555-1234 now", "talk", [EntitySpan("phone", "555-1234", 5, 13)]),
        ],
        synonyms={"срочно": "high", "urgent": "high", "котел": "котёл", "ac": "air conditioner"},
        regexes=[("ticket_number", r"(?<![\w-])HD-\d{3,6}\b|#\d{3,6}\b")],
        lookups={
            "equipment": ["принтер", "котёл", "ac", "air conditioner"],
            "urgency": ["срочно", "urgent", "не срочно"],
        },
    )
    return EntityExtractor.from_training_data(data)


def found(text: str) -> list[tuple[str, str, str]]:
    return [(e.entity, e.value, text[e.start : e.end]) for e in extractor().extract(text)]


def test_regex_and_lookup() -> None:
    assert found("the AC is broken, HD-1234, urgent") == [
        ("equipment", "air conditioner", "AC"),
        ("ticket_number", "HD-1234", "HD-1234"),
        ("urgency", "high", "urgent"),
    ]


def test_inflected_russian_forms_match_the_lookup_entry() -> None:
    assert found("проблема с принтером, срочно") == [
        ("equipment", "принтер", "принтером"),
        ("urgency", "high", "срочно"),
    ]
    assert found("котла не видно") == [("equipment", "котёл", "котла")]


def test_longest_match_wins() -> None:
    assert found("это не срочно") == [("urgency", "не срочно", "не срочно")]
    assert found("the air conditioner") == [("equipment", "air conditioner", "air conditioner")]


def test_annotated_values_are_remembered_but_numbers_are_not() -> None:
    assert found("our ventilation unit is off") == [("equipment", "ventilation unit", "ventilation unit")]
    assert found("my number is 555-1234") == []


def test_nothing_found_in_unrelated_text() -> None:
    assert found("hello there") == []
    assert found("printing paper 1234") == []


def test_state_round_trip() -> None:
    ex = extractor()
    again = EntityExtractor.from_state(ex.to_state())
    text = "принтер сломался #5521 срочно"
    assert [e.to_dict() for e in again.extract(text)] == [e.to_dict() for e in ex.extract(text)]
