"""`SqlOfferRepository`: job offers to engineers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import offers
from ticket_core.enums import OfferStatus
from ticket_core.model import Offer


def offer_from_row(row: RowMapping) -> Offer:
    """Build an `Offer` from an offers row."""
    return Offer(
        id=row["id"],
        ticket_id=row["ticket_id"],
        engineer_id=row["engineer_id"],
        status=OfferStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        reason=row["reason"],
        decided_at=row["decided_at"],
        score=row["score"],
    )


class SqlOfferRepository:
    """Offers in SQL; implements `ticket_core.ports.OfferRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, offer: Offer) -> None:
        """Insert an offer."""
        await self.session.execute(
            offers.insert().values(
                id=offer.id,
                ticket_id=offer.ticket_id,
                engineer_id=offer.engineer_id,
                status=str(offer.status),
                created_at=offer.created_at,
                expires_at=offer.expires_at,
                reason=offer.reason,
                decided_at=offer.decided_at,
                score=offer.score,
            )
        )

    async def get(self, offer_id: str) -> Offer | None:
        """Return an offer by id."""
        row = (await self.session.execute(select(offers).where(offers.c.id == offer_id))).mappings().first()
        return offer_from_row(row) if row else None

    async def list_for_ticket(self, ticket_id: str, status: OfferStatus | None = None) -> list[Offer]:
        """Offers of a ticket, oldest first, optionally of one status."""
        stmt = select(offers).where(offers.c.ticket_id == ticket_id)
        if status is not None:
            stmt = stmt.where(offers.c.status == str(status))
        stmt = stmt.order_by(offers.c.created_at, offers.c.id)
        return [offer_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def set_status(
        self, offer_id: str, status: OfferStatus, at: datetime, reason: str | None = None
    ) -> None:
        """Change an offer's status and decision time."""
        await self.session.execute(
            update(offers)
            .where(offers.c.id == offer_id)
            .values(status=str(status), decided_at=at, reason=reason)
        )

    async def list_expired(self, now: datetime, limit: int = 100) -> list[Offer]:
        """Pending offers whose `expires_at` is at or before `now`, soonest expired first."""
        stmt = (
            select(offers)
            .where(offers.c.status == str(OfferStatus.PENDING), offers.c.expires_at <= now)
            .order_by(offers.c.expires_at, offers.c.id)
            .limit(limit)
        )
        return [offer_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def list_pending_for_engineer(self, engineer_id: str, limit: int = 20) -> list[Offer]:
        """The offers still waiting for this engineer's answer, newest first."""
        stmt = (
            select(offers)
            .where(offers.c.status == str(OfferStatus.PENDING), offers.c.engineer_id == engineer_id)
            .order_by(offers.c.created_at.desc(), offers.c.id)
            .limit(limit)
        )
        return [offer_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def last_offered_at(self, engineer_ids: Sequence[str]) -> dict[str, datetime]:
        """When each engineer last got an offer (engineers never offered anything are absent)."""
        if not engineer_ids:
            return {}
        stmt = (
            select(offers.c.engineer_id, func.max(offers.c.created_at))
            .where(offers.c.engineer_id.in_(list(engineer_ids)))
            .group_by(offers.c.engineer_id)
        )
        return {row[0]: row[1] for row in (await self.session.execute(stmt)).all()}
