"""Read and write Rasa 3 YAML training data (`nlu:` with intent, synonym, regex and lookup blocks)."""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nlu.annotations import MarkupError, parse_markup, render_markup
from nlu.training_data import Example, TrainingData, TrainingDataError

BLOCK_KINDS = ("intent", "synonym", "regex", "lookup")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: MappingNode) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            out[str(key.value)] = value
    return out


def _scalar(path: Path, node: Node, what: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise TrainingDataError(path, _line(node), f"{what} must be a non-empty text")
    return str(node.value).strip()


def _example_lines(path: Path, node: Node) -> list[tuple[str, int]]:
    """Example texts with their line numbers from `examples: |` or a list of `- text: ...` items."""
    if isinstance(node, ScalarNode):
        out: list[tuple[str, int]] = []
        # A literal block starts on the line after the `|`; a plain/quoted one on its own line.
        first = _line(node) + (1 if node.style in ("|", ">") else 0)
        for offset, raw in enumerate(str(node.value).splitlines()):
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("- "):
                if line == "-":
                    raise TrainingDataError(
                        path, first + offset, "empty example '-'; write a text after it or remove the line"
                    )
                raise TrainingDataError(
                    path, first + offset, f"example {line!r} must start with '- ' (a dash and a space)"
                )
            out.append((line[2:].strip(), first + offset))
        return out
    if isinstance(node, SequenceNode):
        out = []
        for item in node.value:
            if isinstance(item, MappingNode) and "text" in _mapping(item):
                out.append((_scalar(path, _mapping(item)["text"], "'text'"), _line(item)))
            elif isinstance(item, ScalarNode):
                out.append((str(item.value).strip(), _line(item)))
            else:
                raise TrainingDataError(
                    path, _line(item), "each example must be a text or a mapping with 'text'"
                )
        return out
    raise TrainingDataError(path, _line(node), "'examples' must be a block of '- ' lines (examples: |)")


def _read_block(path: Path, node: Node, data: TrainingData) -> None:
    if not isinstance(node, MappingNode):
        raise TrainingDataError(
            path,
            _line(node),
            "each item under 'nlu:' must be a mapping like '- intent: greet' with 'examples: |'",
        )
    fields = _mapping(node)
    kinds = [k for k in BLOCK_KINDS if k in fields]
    if len(kinds) != 1:
        found = ", ".join(sorted(fields)) or "nothing"
        raise TrainingDataError(
            path,
            _line(node),
            f"expected exactly one of {', '.join(BLOCK_KINDS)} in this item, found {found}",
        )
    kind = kinds[0]
    name = _scalar(path, fields[kind], f"the {kind} name")
    if "examples" not in fields:
        raise TrainingDataError(path, _line(node), f"{kind} {name!r} has no 'examples'")
    lines = _example_lines(path, fields["examples"])
    if kind == "intent":
        for text, line in lines:
            try:
                plain, spans = parse_markup(text)
            except MarkupError as exc:
                raise TrainingDataError(path, line, str(exc)) from None
            if not plain.strip():
                raise TrainingDataError(path, line, "example text is empty")
            data.examples.append(Example(plain, name, spans))
    elif kind == "synonym":
        for text, _ in lines:
            data.synonyms[text.lower()] = name
    elif kind == "regex":
        import re

        for text, line in lines:
            try:
                re.compile(text)
            except re.error as exc:
                raise TrainingDataError(
                    path, line, f"regex {name!r}: invalid pattern {text!r} ({exc})"
                ) from None
            data.regexes.append((name, text))
    else:
        data.lookups.setdefault(name, []).extend(t for t, _ in lines)


def read_yaml(path: Path, *, require_nlu: bool = True) -> TrainingData:
    """Read one Rasa YAML file.

    Args:
        path: the file.
        require_nlu: when False a file with no `nlu:` key (domain, stories, config) gives empty data.

    Raises:
        TrainingDataError: the file is not valid YAML or not Rasa NLU data.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TrainingDataError(
            path, None, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"
        ) from None
    try:
        root = yaml.compose(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TrainingDataError(path, line, f"invalid YAML: {exc.problem or exc.context}") from None
    data = TrainingData()
    if root is None or not isinstance(root, MappingNode) or "nlu" not in _mapping(root):
        if require_nlu:
            raise TrainingDataError(
                path, 1, "no 'nlu:' section; a Rasa NLU file starts with 'nlu:' and a list of intents"
            )
        return data
    nlu = _mapping(root)["nlu"]
    if isinstance(nlu, ScalarNode) and nlu.value in ("", "null", "~"):
        return data
    if not isinstance(nlu, SequenceNode):
        raise TrainingDataError(path, _line(nlu), "'nlu:' must be a list of items ('- intent: ...')")
    for block in nlu.value:
        _read_block(path, block, data)
    return data


def _block(kind: str, name: str, lines: list[str]) -> str:
    body = "".join(f"    - {line}\n" for line in lines)
    return f"- {kind}: {_quote(name)}\n  examples: |\n{body}"


def _quote(name: str) -> str:
    # yaml.safe_dump quotes names that YAML would read as something else (e.g. "yes", "1").
    dumped = yaml.safe_dump(name, allow_unicode=True, default_flow_style=True).strip()
    return dumped.removesuffix("\n...").removesuffix("...").strip()


def to_yaml(data: TrainingData) -> str:
    """Write training data as a Rasa 3.1 YAML document."""
    parts = ['version: "3.1"\nnlu:\n']
    by_intent: dict[str, list[str]] = {}
    for ex in data.examples:
        # Newlines would break the block scalar; Rasa examples are one line each.
        text = " ".join(ex.text.split())
        by_intent.setdefault(ex.intent, []).append(render_markup(text, ex.entities) if ex.entities else text)
    for intent, lines in by_intent.items():
        parts.append(_block("intent", intent, lines))
    canon: dict[str, list[str]] = {}
    for surface, value in data.synonyms.items():
        canon.setdefault(value, []).append(surface)
    for value, surfaces in canon.items():
        parts.append(_block("synonym", value, surfaces))
    for name, pattern in data.regexes:
        parts.append(_block("regex", name, [pattern]))
    for name, items in data.lookups.items():
        parts.append(_block("lookup", name, items))
    return "".join(parts)
