"""The email channel: mail in (an SMTP listener) -> `Inbound`, `Outbound` -> mail out through an SMTP relay.

`parse` reads one mail into the neutral `Inbound`, `safety` tells automatic mail (auto-replies, bounces) that
must never be answered, `quotes` cuts quoted history and signatures off a reply, `html` sanitises HTML and
reads its text, `smtp_in` is the listener and `compose` / `sender` write and send our mails.
"""

from bots.email.channel import EmailChannel, EmailConfig

__all__ = ["EmailChannel", "EmailConfig"]
