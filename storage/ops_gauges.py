"""What the database says about the running help desk, for `/metrics` (helpdesk.metrics).

Every process reads the same figures (they are the cluster's, not the process's): queues' backlog and the
age of their oldest item, SLA timers due, SLA alerts and KB answers of the last day. Each is one indexed
query; the caller reads them at most every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import inbox_admin
from storage import outbox_delivery as outbox_store
from storage.sla_tables import sla_alerts, sla_timers
from storage.tables import interactions

KB_KINDS = ("kb_answer", "kb_no_answer", "kb_helped", "kb_not_helped")
DAY = timedelta(days=1)


@dataclass
class OpsGauges:
    """One reading of the cluster-wide gauges."""

    inbox_pending: int = 0
    inbox_dead: int = 0
    inbox_oldest_s: float = 0.0
    outbox_pending: int = 0
    outbox_failed: int = 0
    outbox_oldest_s: float = 0.0
    sla_timers_due: int = 0
    sla_alerts_day: dict[int, int] = field(default_factory=dict)  # escalation level -> alerts sent
    kb_day: dict[str, int] = field(default_factory=dict)  # interaction kind -> count


async def read(session: AsyncSession, now: datetime) -> OpsGauges:
    """Read every gauge in one session."""
    box_in = await inbox_admin.counts(session, now)
    box_out = await outbox_store.counts(session, now)
    due = await session.scalar(
        select(func.count()).where(sla_timers.c.status == "pending", sla_timers.c.due_at <= now)
    )
    alerts = (
        await session.execute(
            select(sla_alerts.c.level, func.count())
            .where(sla_alerts.c.sent_at >= now - DAY)
            .group_by(sla_alerts.c.level)
        )
    ).all()
    kb = (
        await session.execute(
            select(interactions.c.kind, func.count())
            .where(interactions.c.kind.in_(KB_KINDS), interactions.c.at >= now - DAY)
            .group_by(interactions.c.kind)
        )
    ).all()
    return OpsGauges(
        inbox_pending=int(box_in["pending"]),
        inbox_dead=int(box_in["dead"]),
        inbox_oldest_s=float(box_in["oldest_pending_s"]),
        outbox_pending=int(box_out["pending"]),
        outbox_failed=int(box_out["failed"]),
        outbox_oldest_s=float(box_out["oldest_pending_s"]),
        sla_timers_due=int(due or 0),
        sla_alerts_day={int(level): int(n) for level, n in alerts},
        kb_day={str(kind): int(n) for kind, n in kb},
    )
