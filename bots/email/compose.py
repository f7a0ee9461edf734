"""`Outbound` -> one mail: multipart text + HTML in the reader's language, threaded, marked automatic.

Threading: the Message-ID names the mail's thread (bots.email.inbound: `hd-1042.` for a ticket's mails,
`kb.` for a KB answer); In-Reply-To names the mail answered; References starts with the ticket's own root id
(`<hd-1042@domain>`), which every mail of the ticket shares, so mail programs keep a ticket's mails together.
Every mail of ours is automatic (RFC 3834 `Auto-Submitted`) so that other help desks and vacation responders
do not answer it; notifications (not answers to a mail) carry List-Unsubscribe (RFC 2369 / 8058).
"""

from __future__ import annotations

import html
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from markdown_it import MarkdownIt

from bots.email.html import sanitize
from bots.email.inbound import new_message_id
from dialogue.i18n import N_, say
from dialogue.messages import Outbound

TICKET_REF = re.compile(r"\bHD-(\d{1,12})\b")
THREAD = re.compile(r"^(hd-\d{1,12}|kb)$")
MSGID = re.compile(r"^<[^<>\s]+@[^<>\s]+>$")
SUBJECT_CHARS = 120
REPLY_WITH = N_("To answer, reply to this mail with: {options}.")
"""Buttons cannot be pressed in a mail: their labels become the words a reply may say (dialogue.email_flow
reads a rating "1".."5" from it; anything else on a resolved ticket reopens it)."""
UNSUBSCRIBE = N_("Stop these notifications by mail: {url}")
UNSUBSCRIBE_LABEL = N_("Stop these notifications by mail")
"""The footer of a notification (not of an answer to the person's own mail): the page of its
List-Unsubscribe link, which asks before it turns anything off."""
_MARKDOWN = MarkdownIt("commonmark")


def thread_of(out: Outbound) -> str | None:
    """The thread a mail belongs to: the dialogue's ("hd-1042", "kb"), else the first ticket its text names."""
    if out.thread_id and THREAD.match(out.thread_id):
        return out.thread_id
    match = TICKET_REF.search(out.text)
    return f"hd-{match.group(1)}" if match else None


def subject_of(out: Outbound, thread: str | None) -> str:
    """The mail's subject: the dialogue's, else its first line; a ticket's mails carry [HD-1042]."""
    subject = out.thread_title or out.text.strip().split("\n", 1)[0]
    subject = " ".join(subject.split())[:SUBJECT_CHARS]
    if thread and thread.startswith("hd-"):
        ref = "HD-" + thread[3:]
        if ref not in subject:
            subject = f"[{ref}] {subject}"
    return subject


def reply_options(out: Outbound) -> str | None:
    """The line that turns buttons (which a mail cannot have) into words to reply with, or None."""
    options = [b.text for row in out.buttons for b in row if not b.url]
    if not options:
        return None
    return say(out.lang or "ru", REPLY_WITH, options=" / ".join(options))


def html_body(out: Outbound, unsubscribe_url: str | None = None) -> str:
    """The HTML part: KB Markdown rendered, plain text escaped with its line breaks, links of URL buttons."""
    if out.markdown:
        inner = _MARKDOWN.render(out.text)
    else:
        paragraphs = out.text.strip().split("\n\n")
        inner = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    links = [b for row in out.buttons for b in row if b.url]
    inner += "".join(f'<p><a href="{html.escape(b.url or "")}">{html.escape(b.text)}</a></p>' for b in links)
    if (options := reply_options(out)) is not None:
        inner += f"<p>{html.escape(options)}</p>"
    if unsubscribe_url:
        label = say(out.lang or "ru", UNSUBSCRIBE_LABEL)
        inner += f'<p><small><a href="{html.escape(unsubscribe_url)}">{html.escape(label)}</a></small></p>'
    lang = html.escape(out.lang or "ru")
    return f'<!DOCTYPE html><html lang="{lang}"><body>{sanitize(inner)}</body></html>'


def compose(
    out: Outbound, sender: Address, domain: str, *, unsubscribe_url: str | None = None
) -> EmailMessage:
    """The mail that carries `out` to `out.chat_id`; a notification offers `unsubscribe_url` (the address's
    signed link, `bots.email.unsubscribe`) in List-Unsubscribe, one-click over https, and in its footer."""
    thread = thread_of(out)
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = out.chat_id
    mail["Subject"] = subject_of(out, thread)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = new_message_id(thread, domain)
    references = [f"<{thread}@{domain}>"] if thread and thread.startswith("hd-") else []
    answered = out.reply_to if out.reply_to and MSGID.match(out.reply_to) else None
    if answered:
        mail["In-Reply-To"] = answered
        references.append(answered)
    if references:
        mail["References"] = " ".join(dict.fromkeys(references))
    mail["Auto-Submitted"] = "auto-replied" if answered else "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office notes back
    mailto = f"<mailto:{sender.addr_spec}?subject=unsubscribe>"
    unsubscribe = unsubscribe_url if not answered else None
    if not answered:
        mail["List-Unsubscribe"] = f"<{unsubscribe}>, {mailto}" if unsubscribe else mailto
        if unsubscribe and unsubscribe.startswith("https://"):
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the mail program POSTs
    if out.lang:
        mail["Content-Language"] = out.lang
    text = out.text.strip() + "".join(f"\n\n{b.text}: {b.url}" for row in out.buttons for b in row if b.url)
    if (options := reply_options(out)) is not None:
        text += "\n\n" + options
    if unsubscribe:
        text += "\n\n-- \n" + say(out.lang or "ru", UNSUBSCRIBE, url=unsubscribe)
    mail.set_content(text + "\n")
    mail.add_alternative(html_body(out, unsubscribe), subtype="html")
    return mail
