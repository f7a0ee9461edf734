"""When to send the supervisors' daily digest: once a day after DIGEST_AT in DIGEST_TZ, never twice.

"Sent today" is kept in the database (the inbound log doubles as a table of keys handled once), so a restart
or a second worker process does not send the same day's digest again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogue.digest import digest_figures, send_digest
from dialogue.engine import DialogueEngine
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from helpdesk.settings import parse_local_time


def parse_at(text: str) -> time:
    """Parse DIGEST_AT, "HH:MM" from 00:00 to 23:59 (`Settings` checks it the same way when it is read).

    Raises:
        ValueError: anything else; the message names DIGEST_AT and gives an example.
    """
    try:
        return parse_local_time(text)
    except ValueError as exc:
        raise ValueError(f"DIGEST_AT: {exc}") from None


async def send_daily_digest_if_due(engine: DialogueEngine, at: str, tz: str) -> bool:
    """Send the digest for yesterday when today's send time has passed and it was not sent; return whether sent."""
    zone = ZoneInfo(tz)
    now = engine.clock()
    local = now.astimezone(zone)
    if local.time() < parse_at(at):
        return False
    today = local.date()
    sent = False

    async def work(uow: DialogueUnitOfWork, now: datetime) -> Outgoing | None:
        nonlocal sent
        if not await uow.inbound.first_time(f"digest:{today.isoformat()}", now):
            return None
        start = datetime.combine(today - timedelta(days=1), time(0), zone)
        figures = await digest_figures(uow, start, datetime.combine(today, time(0), zone))
        out = Outgoing(engine.signer)
        await send_digest(uow, out, figures, (today - timedelta(days=1)).strftime("%d.%m.%Y"))
        sent = True
        return out

    await engine.run_system(work)
    return sent
