"""`helpdesk bench fuzz`: malformed requests for the REST API (every endpoint of /api/openapi.json) and the
web admin login form."""

from __future__ import annotations

import random
import re
from typing import Any

from benchmarks.fuzz_pieces import (
    CONTENT_TYPES,
    EVIL_STRINGS,
    PATH_EVIL,
    QUERY_EVIL,
    Known,
    Probe,
    body_probe,
    pct,
)


def sample(
    schema: dict[str, Any], schemas: dict[str, Any], name: str, known: Known, rng: random.Random
) -> Any:
    """A well-formed value for a schema (request bodies), with ids that exist."""
    if "$ref" in schema:
        return sample(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, name, known, rng)
    if "anyOf" in schema:
        return sample(schema["anyOf"][0], schemas, name, known, rng)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return {
            key: sample(sub, schemas, key, known, rng)
            for key, sub in props.items()
            if key in required or rng.random() < 0.6
        }
    if kind == "array":
        return [sample(schema.get("items", {}), schemas, name, known, rng)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 10.5
    if kind == "boolean":
        return True
    special = {
        "client_id": rng.choice(known.clients),
        "url": "http://127.0.0.1:9/fuzz-hook",
        "secret": "fuzz-secret-0123456789",
        "category": rng.choice(("it", "printers", "hvac", "plumbing")),
        "audience": rng.choice(("public", "internal", "client:acme")),
        "lang": rng.choice(("ru", "en")),
        "id": f"fuzz-{rng.randrange(10**6)}",
    }
    return special.get(name, f"fuzz {name}")


def api_probe(rng: random.Random, known: Known, endpoint: tuple[str, str, dict[str, Any]]) -> Probe:
    method, template, op = endpoint
    notes: list[str] = []
    path = template
    for param in re.findall(r"\{(\w+)\}", template):
        good = {
            "number": known.numbers,
            "article_id": known.articles or ["none"],
            "client_id": known.clients,
            "subscription_id": known.webhooks or ["none"],
        }.get(param, ["x"])
        value = rng.choice(good) if rng.random() < 0.6 else rng.choice(PATH_EVIL)
        if value not in good:
            notes.append(f"path:{param}")
        path = path.replace("{" + param + "}", value if "%" in value else pct(value))
    query: list[str] = []
    for param in op.get("parameters", []):
        if param["in"] != "query" or rng.random() < 0.4:
            continue
        schema = param.get("schema", {})
        if rng.random() < 0.5:
            value = pct(str(rng.choice(schema["enum"]) if "enum" in schema else schema.get("default", "1")))
        else:
            value = rng.choice(QUERY_EVIL)
            notes.append(f"query:{param['name']}")
        query.append(f"{param['name']}={value}")
    if rng.random() < 0.1:
        query.append(f"{rng.choice(('zz', '%00', 'limit', 'status'))}={rng.choice(QUERY_EVIL)}")
        notes.append("query:extra")
    if query:
        path += "?" + "&".join(query)
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.93:
        headers.append(("Authorization", f"Bearer {known.token}"))
    else:
        bad = rng.choice(
            ("", "Bearer", "Bearer hd_x", "Basic YTpi", "Bearer hd_" + "a" * 300, "bearer  " + known.token)
        )
        notes.append("auth")
        if bad:
            headers.append(("Authorization", bad))
    target = f"api:{method} {template}"
    body_ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body_ref is None:
        if method in ("POST", "PATCH", "DELETE") and rng.random() < 0.3:
            probe = body_probe(rng, target, method, path, {"zz": "\x00"}, headers)
            return Probe(
                target, method, path, probe.body, probe.headers, ",".join([*notes, probe.kind]), probe.chunked
            )
        return Probe(target, method, path, None, tuple(headers), ",".join(notes))
    template_body = sample(body_ref, known.schemas, "", known, rng)
    probe = body_probe(rng, target, method, path, template_body, headers)
    return Probe(
        target, method, path, probe.body, probe.headers, ",".join([*notes, probe.kind]), probe.chunked
    )


def form(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{pct(k)}={pct(v)}" for k, v in fields).encode("ascii")


def admin_probe(rng: random.Random, known: Known) -> Probe:
    if rng.random() < 0.12:
        page = rng.choice(("/admin/login", "/admin/tickets", "/admin/kb", "/admin/"))
        return Probe(
            "admin:get",
            "GET",
            f"{page}?next={rng.choice(QUERY_EVIL)}&q={rng.choice(QUERY_EVIL)}",
            kind="query",
        )
    fields = [
        ("login", "admin"),
        ("password", "wrong-password"),
        ("csrf", known.login_csrf),
        ("next", "/admin/"),
    ]
    notes: list[str] = []
    for _ in range(rng.choice((1, 1, 2))):
        at = rng.randrange(len(fields))
        action = rng.choice(("value", "value", "drop", "extra", "huge"))
        notes.append(f"{action}:{fields[at][0]}")
        if action == "value":
            fields[at] = (fields[at][0], rng.choice(EVIL_STRINGS))
        elif action == "drop":
            fields.pop(at)
            if not fields:
                fields.append(("x", "y"))
        elif action == "extra":
            fields.append((rng.choice(("csrf", "zz", "\x00", "login")), rng.choice(EVIL_STRINGS)))
        else:
            fields[at] = (fields[at][0], "A" * rng.choice((70_000, 2_000_000)))
    body = form(fields)
    content_type: str | None = "application/x-www-form-urlencoded"
    roll = rng.random()
    if roll < 0.15:
        # Escapes of bytes that are not UTF-8, and such bytes as they are.
        bad = rng.choice((b"adm%FF%FEin", b"adm\xff\xfein", b"%ED%A0%80", b"\xed\xa0\x80"))
        body = body.replace(b"admin", bad)
        notes.append("bad-utf8")
    elif roll < 0.3:
        content_type = rng.choice(CONTENT_TYPES)
        notes.append(f"ct={content_type}")
    elif roll < 0.42:
        boundary = "fuzzbound"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\nContent-Type: text/plain; charset='
            f"{rng.choice(('utf-8', 'xx-unknown', 'rot13'))}\r\n\r\n".encode()
            + v.encode("utf-8", "surrogatepass")
            + b"\r\n"
            for k, v in fields
        ]
        body = b"".join(parts) + (f"--{boundary}--\r\n".encode() if rng.random() < 0.7 else b"")
        content_type = rng.choice(
            (
                f"multipart/form-data; boundary={boundary}",
                "multipart/form-data",
                "multipart/form-data; boundary=",
            )
        )
        notes.append("multipart")
    elif roll < 0.5:
        body = rng.choice(
            (b"", rng.randbytes(300), b"login=%00&password=%00", b"=&=&&==", b"%", b"login=%G0")
        )
        notes.append("raw")
    headers = [("Content-Type", content_type)] if content_type else []
    return Probe(
        "admin:login", "POST", "/admin/login", body, tuple(headers), ",".join(notes), rng.random() < 0.03
    )
