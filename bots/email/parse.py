"""One mail (RFC 5322 bytes) -> what the engine needs: sender, subject, the reply's own words, attachments.

Parsing never raises on a person's mail: a mail without a text part is read from its HTML, an undecodable part
is skipped, a missing Message-ID is replaced by a hash of the bytes (so a resend is still one message).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from bots.email.html import to_text
from bots.email.quotes import latest_reply
from bots.email.safety import automatic_reason

MAX_MESSAGE_ID = 190  # an inbox dedup key has 200 characters, "mail:" included
MAX_ADDRESS = 64  # a chat id has 64 characters
MSGID = re.compile(r"<([^<>\s]+)>")
SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|отв|пересл|ответ)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
CYRILLIC = re.compile(r"[а-яё]", re.I)
LATIN = re.compile(r"[a-z]", re.I)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a mail."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Mail:
    """What the app reads from one mail."""

    message_id: str  # without the angle brackets
    sender: str  # the From address, lower-cased
    sender_name: str | None
    subject: str  # without "Re:" / "Fwd:" prefixes
    body: str  # the person's own words: quoted history and signature cut off
    references: tuple[str, ...]  # In-Reply-To first, then References newest first, without brackets
    attachments: tuple[Attachment, ...]
    automatic: str | None  # why it is an automatic mail (never answered), or None
    lang: str | None  # "ru" or "en" by the letters of the text, None when it cannot tell


def read_mail(raw: bytes, envelope_from: str | None = None) -> Mail | None:
    """Parse one mail; None when it has no usable sender address (nobody to answer or to match)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage objects
    sender, name = _sender(message)
    if sender is None:
        return None
    message_id = _message_ids(message.get("Message-ID"))
    mid = message_id[0] if message_id and len(message_id[0]) <= MAX_MESSAGE_ID else None
    subject = SUBJECT_PREFIX.sub("", _header(message, "Subject")).strip()
    text = _text(message)
    body = latest_reply(text)
    references = (
        *_message_ids(message.get("In-Reply-To")),
        *reversed(_message_ids(message.get("References"))),
    )
    return Mail(
        message_id=mid or "sha256-" + hashlib.sha256(raw).hexdigest()[:40],
        sender=sender,
        sender_name=name,
        subject=subject,
        body=body,
        references=tuple(dict.fromkeys(references)),
        attachments=tuple(_attachments(message)),
        automatic=automatic_reason(message, envelope_from),
        lang=_lang(subject + " " + body),
    )


def _header(message: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(message.get(name, "")).split())
    except (ValueError, TypeError, IndexError):  # a malformed encoded word
        return ""


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    try:
        header = message.get("From")  # who wrote it: Reply-To is where to answer, and proves nothing
        addresses = list(header.addresses) if header is not None else []  # type: ignore[union-attr]
    except (AttributeError, ValueError, TypeError, IndexError):
        addresses = []
    if not addresses:
        pairs = getaddresses([str(message.get("From", ""))])
        addresses = [Address(display_name=n, addr_spec=a) for n, a in pairs if "@" in a]
    for address in addresses:
        spec = address.addr_spec.strip().lower()
        if "@" in spec and 3 <= len(spec) <= MAX_ADDRESS and " " not in spec:
            return spec, (" ".join(address.display_name.split()) or None)
    return None, None


def _message_ids(value: object) -> list[str]:
    return MSGID.findall(str(value or ""))


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = str(content)
    return to_text(text) if part.get_content_type() == "text/html" else text


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        name = part.get_filename() or "attachment"
        found.append(Attachment(name[:120], part.get_content_type(), data))
    return found


def _lang(text: str) -> str | None:
    cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
    if cyrillic == latin == 0:
        return None
    return "ru" if cyrillic >= latin else "en"
