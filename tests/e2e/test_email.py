"""The email channel end to end: real SMTP in (the app's aiosmtpd listener), real SMTP out (to a mailbox server).

A new mail opens a ticket and its answer names the number, threaded on the mail; a reply becomes a comment
without its quoted history; a resend is one message; auto-replies and bounces are taken and never answered;
two help desks that mail each other do not loop; an unknown sender is turned away politely when so set.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import func, select

from dialogue.cards import rating_buttons
from dialogue.i18n import say
from dialogue.messages import Bot, Button, Channel, Outbound
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from storage.tables import tickets
from tests.support.mailbox import Mailbox
from ticket_core import usecases as uc
from ticket_core.enums import Role, TicketStatus
from ticket_core.model import Actor
from ticket_core.utc import utcnow


def _copy_db(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return target


@asynccontextmanager
async def desk(db: Path, address: str, relay_port: int, **extra: Any) -> AsyncIterator[Runtime]:
    """One help desk on `db` listening for mail on a free port and sending through 127.0.0.1:relay_port."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        secret_key="email-e2e-secret",
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.05,
        email_address=address,
        smtp_listen="127.0.0.1:0",
        email_relay=f"127.0.0.1:{relay_port}",
        email_attachment_dir=str(db.parent / f"mail-{address}"),
        **extra,
    )
    rt = await build_runtime(settings, nlu=None, load_nlu=False)
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()


def listen_port(rt: Runtime) -> int:
    assert rt.email is not None and rt.email.listener is not None
    return rt.email.listener.port


def client_mail(body: str, subject: str, message_id: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = headers.pop("From", "Olga Client <olga@client.test>")
    m["To"] = headers.pop("To", "support@desk.test")
    m["Subject"] = subject
    m["Message-ID"] = message_id
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


async def send(port: int, mail: EmailMessage, sender: str | None = None) -> None:
    if sender is None:
        await aiosmtplib.send(mail, hostname="127.0.0.1", port=port, timeout=10)
        return
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10) as smtp:
        await smtp.sendmail(sender, [str(mail["To"])], bytes(mail))  # MAIL FROM:<sender>, "" is <>


async def count(rt: Runtime, table: Any) -> int:
    async with rt.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def eventually(check: Any, within_s: float = 15.0) -> None:
    """Wait until `check()` holds; the app gives no event to wait on, so it is polled."""
    for _ in range(int(within_s / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{check.__name__} did not come true within {within_s} s")


@pytest.fixture
def dbs(demo_db_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    return _copy_db(demo_db_template, tmp_path / "a.db"), _copy_db(demo_db_template, tmp_path / "b.db")


async def test_a_mail_opens_a_ticket_and_a_reply_becomes_its_comment(dbs: tuple[Path, Path]) -> None:
    async with Mailbox() as olga, desk(dbs[0], "support@desk.test", olga.port) as rt:
        port = listen_port(rt)
        before = await count(rt, tickets)
        first = client_mail(
            "Water is dripping from the ceiling unit in meeting room 3.\n\nKind Regards,\nOlga",
            "Air conditioner leaking",
            "<m1@client.test>",
        )
        await send(port, first)
        await send(port, first)  # a resend (the sender did not see our 250): the same message
        kb = (await olga.wait_for(1))[0]
        # The KB is sure: the article comes back by mail, threaded on the question, and no ticket yet.
        assert kb["Subject"] == "Answer to your question: Air conditioner leaking"
        assert kb["In-Reply-To"] == "<m1@client.test>" and str(kb["Message-ID"]).startswith("<kb.")
        assert "Air conditioner is leaking water" in kb.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert await count(rt, tickets) == before

        # "It did not help": a reply to the KB answer opens the ticket from what the reply says.
        await send(
            port,
            client_mail(
                "Did that, still dripping.\n\nOn Mon, Dec 7, 2026 at 10:15 AM Helpdesk <support@desk.test> wrote:"
                "\n> Hello! Here is the answer from our knowledge base:",
                "Re: Answer to your question: Air conditioner leaking",
                "<m2@client.test>",
                In_Reply_To=str(kb["Message-ID"]),
                References=f"<m1@client.test> {kb['Message-ID']}",
            ),
        )
        answer = (await olga.wait_for(2))[1]
        assert await count(rt, tickets) == before + 1, answer.as_string()
        subject = str(answer["Subject"])
        assert subject.startswith("Request HD-") and subject.endswith(": Air conditioner leaking")
        ref = subject.split(":")[0].removeprefix("Request ")
        assert answer["In-Reply-To"] == "<m2@client.test>"
        assert str(answer["Message-ID"]).startswith(f"<{ref.lower()}.")
        assert answer["Auto-Submitted"] == "auto-replied"
        assert answer.get_content_type() == "multipart/alternative"
        text = answer.get_body(("plain",))
        assert text is not None and ref in text.get_content()
        async with rt.uows() as uow:
            ticket = await uow.tickets.get_by_number(int(ref[3:]))
        assert ticket is not None and ticket.source_channel == "email"
        assert ticket.description == "Air conditioner leaking\n\nDid that, still dripping."

        reply = client_mail(
            "It is getting worse, please hurry.\n\nOn Mon, Dec 7, 2026 at 10:15 AM Helpdesk "
            "<support@desk.test> wrote:\n> " + text.get_content().replace("\n", "\n> "),
            "Re: " + subject,
            "<m3@client.test>",
            In_Reply_To=str(answer["Message-ID"]),
            References=f"<m2@client.test> {answer['Message-ID']}",
        )
        await send(port, reply)

        async def commented() -> bool:
            async with rt.uows() as uow:
                said = await uow.comments.list_for_ticket(ticket.id, include_internal=False)
            return [c.text for c in said if c.author.role == "client"] == [
                "It is getting worse, please hurry."
            ]

        await eventually(commented)
        await asyncio.sleep(0.5)
        assert await count(rt, tickets) == before + 1
        assert len(olga.mails) == 2  # a follow-up is not acknowledged by mail: the ticket has it

        # The other side's public comment reaches the client by mail, in the ticket's thread.
        async with rt.uows() as uow:
            sup = (await uow.directory.list_staff(Role.SUPERVISOR))[0]
        actor = Actor(Role.SUPERVISOR, sup.id, name=sup.name)

        async def comment(uow: Any, now: Any) -> None:
            await uc.add_comment(uow, actor, ticket.id, now, "An engineer comes at 3 pm today.")

        await rt.engine.run_system(comment)
        rt.wake_delivery()
        note = (await olga.wait_for(3))[2]
        assert ref in str(note["Subject"])
        assert "An engineer comes at 3 pm today." in note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert note["Auto-Submitted"] == "auto-generated" and note["List-Unsubscribe"] is not None
        assert str(note["References"]).startswith(f"<{ref.lower()}@desk.test>")  # threaded with the ticket

        # Resolved (arranged in storage: the engineer's steps are not this test's): the rating request's
        # buttons become words to reply with, and a reply "5 - ..." rates it and closes it.
        async with rt.uows() as uow:
            done = await uow.tickets.get(ticket.id)
            assert done is not None
            done.status = TicketStatus.RESOLVED
            await uow.tickets.update(done)
            await uow.commit()
        async with rt.uows() as uow:
            await uow.outbox.add(
                "email",
                "client",
                "olga@client.test",
                Outbound(
                    Channel.EMAIL,
                    Bot.CLIENT,
                    "olga@client.test",
                    say(
                        "en",
                        "Request {ref} is done.\nWhat was done: {note}\n\nPlease rate the work from 1 to 5:",
                        ref=ref,
                        note="Drain cleaned.",
                    ),
                    tuple(
                        tuple(Button(label, payload) for label, payload in row)
                        for row in rating_buttons(done, "en")
                    ),
                    lang="en",
                ).to_dict(),
                utcnow(),
            )
            await uow.commit()
        rt.wake_delivery()
        request = (await olga.wait_for(4))[3]
        plain = request.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "To answer, reply to this mail with: 1 / 2 / 3 / 4 / 5 / Not fixed." in plain
        await send(
            port,
            client_mail(
                "5 - quick and tidy, thank you!\n\nOn Mon, Dec 7, 2026 at 10:15 AM Helpdesk <support@desk.test> wrote:"
                "\n> Please rate the work from 1 to 5:",
                "Re: " + str(request["Subject"]),
                "<m4@client.test>",
                In_Reply_To=str(request["Message-ID"]),
            ),
        )
        thanks = (await olga.wait_for(5))[4]
        assert "Thank you for rating 5!" in thanks.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        async with rt.uows() as uow:
            rated = await uow.tickets.get(ticket.id)
        assert rated is not None and (rated.status, rated.rating) == (TicketStatus.CLOSED, 5)
        assert rated.rating_comment == "quick and tidy, thank you!"


async def test_auto_replies_and_bounces_are_taken_and_never_answered(dbs: tuple[Path, Path]) -> None:
    async with Mailbox() as olga, desk(dbs[0], "support@desk.test", olga.port) as rt:
        port = listen_port(rt)
        before = await count(rt, tickets)
        await send(
            port,
            client_mail(
                "I am away until Monday.", "Out of office", "<oof@client.test>", Auto_Submitted="auto-replied"
            ),
        )
        await send(port, client_mail("Away.", "Automatic reply", "<x1@client.test>", X_Autoreply="yes"))
        await send(port, client_mail("Weekly digest", "News", "<n1@client.test>", Precedence="bulk"))
        await send(port, client_mail("Undeliverable", "Failure", "<b1@mx.test>"), sender="")  # MAIL FROM:<>
        dsn = client_mail("Delivery failed", "Undelivered Mail", "<b2@mx.test>", From="postmaster@mx.test")
        dsn.make_mixed()
        dsn.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
        await send(port, dsn)
        await asyncio.sleep(1.0)
        assert rt.email is not None and rt.email.dropped_automatic == 5
        assert await count(rt, tickets) == before and olga.mails == []


async def test_two_help_desks_mailing_each_other_do_not_loop(dbs: tuple[Path, Path]) -> None:
    """Desk A's client is desk B's support address: A's answer reaches B, which must not answer it."""
    async with Mailbox() as nobody:
        async with desk(dbs[1], "support@b.test", nobody.port) as b:
            async with desk(dbs[0], "support@a.test", listen_port(b)) as a:
                assert b.email is not None and b.email.config.relay_port == nobody.port
                # B sends to A: point B's relay at A now that A listens.
                object.__setattr__(b.email.config, "relay_port", listen_port(a))
                a_before, b_before = await count(a, tickets), await count(b, tickets)
                await send(
                    listen_port(a),
                    client_mail(
                        "Our boiler is cold.",
                        "Boiler",
                        "<l1@b.test>",
                        From="support@b.test",
                        To="support@a.test",
                    ),
                )

                async def answered() -> bool:
                    return b.email is not None and b.email.dropped_automatic == 1

                await eventually(answered)
                await asyncio.sleep(1.5)  # time for a loop to show, if there were one
                assert await count(a, tickets) == a_before + 1
                assert await count(b, tickets) == b_before
                assert a.email is not None and a.email.dropped_automatic == 0
                assert nobody.mails == []


async def test_an_unknown_sender_is_turned_away_politely_when_so_set(dbs: tuple[Path, Path]) -> None:
    async with (
        Mailbox() as stranger,
        desk(dbs[0], "support@desk.test", stranger.port, email_unknown_senders="reject") as rt,
    ):
        before = await count(rt, tickets)
        await send(listen_port(rt), client_mail("Fix my printer", "Printer", "<s1@x.test>", From="s@x.test"))
        answer = (await stranger.wait_for(1))[0]
        text = answer.get_body(("plain",))
        assert text is not None and "s@x.test" in text.get_content()
        assert await count(rt, tickets) == before
        # A contact the directory knows by this address is no stranger, though they never wrote by mail.
        async with rt.uows() as uow:
            contact = (await uow.directory.list_contacts())[0]
            contact.email = "known@x.test"
            await uow.directory.update_contact(contact)
            await uow.commit()
        await send(
            listen_port(rt), client_mail("Fix my printer", "Printer", "<s2@x.test>", From="known@x.test")
        )
        opened = (await stranger.wait_for(2))[1]
        assert str(opened["Subject"]).startswith("Request HD-") or str(opened["Subject"]).startswith(
            "Заявка HD-"
        )
        assert await count(rt, tickets) == before + 1


async def test_a_mail_over_the_size_limit_is_refused_while_it_arrives(dbs: tuple[Path, Path]) -> None:
    async with Mailbox() as olga, desk(dbs[0], "support@desk.test", olga.port, email_max_mb=1) as rt:
        big = client_mail("x" * (1100 * 1024), "Big", "<big@client.test>")
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(listen_port(rt), big)
        assert refused.value.code == 552


async def test_a_contact_known_by_address_writes_for_their_company(dbs: tuple[Path, Path]) -> None:
    """The directory knows a demo company's contact by mail address: their mail is that contact's, as a
    WhatsApp number is the contact known by that phone (no new private client)."""
    async with Mailbox() as box, desk(dbs[0], "support@desk.test", box.port) as rt:
        async with rt.uows() as uow:
            contact = next(c for c in await uow.directory.list_contacts() if c.phone)
            contact.email = "Known.Person@Company.test"
            await uow.directory.update_contact(contact)
            clients_before = len(await uow.directory.list_contacts())
            await uow.commit()
        await send(
            listen_port(rt),
            client_mail(
                "The badge reader at the back entrance is dead, nobody can get in.",
                "Badge reader",
                "<k1@company.test>",
                From="Known Person <known.person@company.test>",
            ),
        )
        answer = (await box.wait_for(1))[0]
        ref = str(answer["Subject"]).split(":")[0].split()[-1]
        async with rt.uows() as uow:
            ticket = await uow.tickets.get_by_number(int(ref.removeprefix("HD-")))
            assert len(await uow.directory.list_contacts()) == clients_before  # nobody new
        assert ticket is not None, answer.as_string()
        assert (ticket.contact_id, ticket.client_id) == (contact.id, contact.client_id)
