"""`helpdesk bench email`: inbound mails through the real SMTP path -> tickets and comments, exactly, no loops.

The app runs in this process on a fresh SQLite file with the demo company (the KB off, so that every new mail
must open a ticket), with its SMTP listener on a free port and its relay pointed at a mailbox server (aiosmtpd)
that stands for the clients' mail. Over SMTP (aiosmtplib, `--connections` at once) it sends, in two phases:

1. new mails, each from its own address (spread over 20 domains): each must open one ticket whose
   description is the mail's subject and words, and be answered once with the ticket number;
2. replies to those answers (In-Reply-To our Message-ID, with the quoted answer below), out-of-office
   auto-replies to them (Auto-Submitted) and bounces (multipart/report from MAILER-DAEMON with the null sender),
   shuffled together: each reply must become one comment with exactly its words, and nothing may answer an
   auto-reply or a bounce or open a ticket from one.

It prints `{"mails", "tickets", "comments", "loops", "lost", "p95_ms", ...}`: `loops` counts our mails that
answer an automatic mail and tickets opened from one, `lost` the mails taken with 250 whose ticket or comment
never appeared (or differs from what was sent); `p95_ms` is a new mail's time from its first SMTP byte to our
answer arriving in the mailbox (listener, inbox, dialogue turn, outbox, delivery, relay), `smtp_p95_ms` the
time to the listener's 250 (the mail recorded).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import click
from sqlalchemy import select

from helpdesk.cli.bench import bench
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from storage.migrate import upgrade
from storage.tables import comments, tickets
from tests.support.mailbox import Mailbox

SUPPORT = "support@desk.test"
DOMAINS = 20


def _p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _mail(sender: str, subject: str, body: str, message_id: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = headers.pop("From", sender)
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = message_id
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


class Sender:
    """SMTP connections to the app's listener, `connections` at once, each mail timed to its 250."""

    def __init__(self, port: int, connections: int) -> None:
        self.port = port
        self.slots = asyncio.Semaphore(connections)
        self.smtp_ms: list[float] = []
        self.refused = 0

    async def send(self, mail: EmailMessage, envelope_from: str | None = None) -> float:
        """Send one mail; returns when it started (monotonic seconds)."""
        async with self.slots:
            started = time.monotonic()
            try:
                async with aiosmtplib.SMTP(hostname="127.0.0.1", port=self.port, timeout=60) as smtp:
                    sender = envelope_from if envelope_from is not None else str(mail["From"])
                    await smtp.sendmail(sender, [SUPPORT], bytes(mail))
            except aiosmtplib.SMTPException:
                self.refused += 1
                raise
            self.smtp_ms.append((time.monotonic() - started) * 1000)
            return started


async def _run(total: int, connections: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    new_n = total * 2 // 5
    reply_n = total * 3 // 10
    auto_n = (total - new_n - reply_n) // 2
    bounce_n = total - new_n - reply_n - auto_n
    with tempfile.TemporaryDirectory(prefix="helpdesk-email-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        await seed_demo(Settings(database_url=url, kb_embedder="none"))  # type: ignore[call-arg]
        async with Mailbox() as box:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=url,
                kb_embedder="none",
                kb_cache_dir=None,
                worker_poll_s=0.05,
                email_address=SUPPORT,
                smtp_listen="127.0.0.1:0",
                email_relay=f"127.0.0.1:{box.port}",
                email_attachment_dir=str(Path(tmp) / "mail"),
                email_per_domain_per_min=100_000,
            )
            rt = await build_runtime(settings, load_kb=False, nlu=None, load_nlu=False)
            await rt.start()
            try:
                assert rt.email is not None and rt.email.listener is not None
                return await _drive(
                    rt,
                    box,
                    Sender(rt.email.listener.port, connections),
                    rng,
                    (new_n, reply_n, auto_n, bounce_n),
                )
            finally:
                await rt.close()


async def _drive(
    rt: Any, box: Mailbox, sender: Sender, rng: random.Random, counts: tuple[int, ...]
) -> dict[str, Any]:
    new_n, reply_n, auto_n, bounce_n = counts
    async with rt.sessions() as session:
        tickets_before = len((await session.execute(select(tickets.c.id))).all())
        comments_before = len((await session.execute(select(comments.c.id))).all())

    # Phase 1: new mails -> tickets, each answered once.
    news = []
    for i in range(new_n):
        address = f"client{i}@c{i % DOMAINS}.test"
        subject = (
            f"Bench request {i}: the {rng.choice(['printer', 'boiler', 'door', 'lamp'])} in room {i % 97}"
        )
        body = f"Request {i} says what is wrong, in words of its own ({rng.getrandbits(32):08x})."
        news.append((address, subject, body, f"<new{i}@c{i % DOMAINS}.test>"))
    started: dict[str, float] = {}

    async def send_new(item: tuple[str, str, str, str]) -> None:
        address, subject, body, mid = item
        started[mid] = await sender.send(_mail(address, subject, body, mid))

    await asyncio.gather(*(send_new(n) for n in news))
    await box.wait_for(new_n, within_s=600)
    answers = {str(m["In-Reply-To"]): m for m in box.mails}
    arrivals = {str(m["In-Reply-To"]): at for m, at in zip(box.mails, box.arrivals, strict=True)}
    e2e_ms = [(arrivals[mid] - when) * 1000 for mid, when in started.items() if mid in arrivals]

    # Phase 2: replies, auto-replies and bounces, shuffled.
    work: list[tuple[str, EmailMessage, str | None]] = []
    replies: dict[str, str] = {}
    automatic_ids: set[str] = set()
    picks = rng.sample(range(new_n), k=min(new_n, max(reply_n, auto_n)))
    for k in range(reply_n):
        address, subject, _, mid = news[picks[k % len(picks)]]
        answer = answers[mid]
        words = f"Follow-up {k} to {subject.split(':')[0]}: still not fixed ({rng.getrandbits(32):08x})."
        quoted = "\n> ".join(answer.get_body(("plain",)).get_content().splitlines())  # type: ignore[union-attr]
        body = f"{words}\n\nOn Mon, Dec 7, 2026 at 10:15 AM Helpdesk <{SUPPORT}> wrote:\n> {quoted}"
        rid = f"<reply{k}@{address.split('@')[1]}>"
        replies[rid] = words
        work.append(
            (
                "reply",
                _mail(
                    address,
                    "Re: " + str(answer["Subject"]),
                    body,
                    rid,
                    In_Reply_To=str(answer["Message-ID"]),
                    References=f"{mid} {answer['Message-ID']}",
                ),
                None,
            )
        )
    for k in range(auto_n):
        address, _, _, mid = news[picks[k % len(picks)]]
        answer = answers[mid]
        aid = f"<oof{k}@{address.split('@')[1]}>"
        automatic_ids.add(aid)
        work.append(
            (
                "auto",
                _mail(
                    address,
                    "Automatic reply: " + str(answer["Subject"]),
                    "I am out of the office until Monday.",
                    aid,
                    Auto_Submitted="auto-replied",
                    In_Reply_To=str(answer["Message-ID"]),
                ),
                None,
            )
        )
    for k in range(bounce_n):
        bid = f"<bounce{k}@mx.test>"
        automatic_ids.add(bid)
        dsn = _mail(
            "MAILER-DAEMON@mx.test",
            "Undelivered Mail Returned to Sender",
            f"Delivery to nobody{k}@gone.test failed.",
            bid,
        )
        dsn.make_mixed()
        dsn.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
        work.append(("bounce", dsn, ""))
    rng.shuffle(work)
    await asyncio.gather(*(sender.send(mail, envelope) for _, mail, envelope in work))

    # Wait until every reply is a comment (or the time is up), then a little longer for anything stray.
    deadline = time.monotonic() + 300
    said: list[str] = []
    while time.monotonic() < deadline:
        async with rt.sessions() as session:
            rows = (await session.execute(select(comments.c.text, comments.c.author))).all()
        said = [r.text for r in rows if (r.author or {}).get("role") == "client"]
        if len(said) >= len(replies):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)
    async with rt.sessions() as session:
        opened = (await session.execute(select(tickets.c.description, tickets.c.source_channel))).all()
        rows = (await session.execute(select(comments.c.text, comments.c.author))).all()
    said = [r.text for r in rows if (r.author or {}).get("role") == "client"]
    mailed = [r.description for r in opened if r.source_channel == "email"]
    sent_tickets = sorted(f"{s}\n\n{b}" for _, s, b, _ in news)
    loops = sum(1 for m in box.mails if str(m["In-Reply-To"]) in automatic_ids)
    loops += sum(1 for d in mailed if "out of the office" in d or "Delivery to" in d)
    lost = len(set(sent_tickets) - set(mailed)) + len(set(replies.values()) - set(said))
    return {
        "mails": len(news) + len(work),
        "new": len(news),
        "replies": reply_n,
        "auto_replies": auto_n,
        "bounces": bounce_n,
        "tickets": len(opened) - tickets_before,
        "comments": len(rows) - comments_before,
        "tickets_match": sorted(mailed) == sent_tickets,
        "comments_match": sorted(said) == sorted(replies.values()),
        "answers_mailed": len(box.mails),
        "loops": loops,
        "lost": lost,
        "refused": sender.refused,
        "p95_ms": _p(e2e_ms, 0.95),
        "p50_ms": _p(e2e_ms, 0.5),
        "smtp_p95_ms": _p(sender.smtp_ms, 0.95),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


@bench.command("email")
@click.option(
    "--mails",
    default=1000,
    show_default=True,
    help="Mails to send in all (2/5 new, 3/10 replies, the rest automatic).",
)
@click.option("--connections", default=8, show_default=True, help="SMTP connections at once.")
@click.option("--seed", default=21, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def email_bench(mails: int, connections: int, seed: int, as_json: bool) -> None:
    """Inbound mails through the real SMTP listener: tickets and comments exactly as sent, no loops."""
    result = asyncio.run(_run(mails, connections, seed))
    click.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
