"""Rasa's inline entity markup: `[text](entity)`, `[text](entity:value)`, `[text]{"entity": ...}`."""

from __future__ import annotations

import json
import re

from nlu.training_data import EntitySpan

# The same grammar Rasa 3 uses (rasa.shared.nlu.training_data.entities_parser.ENTITY_REGEX).
ENTITY_MARKUP = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)"
    r"|\{(?P<dict>[^}]+?)\}"
    r"|\[(?P<dicts>.*?)\])"
)


class MarkupError(ValueError):
    """Entity markup that cannot be read (the caller adds file and line)."""


def _from_json(raw: str) -> list[dict[str, object]]:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MarkupError(
            f"entity annotation {raw!r} is not valid JSON ({exc.msg}); write it as "
            '{"entity": "name", "value": "...", "role": "..."}'
        ) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str) or not item["entity"]:
            raise MarkupError(f'entity annotation {raw!r} needs an "entity" name')
    return items


def parse_markup(marked: str) -> tuple[str, list[EntitySpan]]:
    """Strip entity markup from a training example; return the plain text and the entity spans.

    Raises:
        MarkupError: a JSON annotation is malformed or has no entity name.
    """
    plain: list[str] = []
    spans: list[EntitySpan] = []
    pos = 0
    length = 0
    for match in ENTITY_MARKUP.finditer(marked):
        before = marked[pos : match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        start, end = length, length + len(surface)
        plain.append(surface)
        length = end
        pos = match.end()
        if match.group("entity") is not None:
            value = match.group("value")
            spans.append(EntitySpan(match.group("entity").strip(), (value or surface).strip(), start, end))
            continue
        raw = match.group("dict")
        items = (
            _from_json("{" + raw + "}") if raw is not None else _from_json("[" + match.group("dicts") + "]")
        )
        for item in items:
            role, group = item.get("role"), item.get("group")
            spans.append(
                EntitySpan(
                    str(item["entity"]),
                    str(item.get("value", surface)),
                    start,
                    end,
                    role=None if role is None else str(role),
                    group=None if group is None else str(group),
                )
            )
    plain.append(marked[pos:])
    return "".join(plain), spans


def render_markup(text: str, spans: list[EntitySpan]) -> str:
    """Write a plain text with its entity spans back as Rasa markup (inverse of `parse_markup`)."""
    out: list[str] = []
    pos = 0
    # Overlapping spans cannot be written inline; keep the first of each overlap.
    by_start: dict[tuple[int, int], list[EntitySpan]] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        by_start.setdefault((span.start, span.end), []).append(span)
    for (start, end), group in sorted(by_start.items()):
        if start < pos or end > len(text) or start >= end:
            continue
        surface = text[start:end]
        out.append(text[pos:start])
        if len(group) == 1 and group[0].role is None and group[0].group is None:
            span = group[0]
            suffix = "" if span.value == surface else f":{span.value}"
            out.append(f"[{surface}]({span.entity}{suffix})")
        else:
            dicts = []
            for span in group:
                d: dict[str, str] = {"entity": span.entity}
                if span.value != surface:
                    d["value"] = span.value
                if span.role is not None:
                    d["role"] = span.role
                if span.group is not None:
                    d["group"] = span.group
                dicts.append(json.dumps(d, ensure_ascii=False))
            out.append(f"[{surface}]{dicts[0]}" if len(dicts) == 1 else f"[{surface}][{', '.join(dicts)}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
