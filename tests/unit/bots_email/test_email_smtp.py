"""The SMTP listener answers 250 only once a mail is recorded, and 451 (try again later) when it is not."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from bots.email import EmailChannel, EmailConfig
from dialogue.messages import Inbound, InboundNotRecorded


def _mail() -> EmailMessage:
    m = EmailMessage()
    m["From"] = "olga@client.test"
    m["To"] = "support@desk.test"
    m["Subject"] = "Printer"
    m["Message-ID"] = "<p1@client.test>"
    m.set_content("It jams.")
    m.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="invoice.pdf")
    return m


async def test_a_mail_is_recorded_before_250_and_refused_with_451_when_it_cannot_be(tmp_path: Path) -> None:
    recorded: list[Inbound] = []
    failing = True

    async def record(inbound: Inbound) -> None:
        if failing:
            raise InboundNotRecorded("the database is away")
        recorded.append(inbound)

    config = EmailConfig(
        "support@desk.test", listen_host="127.0.0.1", listen_port=0, attachment_dir=str(tmp_path)
    )
    channel = EmailChannel(record, config)
    port = await channel.start()
    assert port
    try:
        with pytest.raises(aiosmtplib.SMTPDataError) as refused:
            await aiosmtplib.send(_mail(), hostname="127.0.0.1", port=port, timeout=10)
        assert refused.value.code == 451 and recorded == []  # the sending server keeps it and tries again
        failing = False
        await aiosmtplib.send(_mail(), hostname="127.0.0.1", port=port, timeout=10)
        assert [i.dedup_key for i in recorded] == ["mail:p1@client.test"]
        (media,) = recorded[0].media
        assert (media.kind, media.caption, media.mime_type) == ("document", "invoice.pdf", "application/pdf")
        assert await channel.fetch_file(media.file_id) == b"%PDF-1.4 ..."
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):  # not an open relay
            await aiosmtplib.send(_mail(), hostname="127.0.0.1", port=port, recipients=["x@elsewhere.test"])
    finally:
        await channel.stop()
