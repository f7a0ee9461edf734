"""When to send the billing notices (`dialogue.billing_notices`): after DIGEST_AT in DIGEST_TZ, checked with the
digest; contract endings every day, the debtors list on Mondays. Each notice is claimed in the database, so a
second check or a second worker never sends it again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dialogue.billing_notices import contract_endings, weekly_debtors
from dialogue.engine import DialogueEngine
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from helpdesk.digest import parse_at


async def send_billing_notices_if_due(engine: DialogueEngine, at: str, tz: str) -> int:
    """Send the notices due today (none before the digest's time); return how many went out."""
    local = engine.clock().astimezone(ZoneInfo(tz))
    if local.time() < parse_at(at):
        return 0
    sent = 0

    async def work(uow: DialogueUnitOfWork, now: datetime) -> Outgoing:
        nonlocal sent
        out = Outgoing(engine.signer)
        sent = await contract_endings(uow, out, local.date(), now)
        sent += int(await weekly_debtors(uow, out, local.date(), now))
        return out

    await engine.run_system(work)
    return sent
