"""IMAP inbound against a real dovecot: mail in the support mailbox opens a ticket, with IDLE and by polling.

The mail is put in the mailbox with IMAP APPEND (as the company's mail server would deliver it); the app reads
it, records it, answers through the relay and marks it taken (a keyword) without marking it read.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from bots.email.imap_in import TAKEN
from storage.tables import tickets
from tests.e2e.test_email import _copy_db, client_mail, count, desk
from tests.support.dovecot import DOVECOT, Dovecot, running_dovecot
from tests.support.mailbox import Mailbox

pytestmark = pytest.mark.skipif(
    DOVECOT is None,
    reason="dovecot is not installed (scripts/install_dovecot.sh: apt-get install dovecot-imapd)",
)


def _append(server: Dovecot, *mails: EmailMessage) -> None:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    for mail in mails:
        client.append("INBOX", bytes(mail))
    client.logout()


def _flags(server: Dovecot) -> list[set[bytes]]:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    client.select_folder("INBOX", readonly=True)
    found = client.fetch(client.search(["ALL"]), ["FLAGS"])
    client.logout()
    return [set(found[uid][b"FLAGS"]) for uid in sorted(found)]


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
async def test_mail_in_the_support_mailbox_opens_a_ticket(
    demo_db_template: Path, tmp_path: Path, idle: bool
) -> None:
    db = _copy_db(demo_db_template, tmp_path / "imap.db")
    with running_dovecot() as server:
        async with (
            Mailbox() as olga,
            desk(
                db,
                "support@desk.test",
                olga.port,
                email_imap=f"{server.host}:{server.port}",
                email_imap_user=server.user,
                email_imap_password=server.password,
                email_imap_ssl=False,
                # With IDLE the poll interval is long: a mail taken at once shows that IDLE woke the poller.
                email_imap_poll_s=60.0 if idle else 0.5,
                email_imap_idle=idle,
            ) as rt,
        ):
            assert rt.email is not None and rt.email.imap is not None
            before = await count(rt, tickets)
            await asyncio.sleep(1.0)  # the poller is connected and waiting (in IDLE, or between polls)
            first = client_mail(
                "The entrance door's card reader is dead since this morning.",
                "Card reader",
                "<i1@client.test>",
            )
            await asyncio.to_thread(_append, server, first)
            answer = (await olga.wait_for(1, within_s=20))[0]
            assert str(answer["Subject"]).startswith("Request HD-"), answer.as_string()
            assert answer["In-Reply-To"] == "<i1@client.test>"
            assert await count(rt, tickets) == before + 1
            assert rt.email.imap.idle_supported is idle

            # The same mail again (a second delivery) and an auto-reply: taken, and nothing comes of them.
            oof = client_mail(
                "Away until Monday.", "Out of office", "<i2@client.test>", Auto_Submitted="auto-replied"
            )
            await asyncio.to_thread(_append, server, first, oof)
            for _ in range(400):
                if rt.email.imap.taken >= 3:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)
            assert rt.email.imap.taken == 3
            assert await count(rt, tickets) == before + 1 and len(olga.mails) == 1
            flags = await asyncio.to_thread(_flags, server)
            assert all(TAKEN.encode() in f for f in flags) and not any(b"\\Seen" in f for f in flags)
