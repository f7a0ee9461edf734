"""`helpdesk bench fuzz`: generated malformed requests against every way into the app; none may be a 500.

The app runs in this process (in a thread with its own event loop, so a handler that blocks shows up as
a timeout) on a fresh database with the demo company, with both Telegram bots in webhook mode, WhatsApp,
the web chat, the REST API and the web admin. Nothing is delivered: the platform APIs point at a closed
local port and no worker runs, because only the answers to the requests are measured.

Each request is generated from its own seeded random generator (`--seed` and its index), so a run can be
repeated and a failing request found again with `--verbose`. The targets take turns: the Telegram client
and staff webhooks (with the right secret), the WhatsApp webhook (signed with the app secret) and its
verification, every REST endpoint listed by /api/openapi.json (with a token holding every scope), the admin
login form and the web chat endpoints. A request starts from a well-formed one and is broken: nested
deeper than any limit, made huge or very wide, given NUL and other control characters, lone surrogates,
odd or unknown charsets, wrong JSON types, unknown fields, numbers beyond 64 bits or NaN, invalid UTF-8,
an empty body, random bytes, a truncated body, a chunked body.

It prints `{"requests": N, "server_errors": E, "crashes": C}`: `server_errors` counts answers >= 500;
`crashes` counts requests that got no answer (connection errors, timeouts, the server gone) and exceptions
the app logged while handling them (an unhandled error behind an answer that still looked fine).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import random
import re
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import click
from aiohttp.http_exceptions import BadHttpMessage
from yarl import URL

from helpdesk.cli.bench import bench

TG_CLIENT_TOKEN = "700001:fuzz-client-token-abcdefghijklmnopqrstuvwxyz"
TG_STAFF_TOKEN = "700002:fuzz-staff-token-abcdefghijklmnopqrstuvwxyz"
TG_SECRET = "fuzz-webhook-secret"
WA_PHONE_ID = "1098765432"
WA_SECRET = "fuzz-app-secret"
WA_VERIFY = "fuzz-verify-token"
SECRET_KEY = "fuzz-" + "k" * 40
REQUEST_TIMEOUT_S = 60.0
SENT_AT = 1_767_225_600  # 2026-01-01: a fixed date keeps the requests the same from run to run
EARLY_CLOSE_BYTES = 512 * 1024
"""A body this large may be refused before it is read, and the server may then close the connection while
the client is still sending (RFC 9112 allows it): a reset then is an answer, not a crash."""

# --- the malformed pieces ------------------------------------------------------------------------------

EVIL_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 40,
    "\x01\x02\x08\x0b\x0c\x0e\x1b[31mred\x7f",
    "\r\n\r\n",
    "\u0085\u2028\u2029",
    "\ud800",
    "x\udfffy\ud83d",
    "\ufeff\ufffe\uffff",
    "😀" * 20,
    "١٠٠١",
    "²³",
    "HD-\x001001",
    "%00",
    "../../../etc/passwd",
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "\\",
    '"',
    "null",
    "1e999",
    "NaN",
    "-0",
    " 1001 ",
    "HD-1001",
    "HD-99999999999999999999",
    "#1001",
    "/start",
    "/status HD-1001",
    "/status HD-\x001002",
    "/cancel HD-1001",
    "/comment HD-1001 \x00",
    "/new",
    "/kb \x00",
    "/report 30\x00",
    "/lang \ud800",
    "a" * 5000,
    "Ж" * 4097,
)
EVIL_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.0,
    1e308,
    [],
    {},
    [None],
    {"": None},
    [[[]]],
    {"a": {"b": {"c": []}}},
)
RAW_FRAGMENTS: tuple[str, ...] = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1" * 30,
    "9" * 5000,
    "-" + "2" * 4301,
    '"\\ud800"',
    '"\\u0000"',
    '"a\\u0000b\\u001f"',
    '"\\udc00\\ud800"',
    "1.0e+400",
    "0." + "0" * 400 + "1",
    "18446744073709551616",
)
CONTENT_TYPES: tuple[str | None, ...] = (
    "application/json; charset=xx-unknown",
    "application/json; charset=rot13",
    "application/json; charset=base64",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "application/json; charset=",
    'application/json; charset="utf-8"',
    "application/json; charset=utf-8; charset=koi8-r",
    "application/json;;;",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=fuzz",
    "*/*",
    None,
)
PATH_EVIL: tuple[str, ...] = (
    "%00",
    "x%00y",
    "%FF",
    "%ED%A0%80",
    "%C0%AF",
    "%0A",
    "%20",
    "..",
    "%2E%2E",
    "%2F",
    "a" * 300,
    "0",
    "-1",
    "9999999999",
    "%D9%A1%D9%A0%D9%A0%D9%A1",  # Arabic-Indic 1001
    "%C2%B2",  # superscript two: isdigit() but not int()
    "HD-1001",
    "1001%00",
    "1e3",
    "+1",
)
QUERY_EVIL: tuple[str, ...] = (
    "%00",
    "a%00b",
    "%FF%FE",
    "%ED%A0%80",
    "%0D%0A",
    "%D9%A1%D9%A0",
    "1e3",
    "-1",
    "9" * 50,
    "9" * 5000,
    "NaN",
    "inf",
    "",
    "x" * 5000,
    "new,offered,%00",
    ",,,,",
    "%C2%B2",
    "client:%00",
    "client:" + "a" * 200,
)


def _quote(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


@dataclass(frozen=True, slots=True)
class Probe:
    """One request to send and what was broken in it."""

    target: str
    method: str
    path: str  # percent-encoded, with the query
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = ""
    chunked: bool = False


@dataclass
class Known:
    """What the probes aim at: ids that exist, the API's endpoints, the admin's login token."""

    token: str
    endpoints: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    schemas: dict[str, Any] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=lambda: ["1001"])
    clients: list[str] = field(default_factory=lambda: ["acme"])
    articles: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    login_csrf: str = ""


class _Mutator:
    """Breaks a well-formed JSON document in one to three places, and serialises it, perhaps badly."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.raw: dict[str, str] = {}
        self.notes: list[str] = []

    def break_doc(self, doc: Any, *, huge: bool = True) -> Any:
        for _ in range(self.rng.choice((1, 1, 2, 3))):
            doc = self._once(doc, huge)
        return doc

    def _slots(self, doc: Any) -> list[tuple[Any, Any]]:
        found: list[tuple[Any, Any]] = []
        stack = [doc]
        while stack:
            node = stack.pop()
            items = (
                node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            )
            for key, value in items:
                found.append((node, key))
                if isinstance(value, dict | list) and len(found) < 500:
                    stack.append(value)
        return found

    def _once(self, doc: Any, huge: bool) -> Any:
        rng = self.rng
        slots = self._slots(doc)
        if not slots:
            self.notes.append("whole")
            return self._value(huge)
        node, key = rng.choice(slots)
        action = rng.choice(
            (
                "replace",
                "replace",
                "replace",
                "control",
                "control",
                "delete",
                "unknown",
                "wrap",
                "deep",
                "raw",
            )
            + (("huge", "wide") if huge else ())
        )
        self.notes.append(f"{action}:{key}")
        if action == "delete" and isinstance(node, dict):
            del node[key]
        elif action == "unknown":
            target = node if isinstance(node, dict) else doc if isinstance(doc, dict) else None
            if target is not None:
                target[rng.choice(("zz_unknown", "__proto__", "constructor", "Text", "text\x00", ""))] = (
                    self._value(False)
                )
        elif action == "control":
            value = node[key]
            text = value if isinstance(value, str) else str(value)
            at = rng.randrange(len(text) + 1)
            node[key] = (
                text[:at] + rng.choice(("\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800", "\r")) + text[at:]
            )
        elif action == "wrap":
            node[key] = rng.choice(([node[key]], {"value": node[key]}, str(node[key])))
        elif action == "deep":
            node[key] = self._raw(
                _nest(rng.choice((33, 40, 64, 200, 999, 1001, 3000, 20000)), rng.random() < 0.5)
            )
        elif action == "raw":
            node[key] = self._raw(rng.choice(RAW_FRAGMENTS))
        elif action == "huge":
            node[key] = rng.choice(("Ж", "a", "\x00", "😀")) * rng.choice((5000, 70_000, 300_000))
        elif action == "wide":
            node[key] = {f"k{i}": i for i in range(rng.choice((1000, 20_000)))}
        else:
            node[key] = self._value(huge)
        return doc

    def _value(self, huge: bool) -> Any:
        roll = self.rng.random()
        if roll < 0.45:
            return self.rng.choice(EVIL_STRINGS)
        if roll < 0.85:
            value = self.rng.choice(EVIL_VALUES)
            return json.loads(json.dumps(value))  # a fresh copy: documents are changed in place
        return self._raw(self.rng.choice(RAW_FRAGMENTS))

    def _raw(self, fragment: str) -> str:
        marker = f"__fuzz_raw_{len(self.raw)}__"
        self.raw[marker] = fragment
        return marker

    def serialise(self, doc: Any) -> bytes:
        """JSON text of the document with the raw fragments put in, often broken as bytes afterwards."""
        rng = self.rng
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
        for marker, fragment in self.raw.items():
            text = text.replace(f'"{marker}"', fragment)
        raw = text.encode("utf-8", "surrogatepass")
        roll = rng.random()
        if roll < 0.62:
            return raw
        how = rng.choice(
            (
                "truncate",
                "bad-utf8",
                "random-bytes",
                "empty",
                "bom",
                "utf16",
                "whitespace",
                "not-object",
                "raw-deep",
                "nul-bytes",
                "dup-keys",
                "raw-control",
            )
        )
        self.notes.append(how)
        if how == "truncate":
            return raw[: rng.randrange(max(1, len(raw)))]
        if how == "bad-utf8":
            at = rng.randrange(len(raw) + 1)
            bad = rng.choice(
                (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80")
            )
            return raw[:at] + bad + raw[at:]
        if how == "random-bytes":
            return rng.randbytes(rng.choice((1, 16, 300, 5000)))
        if how == "empty":
            return b""
        if how == "bom":
            return b"\xef\xbb\xbf" + raw
        if how == "utf16":
            return text.encode("utf-16", "surrogatepass")
        if how == "whitespace":
            return b" \r\n\t " * rng.choice((1, 1000))
        if how == "not-object":
            return json.dumps(rng.choice(([doc], "text", 1001, None, True, [1, 2, 3]))).encode()
        if how == "raw-deep":
            depth = rng.choice((1000, 10_000, 100_000))
            return (b'{"a":' * depth + b"1" + b"}" * depth) if rng.random() < 0.5 else b"[" * depth
        if how == "nul-bytes":
            at = rng.randrange(len(raw) + 1)
            return raw[:at] + b"\x00" * rng.choice((1, 5)) + raw[at:]
        if how == "dup-keys" and raw.startswith(b"{") and len(raw) > 2:
            return b'{"update_id": "x", "text": 1, ' + raw[1:]
        if how == "raw-control" and b'"' in raw:
            at = raw.index(b'"') + 1
            return raw[:at] + b"\x00\x01\n" + raw[at:]
        return raw


def _nest(depth: int, objects: bool) -> str:
    """JSON text nested `depth` deep (as text: json.dumps itself cannot write a deep document)."""
    return '{"a":' * depth + "1" + "}" * depth if objects else "[" * depth + "]" * depth


# --- the targets -------------------------------------------------------------------------------------


def _json_headers(rng: random.Random, mutator: _Mutator) -> list[tuple[str, str]]:
    if rng.random() < 0.8:
        return [("Content-Type", rng.choice(("application/json", "application/json; charset=utf-8")))]
    content_type = rng.choice(CONTENT_TYPES)
    mutator.notes.append(f"ct={content_type}")
    return [("Content-Type", content_type)] if content_type is not None else []


def _body_probe(
    rng: random.Random, target: str, method: str, path: str, template: Any, extra: list[tuple[str, str]]
) -> Probe:
    mutator = _Mutator(rng)
    doc = mutator.break_doc(template) if rng.random() < 0.93 else template
    body = mutator.serialise(doc)
    headers = _json_headers(rng, mutator) + extra
    chunked = rng.random() < 0.05
    if chunked:
        mutator.notes.append("chunked")
    return Probe(target, method, path, body, tuple(headers), ",".join(mutator.notes), chunked)


def _telegram_update(rng: random.Random, update_id: int, user: int) -> dict[str, Any]:
    person = {"id": user, "is_bot": False, "first_name": "Fuzz", "last_name": "Test", "language_code": "ru"}
    chat = {"id": user, "type": "private", "first_name": "Fuzz"}
    base = {"message_id": update_id, "date": SENT_AT, "chat": chat, "from": person}
    kind = rng.choice(
        ("text", "text", "text", "callback", "photo", "location", "contact", "edited", "group", "document")
    )
    if kind == "callback":
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": person,
                "chat_instance": "1",
                "data": rng.choice(("tk:1001", "cx:1001:y", "x" * 64, "v1.abc.def")),
                "message": {**base, "text": "card", "from": {**person, "id": 1, "is_bot": True}},
            },
        }
    message: dict[str, Any] = dict(base)
    if kind == "photo":
        message["photo"] = [
            {"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90},
            {"file_id": "p2", "file_unique_id": "u2", "width": 800, "height": 600, "file_size": 1000},
        ]
        message["caption"] = "broken printer"
    elif kind == "location":
        message["location"] = {"latitude": 55.75, "longitude": 37.62}
    elif kind == "contact":
        message["contact"] = {"phone_number": "+79001234567", "first_name": "Fuzz", "user_id": user}
    elif kind == "document":
        message["document"] = {"file_id": "d1", "file_unique_id": "du1", "mime_type": "application/pdf"}
    elif kind == "group":
        message["chat"] = {"id": -100123, "type": "supergroup", "title": "Staff", "is_forum": True}
        message.update(is_topic_message=True, message_thread_id=7, text="/status HD-1001")
        message["reply_to_message"] = {**base, "text": "root", "message_id": 1}
    else:
        message["text"] = rng.choice(("Принтер не печатает", "/start", "/status HD-1001", "hello", "/new"))
    key = "edited_message" if kind == "edited" else "message"
    if kind == "edited":
        message["edit_date"] = SENT_AT + 60
    return {"update_id": update_id, key: message}


def _telegram_probe(rng: random.Random, index: int, bot: str) -> Probe:
    update = _telegram_update(rng, 5_000_000 + index, 900_000_000 + index % 97)
    secret = TG_SECRET if rng.random() < 0.92 else rng.choice(("", "wrong", TG_SECRET + "x", "x" * 300))
    extra = [("X-Telegram-Bot-Api-Secret-Token", secret)] if secret else []
    return _body_probe(rng, f"telegram:{bot}", "POST", f"/webhook/telegram/{bot}", update, extra)


def _whatsapp_body(rng: random.Random, index: int) -> dict[str, Any]:
    wa = f"7900{index % 89:07d}"
    message: dict[str, Any] = {"from": wa, "id": f"wamid.fuzz{index}", "timestamp": str(SENT_AT)}
    kind = rng.choice(
        ("text", "text", "interactive", "button", "image", "location", "contacts", "status", "odd")
    )
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA_PHONE_ID},
        "contacts": [{"profile": {"name": "Fuzz"}, "wa_id": wa}],
    }
    if kind == "text":
        message.update(type="text", text={"body": rng.choice(("Кондиционер течёт", "/status HD-1001", "hi"))})
    elif kind == "interactive":
        message.update(
            type="interactive",
            interactive={"type": "button_reply", "button_reply": {"id": "x", "title": "Yes"}},
        )
    elif kind == "button":
        message.update(type="button", button={"payload": "p", "text": "Yes"})
    elif kind == "image":
        message.update(type="image", image={"id": "media1", "mime_type": "image/jpeg", "caption": "photo"})
    elif kind == "location":
        message.update(type="location", location={"latitude": 55.7, "longitude": 37.6})
    elif kind == "contacts":
        message.update(
            type="contacts",
            contacts=[
                {
                    "name": {"first_name": "A", "formatted_name": "A B"},
                    "phones": [{"phone": "+7900", "wa_id": wa}],
                }
            ],
        )
    elif kind == "odd":
        message.update(type="reaction", reaction={"emoji": "👍"}, errors=[{"code": "²", "title": "x"}])
    if kind == "status":
        value["statuses"] = [
            {
                "id": "wamid.out1",
                "status": "failed",
                "timestamp": "1",
                "recipient_id": wa,
                "errors": [{"code": 131047}],
            }
        ]
    else:
        value["messages"] = [message]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def _whatsapp_probe(rng: random.Random, index: int) -> Probe:
    if rng.random() < 0.12:
        challenge = _quote(rng.choice(EVIL_STRINGS)) if rng.random() < 0.7 else rng.choice(QUERY_EVIL)
        token = WA_VERIFY if rng.random() < 0.7 else rng.choice(QUERY_EVIL)
        path = f"/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge={challenge}"
        return Probe("whatsapp:verify", "GET", path, kind="verify")
    probe = _body_probe(rng, "whatsapp", "POST", "/webhook/whatsapp", _whatsapp_body(rng, index), [])
    body = probe.body or b""
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if rng.random() < 0.08:
        signature = rng.choice(("", "sha256=00", "sha1=" + "0" * 40, signature.upper() + "x"))
    headers = probe.headers + ((("X-Hub-Signature-256", signature),) if signature else ())
    return Probe(probe.target, probe.method, probe.path, body, headers, probe.kind, probe.chunked)


def _sample(
    schema: dict[str, Any], schemas: dict[str, Any], name: str, known: Known, rng: random.Random
) -> Any:
    """A well-formed value for a schema (request bodies), with ids that exist."""
    if "$ref" in schema:
        return _sample(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, name, known, rng)
    if "anyOf" in schema:
        return _sample(schema["anyOf"][0], schemas, name, known, rng)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return {
            key: _sample(sub, schemas, key, known, rng)
            for key, sub in props.items()
            if key in required or rng.random() < 0.6
        }
    if kind == "array":
        return [_sample(schema.get("items", {}), schemas, name, known, rng)]
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


def _api_probe(rng: random.Random, known: Known, endpoint: tuple[str, str, dict[str, Any]]) -> Probe:
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
        path = path.replace("{" + param + "}", value if "%" in value else _quote(value))
    query: list[str] = []
    for param in op.get("parameters", []):
        if param["in"] != "query" or rng.random() < 0.4:
            continue
        schema = param.get("schema", {})
        if rng.random() < 0.5:
            value = _quote(
                str(rng.choice(schema["enum"]) if "enum" in schema else schema.get("default", "1"))
            )
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
            probe = _body_probe(rng, target, method, path, {"zz": "\x00"}, headers)
            return Probe(
                target, method, path, probe.body, probe.headers, ",".join([*notes, probe.kind]), probe.chunked
            )
        return Probe(target, method, path, None, tuple(headers), ",".join(notes))
    template_body = _sample(body_ref, known.schemas, "", known, rng)
    probe = _body_probe(rng, target, method, path, template_body, headers)
    return Probe(
        target, method, path, probe.body, probe.headers, ",".join([*notes, probe.kind]), probe.chunked
    )


def _form(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in fields).encode("ascii")


def _admin_probe(rng: random.Random, known: Known) -> Probe:
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
    body = _form(fields)
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


def _webchat_probe(rng: random.Random, index: int) -> Probe:
    bot = "client" if rng.random() < 0.7 else rng.choice(("staff", "%00", "x" * 100, "CLIENT"))
    roll = rng.random()
    if roll < 0.6:
        body: dict[str, Any] = {
            "chat_id": f"fuzz-{index % 40}",
            "client_msg_id": f"m{index}",
            "text": rng.choice(
                ("Принтер не печатает", "/start", "/status HD-1001", "hello", "/new", "/kb vpn")
            ),
            "name": "Fuzz",
            "lang": rng.choice(("ru", "en")),
        }
        if rng.random() < 0.2:
            body["location"] = {"lat": 55.7, "lon": 37.6}
        if rng.random() < 0.2:
            body["payload"] = "v1.fuzz.payload"
        return _body_probe(rng, "webchat:send", "POST", f"/webchat/api/{bot}/send", body, [])
    if roll < 0.75:
        return _upload_probe(rng, index, bot)
    if roll < 0.93:
        params = [
            f"chat_id={rng.choice(('fuzz-1', *QUERY_EVIL))}",
            f"after={rng.choice(('0', *QUERY_EVIL))}",
            "timeout=0",
        ]
        if rng.random() < 0.5:
            params[-1] = f"timeout={rng.choice(QUERY_EVIL)}"
        return Probe(
            "webchat:messages", "GET", f"/webchat/api/{bot}/messages?" + "&".join(params), kind="query"
        )
    if roll < 0.97:
        return Probe("webchat:identities", "GET", f"/webchat/api/{bot}/identities", kind="get")
    return Probe("webchat:file", "GET", f"/webchat/files/{rng.choice(PATH_EVIL)}", kind="path")


def _upload_probe(rng: random.Random, index: int, bot: str) -> Probe:
    boundary = "fuzzupload"
    fields = [("chat_id", f"fuzz-{index % 40}"), ("client_msg_id", f"u{index}"), ("text", "photo")]
    if rng.random() < 0.5:
        at = rng.randrange(len(fields))
        fields[at] = (fields[at][0], rng.choice(EVIL_STRINGS))
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        + v.encode("utf-8", "surrogatepass")
        + b"\r\n"
        for k, v in fields
    ]
    photo = rng.choice(
        (b"\x89PNG\r\n\x1a\n" + rng.randbytes(100), rng.randbytes(50), b"", b"GIF89a" + b"\x00" * 20)
    )
    filename = rng.choice(("a.png", "../../x.png", "a\x00.png", "", "Ж.jpg"))
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{filename}"\r\n'
        f"Content-Type: {rng.choice(('image/png', 'image/jpeg', 'text/html', ''))}\r\n\r\n".encode(
            "utf-8", "surrogatepass"
        )
        + photo
        + b"\r\n"
    )
    body = b"".join(chunks) + (f"--{boundary}--\r\n".encode() if rng.random() < 0.85 else b"")
    content_type = f"multipart/form-data; boundary={boundary}"
    if rng.random() < 0.2:
        content_type = rng.choice(
            (
                "multipart/form-data",
                "application/json",
                f"multipart/form-data; boundary={boundary}; charset=xx-unknown",
            )
        )
    return Probe(
        "webchat:upload",
        "POST",
        f"/webchat/api/{bot}/upload",
        body,
        (("Content-Type", content_type),),
        "multipart",
    )


def make_probe(seed: int, index: int, known: Known, rotation: list[str]) -> Probe:
    """The request number `index` of a run with `seed` (the same every time for the same arguments)."""
    rng = random.Random(f"helpdesk-fuzz:{seed}:{index}")
    target = rotation[index % len(rotation)]
    if target == "telegram:client":
        return _telegram_probe(rng, index, "client")
    if target == "telegram:staff":
        return _telegram_probe(rng, index, "staff")
    if target == "whatsapp":
        return _whatsapp_probe(rng, index)
    if target == "admin":
        return _admin_probe(rng, known)
    if target == "webchat":
        return _webchat_probe(rng, index)
    endpoint = known.endpoints[int(target.split(":", 1)[1])]
    return _api_probe(rng, known, endpoint)


def rotation_for(known: Known) -> list[str]:
    """The order targets take turns in: every API endpoint once, the webhooks and chats more often."""
    turns = (
        ["telegram:client"] * 4 + ["telegram:staff"] * 2 + ["whatsapp"] * 4 + ["admin"] * 2 + ["webchat"] * 4
    )
    turns += [f"api:{i}" for i in range(len(known.endpoints))]
    random.Random(0).shuffle(turns)
    return turns


# --- the app and the run -----------------------------------------------------------------------------


class _Errors(logging.Handler):
    """Keeps what the app logged with an exception: an unhandled error, whatever the answer was."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        # aiohttp logs the HTTP messages it refuses itself (a request line over 8 KB, a header with a NUL):
        # the client got a 400; raised inside a handler instead, the answer is a 500 and counted as one.
        if exc is not None and not isinstance(exc, BadHttpMessage):
            self.records.append(record)


class _Server:
    """The app on a free port, in a thread of its own with its own event loop."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.url = url
        self.tmp = tmp
        self.port = 0
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fuzz-app", daemon=True)

    def settings(self) -> Any:
        from helpdesk.settings import Settings

        closed = f"http://127.0.0.1:{_free_port()}"  # nothing listens: nothing is delivered
        values: dict[str, Any] = {
            "database_url": self.url,
            "secret_key": SECRET_KEY,
            "public_url": "https://fuzz.invalid",
            "kb_embedder": "none",
            "kb_cache_dir": None,
            "telegram_client_token": TG_CLIENT_TOKEN,
            "telegram_staff_token": TG_STAFF_TOKEN,
            "telegram_api_base": closed,
            "telegram_webhook_secret": TG_SECRET,
            "telegram_set_webhook": False,
            "telegram_rate_limits": False,
            "whatsapp_phone_number_id": WA_PHONE_ID,
            "whatsapp_access_token": "fuzz-access-token",
            "whatsapp_app_secret": WA_SECRET,
            "whatsapp_verify_token": WA_VERIFY,
            "whatsapp_api_base": closed,
            "webchat_upload_dir": self.tmp / "uploads",
            "webchat_poll_timeout_s": 1.0,
            "api_rate_per_s": 1_000_000.0,
            "api_rate_burst": 1_000_000,
        }
        # The demo web chat takes the chat id from the request, so more of its parsing is reached.
        if "webchat_demo" in Settings.model_fields:
            values["webchat_demo"] = True
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    def start(self, timeout_s: float = 120.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise click.ClickException(f"the app did not start within {timeout_s:.0f} s")
        if self.error is not None:
            raise click.ClickException(f"the app did not start: {self.error!r}")
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # reported by start(), or counted as a crash
            self.error = e
            self._ready.set()

    async def _serve(self) -> None:
        from aiohttp import web

        from helpdesk.runtime import build_runtime
        from helpdesk.web import build_web_app

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        rt = await build_runtime(self.settings(), nlu=None, load_nlu=False)
        runner = web.AppRunner(build_web_app(rt), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        try:
            await rt.start(worker=False, polling=False)
            self._ready.set()
            await self._stop.wait()
        finally:
            await rt.close()
            await runner.cleanup()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _prepare(db: str, tmp: Path) -> str:
    from helpdesk.demo.seed import seed_demo
    from helpdesk.settings import Settings
    from storage.migrate import upgrade

    if db == "postgres":
        from helpdesk.benchdb import bench_pg_url, fresh_pg_database

        url = await fresh_pg_database(
            bench_pg_url(
                os.environ.get("HELPDESK_BENCH_PG_URL")
                or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_fuzz"
            )
        )
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}"
        await upgrade(url)
    await seed_demo(Settings(_env_file=None, database_url=url, kb_embedder="none"))  # type: ignore[call-arg]
    return url


async def _make_token(url: str) -> str:
    """An API token with every scope, stored as the CLI stores one."""
    from helpdesk.api.tokens import ALL_SCOPES, hash_token, new_token
    from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
    from storage.db import make_engine, make_sessionmaker

    token = new_token()
    record = ApiTokenRecord(
        id=uuid.uuid4().hex,
        name="bench-fuzz",
        token_hash=hash_token(token),
        scopes=tuple(str(s) for s in ALL_SCOPES),
        created_at=datetime.now(UTC),
        created_by="bench-fuzz",
    )
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            await SqlApiTokenRepository(session).add(record)
            await session.commit()
    finally:
        await engine.dispose()
    return token


async def _discover(http: aiohttp.ClientSession, base: str, token: str) -> Known:
    """Read the OpenAPI document and a few ids that exist, and the admin login form's token."""
    known = Known(token)
    auth = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{base}/api/openapi.json") as resp:
        if resp.status != 200:
            raise click.ClickException(f"GET /api/openapi.json answered {resp.status}")
        doc = await resp.json()
    known.schemas = doc.get("components", {}).get("schemas", {})
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            known.endpoints.append((method.upper(), path, op))

    async def items(path: str) -> list[dict[str, Any]]:
        async with http.get(f"{base}{path}", headers=auth) as resp:
            return list((await resp.json()).get("items", [])) if resp.status == 200 else []

    known.numbers = [str(t["number"]) for t in await items("/api/tickets?limit=5")] or known.numbers
    known.clients = [str(c["id"]) for c in await items("/api/clients?limit=5")] or known.clients
    known.articles = [str(a["id"]) for a in await items("/api/kb/articles?limit=10")]
    known.webhooks = [str(w["id"]) for w in await items("/api/webhooks")]
    async with http.get(f"{base}/admin/login", allow_redirects=False) as resp:
        match = re.search(r'name="csrf"\s+value="([^"]+)"', await resp.text())
        known.login_csrf = match.group(1) if match else ""
    async with http.get(f"{base}/", allow_redirects=False) as resp:
        await resp.read()  # the web chat page: a visitor session cookie, when the app gives one
    return known


@dataclass
class Outcome:
    """What one probe got."""

    index: int
    probe: Probe
    status: int | None
    error: str | None = None
    early_close: bool = False


async def _send(http: aiohttp.ClientSession, base: str, index: int, probe: Probe) -> Outcome:
    url = URL(base + probe.path, encoded=True)
    headers = dict(probe.headers)
    skip = () if "Content-Type" in headers else ("Content-Type",)
    data: Any = probe.body
    if probe.chunked and probe.body is not None:
        data = _chunks(probe.body)
    try:
        async with http.request(
            probe.method, url, data=data, headers=headers, skip_auto_headers=skip, allow_redirects=False
        ) as resp:
            await resp.read()
            return Outcome(index, probe, resp.status)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as e:
        if len(probe.body or b"") >= EARLY_CLOSE_BYTES:
            return Outcome(index, probe, None, f"{type(e).__name__}: {e}", early_close=True)
        return Outcome(index, probe, None, f"{type(e).__name__}: {e}")
    except TimeoutError:
        return Outcome(index, probe, None, f"no answer within {REQUEST_TIMEOUT_S:.0f} s")
    except aiohttp.ClientError as e:
        return Outcome(index, probe, None, f"{type(e).__name__}: {e}")


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


async def _drive(
    base: str, token: str, requests: int, seed: int, concurrency: int
) -> tuple[Known, list[Outcome]]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1: the admin login token, a visitor session
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as http:
        known = await _discover(http, base, token)
        rotation = rotation_for(known)
        queue = iter(range(requests))
        outcomes: list[Outcome] = []

        async def worker() -> None:
            for index in queue:
                probe = make_probe(seed, index, known, rotation)
                outcomes.append(await _send(http, base, index, probe))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        # Still up and answering afterwards: a server that died on the last request counts as a crash.
        health = await _send(http, base, requests, Probe("healthz", "GET", "/healthz"))
        if health.status != 200:
            outcomes.append(
                health if health.status is None else Outcome(requests, health.probe, None, "unhealthy")
            )
    outcomes.sort(key=lambda o: o.index)
    return known, outcomes


def run_fuzz(
    *, requests: int, seed: int, concurrency: int, db: str, report: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Run the fuzz and return `{"requests", "server_errors", "crashes"}`; `report` gets the failures."""
    errors = _Errors()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(errors)
    if root.level > logging.ERROR or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="hd-fuzz-") as tmp_name:
            tmp = Path(tmp_name)
            url = asyncio.run(_prepare(db, tmp))
            token = asyncio.run(_make_token(url))
            server = _Server(url, tmp)
            base = server.start()
            try:
                _known, outcomes = asyncio.run(_drive(base, token, requests, seed, concurrency))
            finally:
                died = not server.alive
                server.stop()
    finally:
        root.removeHandler(errors)
        root.setLevel(old_level)
    server_errors = [o for o in outcomes if o.status is not None and o.status >= 500]
    no_answer = [o for o in outcomes if o.status is None and not o.early_close]
    crashes = len(no_answer) + len(errors.records) + int(died)
    if report is not None:
        for o in server_errors + no_answer:
            p = o.probe
            what = o.status if o.status is not None else o.error
            report(f"#{o.index} {p.target} {p.method} {p.path[:160]} -> {what} [{p.kind[:200]}]")
        for record in errors.records:
            exc = record.exc_info[1] if record.exc_info else None
            report(
                f"logged by {record.name}: {record.getMessage()[:200]} ({type(exc).__name__}: {str(exc)[:200]})"
            )
        for o in outcomes:
            if o.early_close:
                report(
                    f"#{o.index} {o.probe.target}: closed while a {len(o.probe.body or b'')}-byte body was sent "
                    f"(refused before reading it; not counted) [{o.error}]"
                )
        if died:
            report("the app's thread ended during the run")
        counts = Counter(o.probe.target.split(":")[0] for o in outcomes)
        report("requests by target: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return {"requests": requests, "server_errors": len(server_errors), "crashes": crashes}


@bench.command("fuzz")
@click.option("--requests", default=5000, show_default=True, help="Malformed requests to send.")
@click.option("--seed", default=15, show_default=True, help="Seed of the generated requests (repeatable).")
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight at once.")
@click.option("--db", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--verbose", is_flag=True, help="Also print a line per failing request and logged exception.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def fuzz_bench(requests: int, seed: int, concurrency: int, db: str, verbose: bool, as_json: bool) -> None:
    """Send generated malformed requests to every webhook, REST endpoint, the admin login and the web chat."""
    report = (lambda line: click.echo(line, err=as_json)) if verbose else None
    result = run_fuzz(requests=requests, seed=seed, concurrency=concurrency, db=db, report=report)
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
