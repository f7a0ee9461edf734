"""JSON Schema building blocks of the OpenAPI document: scalar types, objects, pages and lists."""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string"}


INT: dict[str, Any] = {"type": "integer"}


NUM: dict[str, Any] = {"type": "number"}


BOOL: dict[str, Any] = {"type": "boolean"}


TIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> dict[str, Any]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = False
) -> dict[str, Any]:
    """An object schema; `closed` refuses unknown fields (request bodies)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: str) -> dict[str, Any]:
    """The paginated envelope of a list of `item`."""
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "total": INT,
            "limit": INT,
            "offset": INT,
            "next_offset": nullable(INT),
        },
        ["items", "total", "limit", "offset", "next_offset"],
    )


def list_of(item: str) -> dict[str, Any]:
    """`{"items": [...]}`."""
    return obj({"items": {"type": "array", "items": ref(item)}}, ["items"])
