from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.annotations import MarkupError, parse_markup, render_markup
from nlu.training_data import EntitySpan


def test_plain_entity() -> None:
    text, spans = parse_markup("the [printer](equipment) is broken")
    assert text == "the printer is broken"
    assert spans == [EntitySpan("equipment", "printer", 4, 11)]


def test_entity_with_value() -> None:
    text, spans = parse_markup("проблема с [котлом](equipment:котёл), [срочно](urgency:high)")
    assert text == "проблема с котлом, срочно"
    assert [(s.entity, s.value, text[s.start : s.end]) for s in spans] == [
        ("equipment", "котёл", "котлом"),
        ("urgency", "high", "срочно"),
    ]


def test_json_entity_with_role_and_group() -> None:
    text, spans = parse_markup('fly from [Berlin]{"entity": "city", "role": "departure", "group": "1"} now')
    assert text == "fly from Berlin now"
    assert spans == [EntitySpan("city", "Berlin", 9, 15, role="departure", group="1")]


def test_json_entity_list() -> None:
    text, spans = parse_markup('[NYC][{"entity": "city"}, {"entity": "place", "value": "New York"}]')
    assert text == "NYC"
    assert [(s.entity, s.value) for s in spans] == [("city", "NYC"), ("place", "New York")]


@pytest.mark.parametrize("bad", ['[x]{"role": "a"}', "[x]{entity: a}"])
def test_bad_json_annotation(bad: str) -> None:
    with pytest.raises(MarkupError):
        parse_markup(bad)


def test_brackets_without_annotation_stay_text() -> None:
    assert parse_markup("press [OK] to continue") == ("press [OK] to continue", [])


words = st.text(alphabet="abcxyz абв", min_size=1, max_size=8).filter(lambda s: s.strip() == s and s.strip())


@given(
    st.lists(
        st.tuples(words, st.sampled_from(["", "equipment", "urgency"]), st.booleans()), min_size=1, max_size=6
    )
)
def test_render_then_parse_round_trips(parts: list[tuple[str, str, bool]]) -> None:
    text, spans, pos = "", [], 0
    for word, entity, with_value in parts:
        if text:
            text += " "
            pos += 1
        if entity:
            value = "v" + word if with_value else word
            spans.append(EntitySpan(entity, value, pos, pos + len(word)))
        text += word
        pos += len(word)
    parsed_text, parsed_spans = parse_markup(render_markup(text, spans))
    assert parsed_text == text
    assert parsed_spans == spans
