"""A parsed mail -> the neutral `Inbound`, and the mail thread it continues.

Every mail we send has a Message-ID that names its thread: `<hd-1042.<random>@domain>` for a ticket's mails,
`<kb.<random>@domain>` for a knowledge-base answer. A reply names it in In-Reply-To or References, so the
thread is known without a lookup; the subject's "HD-1042" is the fallback the dialogue reads itself.
"""

from __future__ import annotations

import re
import secrets

from bots.email.parse import Mail
from dialogue.messages import MAX_TEXT_CHARS, Bot, Channel, Inbound, Media

OUR_ID = re.compile(r"^(hd-\d{1,12}|kb)\.[0-9a-f]+@(.+)$", re.I)
CUT_MARK = " [...]"


def dedup_key(message_id: str) -> str:
    """The inbox dedup key of a mail: its Message-ID, the same in every resend and in every mailbox."""
    return f"mail:{message_id}"


def thread_key(mail: Mail, domain: str) -> str | None:
    """The thread of ours a reply continues ("hd-1042" or "kb"), from In-Reply-To / References, or None."""
    for ref in mail.references:
        match = OUR_ID.match(ref)
        if match and match.group(2).lower() == domain.lower():
            return match.group(1).lower()
    return None


def new_message_id(thread: str | None, domain: str) -> str:
    """A Message-ID for a mail of ours in `thread` (a ticket's "hd-1042", "kb", or None for a mail of its own)."""
    return f"<{thread or 'kb'}.{secrets.token_hex(8)}@{domain}>"


def mail_text(mail: Mail) -> str:
    """The person's words the engine reads, cut to what a message may hold."""
    text = mail.body.strip()
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - len(CUT_MARK)] + CUT_MARK
    return text


def to_inbound(mail: Mail, domain: str, media: tuple[Media, ...] = ()) -> Inbound:
    """The `Inbound` of one mail from a person (an automatic mail is never made one)."""
    return Inbound(
        channel=Channel.EMAIL,
        bot=Bot.CLIENT,
        chat_id=mail.sender,
        sender_id=mail.sender,
        dedup_key=dedup_key(mail.message_id),
        text=mail_text(mail) or None,
        media=media,
        sender_name=mail.sender_name,
        lang=mail.lang,
        thread_id=thread_key(mail, domain),
        reply_to=f"<{mail.message_id}>",
        subject=mail.subject[:300] or None,
    )
