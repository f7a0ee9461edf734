"""`helpdesk bench fuzz`: the malformed pieces requests are broken with, and how one probe is built.

`benchmarks.fuzz_chats` and `benchmarks.fuzz_web` aim them at the chat webhooks and at the REST API and
admin; `benchmarks.fuzz` runs the app and sends them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

TG_CLIENT_TOKEN = "700001:fuzz-client-token-abcdefghijklmnopqrstuvwxyz"


TG_STAFF_TOKEN = "700002:fuzz-staff-token-abcdefghijklmnopqrstuvwxyz"


TG_SECRET = "fuzz-webhook-secret"


WA_PHONE_ID = "1098765432"


WA_SECRET = "fuzz-app-secret"


WA_VERIFY = "fuzz-verify-token"


SECRET_KEY = "fuzz-" + "k" * 40


SENT_AT = 1_767_225_600  # 2026-01-01: a fixed date keeps the requests the same from run to run


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


def pct(text: str) -> str:
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


class Mutator:
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
                nest(rng.choice((33, 40, 64, 200, 999, 1001, 3000, 20000)), rng.random() < 0.5)
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


def nest(depth: int, objects: bool) -> str:
    """JSON text nested `depth` deep (as text: json.dumps itself cannot write a deep document)."""
    return '{"a":' * depth + "1" + "}" * depth if objects else "[" * depth + "]" * depth


def json_headers(rng: random.Random, mutator: Mutator) -> list[tuple[str, str]]:
    if rng.random() < 0.8:
        return [("Content-Type", rng.choice(("application/json", "application/json; charset=utf-8")))]
    content_type = rng.choice(CONTENT_TYPES)
    mutator.notes.append(f"ct={content_type}")
    return [("Content-Type", content_type)] if content_type is not None else []


def body_probe(
    rng: random.Random, target: str, method: str, path: str, template: Any, extra: list[tuple[str, str]]
) -> Probe:
    mutator = Mutator(rng)
    doc = mutator.break_doc(template) if rng.random() < 0.93 else template
    body = mutator.serialise(doc)
    headers = json_headers(rng, mutator) + extra
    chunked = rng.random() < 0.05
    if chunked:
        mutator.notes.append("chunked")
    return Probe(target, method, path, body, tuple(headers), ",".join(mutator.notes), chunked)
