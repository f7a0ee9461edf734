"""Automatic mail: auto-replies, out-of-office notes, bounces and bulk mail never open tickets nor get answers.

Two help desks (or a help desk and a vacation responder) that answer each other's mail would write forever;
RFC 3834 says an automatic responder must not answer mail that is itself automatic. What counts, by what the
big mail systems actually send: `Auto-Submitted` other than "no" (RFC 3834), `Precedence: bulk|junk|list|
auto_reply`, Microsoft's `X-Autoreply` / `X-Autorespond`, a delivery status notification
(`multipart/report`, RFC 3464) and the null sender `<>` that bounces come from (RFC 5321 4.5.5).
"""

from __future__ import annotations

from email.message import EmailMessage

AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
DAEMONS = ("mailer-daemon@", "postmaster@")


def automatic_reason(mail: EmailMessage, envelope_from: str | None = None) -> str | None:
    """Why this mail is automatic ("auto-submitted", "bounce"...), or None for a mail a person wrote.

    Args:
        mail: the parsed mail.
        envelope_from: the SMTP `MAIL FROM` address when the mail came over SMTP ("" for the null sender);
            None when it is not known (a mail read from a mailbox reads its Return-Path instead).
    """
    auto = str(mail.get("Auto-Submitted", "")).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return "auto-submitted"
    if str(mail.get("Precedence", "")).strip().lower() in AUTO_PRECEDENCE:
        return "precedence"
    if mail.get("X-Autoreply") is not None or mail.get("X-Autorespond") is not None:
        return "x-autoreply"
    if mail.get_content_type() == "multipart/report":
        return "bounce"
    if envelope_from is None:
        return_path = mail.get("Return-Path")
        envelope_from = None if return_path is None else str(return_path).strip().strip("<>")
    if envelope_from == "":
        return "null-sender"
    sender = str(mail.get("From", "")).lower()
    if any(daemon in sender for daemon in DAEMONS):
        return "bounce"
    return None
