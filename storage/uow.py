"""`SqlUnitOfWork`: one database transaction over every repository, with recorded domain events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kb_search.ports import ArticleLists
from storage.admin_store import SqlAdminStore
from storage.api_tokens import SqlApiAudit, SqlApiTokenRepository
from storage.billing_store import SqlBillingStore
from storage.kb_phrasings import SqlPhrasingRepository
from storage.kb_repository import SqlArticleRepository, SqlGapLog
from storage.log_writes import write_logs
from storage.outbox_delivery import OutboxRow
from storage.outbox_direct import DirectClaim
from storage.portal_store import SqlPortalStore
from storage.read_models.articles import SqlArticleLists
from storage.read_models.directory import SqlDirectoryLists
from storage.read_models.tickets import SqlTicketLists
from storage.redis_state import RedisConversationStore, RedisGuard
from storage.repositories import (
    SqlAccountRepository,
    SqlCommentRepository,
    SqlConversationStore,
    SqlDirectoryRepository,
    SqlEventLog,
    SqlInboundLog,
    SqlInteractionLog,
    SqlOfferRepository,
    SqlOutbox,
    SqlTicketRepository,
)
from storage.repositories.equipment import SqlEquipmentRepository
from storage.repositories.events import event_row
from storage.repositories.threads import SqlTicketThreads
from storage.sla_timers import SqlMaintenancePlans, SqlSlaStore
from storage.sqlite_tx import install_begin_immediate, writer_lock
from storage.webhooks_out import SqlWebhookOutbox, SqlWebhookSubscriptions
from ticket_core.events import DomainEvent
from ticket_core.ports import DirectoryLists, TicketLists
from ticket_core.sla.config import SlaConfig, SlaConfigRef


@dataclass(frozen=True)
class OwnRows:
    """The outbox rows a process sends itself: which it claims (`claim`) and what sends them (`send`)."""

    claim: DirectClaim
    send: Callable[[list[OutboxRow]], None]


class SqlUnitOfWork:
    """Implements `ticket_core.ports.UnitOfWork`, `kb_search.ports.KbUnitOfWork` and `dialogue.ports.DialogueUnitOfWork`.

    `async with uow:` begins a transaction; `commit()` first appends the events recorded since the last
    commit to the event log, so they commit together with the change. Leaving the block without a commit
    rolls back. Every repository below is there in every unit; `sla` is None while SLA tracking is off (no
    `sla_config` given).
    On SQLite, units queue on an in-process lock (`storage.sqlite_tx.writer_lock`) before they begin.
    """

    _holders: ClassVar[dict[int, asyncio.Task[Any] | None]] = {}  # which task holds each SQLite lock
    tickets: SqlTicketRepository
    offers: SqlOfferRepository
    directory: SqlDirectoryRepository
    accounts: SqlAccountRepository
    comments: SqlCommentRepository
    events: SqlEventLog
    outbox: SqlOutbox
    inbound: SqlInboundLog
    conversations: SqlConversationStore | RedisConversationStore
    interactions: SqlInteractionLog
    threads: SqlTicketThreads
    phrasings: SqlPhrasingRepository
    articles: SqlArticleRepository
    kb_gaps: SqlGapLog
    maintenance: SqlMaintenancePlans
    equipment: SqlEquipmentRepository
    sla: SqlSlaStore | None
    admin: SqlAdminStore
    kb_audit: SqlAdminStore  # KB changes in the admin audit log (kb_search.editing)
    portal: SqlPortalStore
    webhooks: SqlWebhookSubscriptions
    webhooks_out: SqlWebhookOutbox
    api_tokens: SqlApiTokenRepository
    api_audit: SqlApiAudit
    billing: SqlBillingStore
    # Read models (storage.read_models): the lists the admin and the REST API show.
    ticket_lists: TicketLists  # the ports, so that the admin and the API can use nothing else
    article_lists: ArticleLists
    directory_lists: DirectoryLists

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        redis: RedisGuard | None = None,
        sla_config: SlaConfig | SlaConfigRef | None = None,
        on_outbox: Callable[[], None] | None = None,
        direct: OwnRows | None = None,
        mirror_reads: bool = True,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._mirror_reads = mirror_reads
        self._on_outbox = on_outbox
        self._direct = direct
        self._redis = redis
        self._sla_config = sla_config
        self._session: AsyncSession | None = None
        self._recorded: list[DomainEvent] = []
        self._written = 0
        self._lock: asyncio.Lock | None = None

    @property
    def session(self) -> AsyncSession:
        """The unit's session, for repositories that live outside `storage.repositories`."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:` first")
        return self._session

    def record(self, event: DomainEvent) -> None:
        """Keep a domain event; it is written to the event log on the next commit."""
        self._recorded.append(event)

    @property
    def collected(self) -> list[DomainEvent]:
        """Every event recorded in this unit, committed or not, oldest first."""
        return list(self._recorded)

    async def __aenter__(self) -> Self:
        lock = writer_lock(self._sessionmaker.kw.get("bind"))
        if lock is not None:
            if self._holders.get(id(lock)) is asyncio.current_task():
                raise RuntimeError("a unit of work is already open in this task: SQLite would wait on itself")
            await lock.acquire()
            self._holders[id(lock)] = asyncio.current_task()
            self._lock = lock
        session = self._sessionmaker()
        try:
            await session.begin()
        except BaseException:
            await session.close()  # the database refused to begin: give the connection back
            self._release()
            raise
        self._session = session
        self.tickets = SqlTicketRepository(session)
        self.offers = SqlOfferRepository(session)
        self.directory = SqlDirectoryRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.comments = SqlCommentRepository(session)
        self.events = SqlEventLog(session)
        self.outbox = SqlOutbox(session, self._direct.claim if self._direct is not None else None)
        self.inbound = SqlInboundLog(session)
        sql_conversations = SqlConversationStore(session)
        self.conversations = (
            RedisConversationStore(sql_conversations, self._redis, reads=self._mirror_reads)
            if self._redis is not None
            else sql_conversations
        )
        self.interactions = SqlInteractionLog(session)
        self.threads = SqlTicketThreads(session)
        self.phrasings = SqlPhrasingRepository(session)
        self.articles = SqlArticleRepository(session)
        self.kb_gaps = SqlGapLog(session)
        self.maintenance = SqlMaintenancePlans(session)
        self.equipment = SqlEquipmentRepository(session)
        sla_config = self._sla_config
        if isinstance(sla_config, SlaConfigRef):
            sla_config = sla_config.config  # what a reload published last, fixed for this unit
        self.sla = SqlSlaStore(session, sla_config) if sla_config is not None else None
        self.admin = SqlAdminStore(session)
        self.kb_audit = self.admin
        self.portal = SqlPortalStore(session)
        self.webhooks = SqlWebhookSubscriptions(session)
        self.webhooks_out = SqlWebhookOutbox(session)
        self.api_tokens = SqlApiTokenRepository(session)
        self.api_audit = SqlApiAudit(session)
        self.billing = SqlBillingStore(session)
        self.ticket_lists = SqlTicketLists(session)
        self.article_lists = SqlArticleLists(session)
        self.directory_lists = SqlDirectoryLists(session)
        return self

    async def commit(self) -> None:
        """Append pending events (and API audit entries) and commit; Redis mirrors are refreshed after it succeeded."""
        # The events and the request's API audit entries: one statement on PostgreSQL (storage.log_writes).
        events = [event_row(event) for event in self._recorded[self._written :]]
        await write_logs(self.session, events, self.api_audit.take_pending())
        conversations = self.conversations
        if isinstance(conversations, RedisConversationStore):
            await conversations.before_commit()
        await self.session.commit()
        self._written = len(self._recorded)
        claimed, self.outbox.claimed = self.outbox.claimed, []
        if claimed and self._direct is not None:
            self._direct.send(claimed)  # committed: this process sends them now (storage.outbox_direct)
        if self.outbox.queued or self.webhooks_out.queued:
            self.outbox.queued = self.webhooks_out.queued = False
            if self._on_outbox is not None:
                self._on_outbox()  # after the commit: whoever it wakes sees the rows
        if isinstance(conversations, RedisConversationStore):
            await conversations.after_commit()

    async def rollback(self) -> None:
        """Discard every change since the last commit."""
        await self.session.rollback()
        self.outbox.queued = self.webhooks_out.queued = False
        self.outbox.claimed.clear()
        self.api_audit.pending.clear()
        self.tickets.forget()
        if isinstance(self.conversations, RedisConversationStore):
            await self.conversations.after_rollback()

    async def __aexit__(self, *exc: object) -> None:
        session = self._session
        if session is None:
            return
        try:
            if session.in_transaction():
                await self.rollback()
        finally:
            self._session = None
            try:
                await session.close()
            finally:
                self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._holders.pop(id(self._lock), None)
            self._lock.release()
            self._lock = None


class UnitOfWorkFactory:
    """Creates units of work on one session factory; the factory `dialogue.engine.DialogueEngine` runs on.

    On SQLite it installs BEGIN IMMEDIATE on the engine so concurrent writers queue on the busy timeout.
    With `redis`, conversation state is mirrored under `<redis_prefix>conv:<key>` (with `mirror_reads` False
    only fenced: see `storage.redis_state.RedisConversationStore`); `self.redis` is then the
    `RedisGuard` that tells whether Redis answers (the health check reads it). With `sla_config`, units track SLA
    timers and alerts under that configuration (a `SlaConfigRef`: the one it holds when each unit opens).
    `on_outbox` is called after each commit that queued outgoing messages (`storage.notify.Bell.ring`);
    after `send_own_rows`, rows this process can send are claimed in their transaction and handed to it after
    the commit instead (`storage.outbox_direct`).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        redis: Redis | None = None,
        redis_prefix: str = "helpdesk:",
        sla_config: SlaConfig | SlaConfigRef | None = None,
        on_outbox: Callable[[], None] | None = None,
        mirror_reads: bool = True,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.mirror_reads = mirror_reads
        self.on_outbox = on_outbox
        self.redis = RedisGuard(redis, prefix=f"{redis_prefix}conv:") if redis is not None else None
        self.sla_config = sla_config
        self.direct: OwnRows | None = None
        bind = sessionmaker.kw.get("bind")
        if bind is not None:
            install_begin_immediate(bind)

    def __call__(self) -> SqlUnitOfWork:
        """Return a new, not yet opened, unit of work."""
        return SqlUnitOfWork(
            self.sessionmaker,
            redis=self.redis,
            sla_config=self.sla_config,
            on_outbox=self.on_outbox,
            direct=self.direct,
            mirror_reads=self.mirror_reads,
        )

    def send_own_rows(self, claim: DirectClaim, send: Callable[[list[OutboxRow]], None]) -> None:
        """From now on, units claim the rows `claim` says this process sends and give them to `send` after
        their commit (PostgreSQL; `helpdesk.delivery_direct`)."""
        self.direct = OwnRows(claim, send)
