"""`helpdesk bench fuzz`: malformed requests for the chat ways in: the Telegram and WhatsApp webhooks and the
web chat (messages and photo uploads)."""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

from benchmarks.fuzz_pieces import (
    EVIL_STRINGS,
    PATH_EVIL,
    QUERY_EVIL,
    SENT_AT,
    TG_SECRET,
    WA_PHONE_ID,
    WA_SECRET,
    WA_VERIFY,
    Probe,
    body_probe,
    pct,
)


def telegram_update(rng: random.Random, update_id: int, user: int) -> dict[str, Any]:
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


def telegram_probe(rng: random.Random, index: int, bot: str) -> Probe:
    update = telegram_update(rng, 5_000_000 + index, 900_000_000 + index % 97)
    secret = TG_SECRET if rng.random() < 0.92 else rng.choice(("", "wrong", TG_SECRET + "x", "x" * 300))
    extra = [("X-Telegram-Bot-Api-Secret-Token", secret)] if secret else []
    return body_probe(rng, f"telegram:{bot}", "POST", f"/webhook/telegram/{bot}", update, extra)


def whatsapp_body(rng: random.Random, index: int) -> dict[str, Any]:
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


def whatsapp_probe(rng: random.Random, index: int) -> Probe:
    if rng.random() < 0.12:
        challenge = pct(rng.choice(EVIL_STRINGS)) if rng.random() < 0.7 else rng.choice(QUERY_EVIL)
        token = WA_VERIFY if rng.random() < 0.7 else rng.choice(QUERY_EVIL)
        path = f"/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge={challenge}"
        return Probe("whatsapp:verify", "GET", path, kind="verify")
    probe = body_probe(rng, "whatsapp", "POST", "/webhook/whatsapp", whatsapp_body(rng, index), [])
    body = probe.body or b""
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if rng.random() < 0.08:
        signature = rng.choice(("", "sha256=00", "sha1=" + "0" * 40, signature.upper() + "x"))
    headers = probe.headers + ((("X-Hub-Signature-256", signature),) if signature else ())
    return Probe(probe.target, probe.method, probe.path, body, headers, probe.kind, probe.chunked)


def webchat_probe(rng: random.Random, index: int) -> Probe:
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
        return body_probe(rng, "webchat:send", "POST", f"/webchat/api/{bot}/send", body, [])
    if roll < 0.75:
        return upload_probe(rng, index, bot)
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


def upload_probe(rng: random.Random, index: int, bot: str) -> Probe:
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
