"""The composition root: builds storage, KB, NLU, the dialogue engine, channels and the worker from settings."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogue.chat_bus import chat_bus
from dialogue.engine import DialogueEngine
from dialogue.payloads import PayloadSigner
from dialogue.reaction import ChatBus
from dialogue.report_command import ReportCommand
from dialogue.staff_group import StaffGroup
from dialogue.understanding import Parser
from helpdesk import cluster_sync, nlu_models, sla_configs
from helpdesk.api import WebhookSender, webhook_queue
from helpdesk.billing_notices import send_billing_notices_if_due
from helpdesk.channels import build_channels
from helpdesk.charts import PngChartRenderer
from helpdesk.delivery import DeliveryLoop, Sender
from helpdesk.delivery_direct import DirectDelivery
from helpdesk.digest import parse_at, send_daily_digest_if_due
from helpdesk.inbox import Inbox, InboxPolicy
from helpdesk.intake import InboundIntake, UnreachableAlert
from helpdesk.maintenance import open_due_maintenance
from helpdesk.metrics import Metrics
from helpdesk.model_cache import shared_model_cache
from helpdesk.polling_lease import PollingLease
from helpdesk.portal.context import portal_link_policy
from helpdesk.settings import Settings
from helpdesk.sla_configs import SlaConfigFollower
from helpdesk.sla_worker import SlaWorker
from helpdesk.timers import expire_offers_once, refresh_staff_menus_once, run_every
from storage.db import make_engine, make_sessionmaker, sqlite_file
from storage.notify import OUTBOX_CHANNEL, Bell, is_postgres
from storage.report_fold import fold_report_deltas
from storage.reports import SqlReportSource, breach_level
from storage.sender_reads import SqlSenderReads
from storage.shared_cache import RedisSharedCache
from storage.sqlite_checkpoint import checkpoint
from storage.token_cache import TokenCache
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from ticket_core.handlers import RoutingPolicy
from ticket_core.reports import ReportSource
from ticket_core.routing import parse_strategies
from ticket_core.sla.config import SlaConfig, SlaConfigRef

if TYPE_CHECKING:  # the channels and the KB are imported when they are configured
    from bots.email import EmailChannel
    from bots.telegram_common.channel import TelegramChannelBase
    from bots.webchat import WebChatChannel
    from bots.whatsapp import WhatsAppChannel
    from kb_search.service import KnowledgeBase

log = logging.getLogger(__name__)

OFFER_EXPIRY_PERIOD_S = 5.0
STAFF_MENU_PERIOD_S = 300.0
"""How often staff chats are checked for a command menu that no longer fits their role (and at start-up)."""
SQLITE_CHECKPOINT_PERIOD_S = 1.0  # WAL checkpoints off the loop (storage.sqlite_checkpoint)
DIGEST_CHECK_S = 60.0
REPORT_FOLD_PERIOD_S = 1.0  # report deltas folded into the cells (storage.report_fold)


@dataclass(kw_only=True)
class Runtime:
    """Everything the running app holds, built once by `build_runtime`; `start()` begins background work.

    Every part is here from construction; a part that is None is a feature that is off (no KB or NLU
    loaded, no Redis, no WhatsApp, Telegram on webhooks instead of polling).
    """

    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    uows: UnitOfWorkFactory
    engine: DialogueEngine[SqlUnitOfWork]
    bus: ChatBus  # the engine's message bus (ticket_core.bus): routing, SLA timers, messages, webhooks
    kb: KnowledgeBase | None
    nlu: Parser | None
    redis: Redis | None
    model_cache: RedisSharedCache | None  # parses and query vectors shared with the other processes (Redis)
    reports: ReportSource  # reports (ticket_core.reports.ReportSource), for pages and /report
    inbox: Inbox  # every channel's inbound messages, recorded before they are acknowledged
    intake: InboundIntake  # what the channels call with an inbound message
    delivery: DeliveryLoop  # sends the outbox; runs in worker processes (`start(worker=True)`)
    metrics: Metrics  # GET /metrics (helpdesk.metrics)
    webchat: WebChatChannel
    whatsapp: WhatsAppChannel | None
    telegram: tuple[TelegramChannelBase, ...]
    polling_lease: PollingLease | None  # Telegram polling in one process of the cluster (None: webhooks)
    email: EmailChannel | None  # mail in (SMTP listener) and out (relay) when EMAIL_ADDRESS is set
    outbox_bell: Bell | None  # NOTIFYs the sending processes after commits that queued replies (PostgreSQL)
    sla_config: SlaConfigRef  # the SLA configuration in force: the file's, or the newest published one
    api_tokens: TokenCache  # the REST API's tokens by hash; forgotten on NOTIFY helpdesk_api_tokens
    direct: DirectDelivery | None  # sends the replies its own turns claimed (PostgreSQL, OUTBOX_DIRECT)
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def senders(self) -> dict[tuple[str, str], Sender]:
        """The sender of each (channel, bot) the delivery loop sends through."""
        return self.delivery.senders

    def _sla_changed(self, config: SlaConfig) -> None:
        if isinstance(self.reports, SqlReportSource):
            self.reports.breach_level = breach_level(config.ladder)

    def wake_delivery(self) -> None:
        """Ask the delivery loop (when this process runs one) to send new outbox rows now."""
        self.delivery.wake()

    async def start(self, *, worker: bool = True, polling: bool = True, inbox_behind_s: float = 0.0) -> None:
        """Start the delivery loop, timers and (when configured) Telegram polling.

        `inbox_behind_s`: the inbox loop takes only rows due that long ago (`Inbox.run`): a worker process
        beside web processes."""
        sqlite_path = sqlite_file(self.settings.database_url)
        if sqlite_path is not None:
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        SQLITE_CHECKPOINT_PERIOD_S,
                        lambda: checkpoint(sqlite_path),
                        "sqlite-checkpoint",
                        self._stop,
                    ),
                    name="sqlite-checkpoint",
                )
            )
        if self.direct is not None and self.direct.claim.sendable:
            # From its start (a one-shot command would leave them leased): helpdesk.delivery_direct.
            self.uows.send_own_rows(self.direct.claim, self.direct.send)
        # Web and worker processes alike: a web process handles what it records at once, and every
        # process picks up retries and the rows of processes that died.
        self._tasks.append(
            asyncio.create_task(self.inbox.run(self._stop, behind_s=inbox_behind_s), name="inbox")
        )
        if self.email is not None:
            # The SMTP listener (SMTP_LISTEN) in every process; the IMAP poller (EMAIL_IMAP) in workers only.
            await self.email.start(imap=worker)
        if worker:
            self._tasks.append(asyncio.create_task(self.delivery.run(), name="delivery"))
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        OFFER_EXPIRY_PERIOD_S,
                        lambda: expire_offers_once(self.engine),
                        "offer-expiry",
                        self._stop,
                    ),
                    name="offer-expiry",
                )
            )
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        STAFF_MENU_PERIOD_S,
                        lambda: refresh_staff_menus_once(self.engine, self.wake_delivery),
                        "staff-menus",
                        self._stop,
                    ),
                    name="staff-menus",
                )
            )
            s = self.settings
            sla = SlaWorker(
                self.engine, lease=timedelta(seconds=s.sla_lease_s), batch=s.sla_batch, period_s=s.sla_tick_s
            )
            self._tasks.append(asyncio.create_task(sla.run(self._stop), name="sla-timers"))
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        s.maintenance_period_s,
                        lambda: open_due_maintenance(self.engine),
                        "maintenance",
                        self._stop,
                    ),
                    name="maintenance",
                )
            )
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        REPORT_FOLD_PERIOD_S, lambda: fold_report_deltas(self.db), "report-fold", self._stop
                    ),
                    name="report-fold",
                )
            )
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        DIGEST_CHECK_S,
                        lambda: send_daily_digest_if_due(self.engine, s.digest_at, s.digest_tz),
                        "daily-digest",
                        self._stop,
                    ),
                    name="daily-digest",
                )
            )
            self._tasks.append(
                asyncio.create_task(
                    run_every(
                        DIGEST_CHECK_S,
                        lambda: send_billing_notices_if_due(self.engine, s.digest_at, s.digest_tz),
                        "billing-notices",
                        self._stop,
                    ),
                    name="billing-notices",
                )
            )
        if isinstance(self.nlu, nlu_models.SwappableParser) and self.nlu.pending is not None:
            self._tasks.append(asyncio.create_task(self.nlu.finish_training(), name="nlu-training"))
        # A model published by `helpdesk nlu publish` anywhere is loaded here too, without a restart.
        follower = (
            nlu_models.follower(self.settings, self.db, self.nlu, self.model_cache)
            if isinstance(self.nlu, nlu_models.SwappableParser)
            else None
        )
        if follower is not None:
            self._tasks.append(
                asyncio.create_task(follower.run(self._stop, nlu_models.POLL_S), name="nlu-follower")
            )
        # So is an SLA configuration published by `helpdesk sla publish` (reports then count by its ladder).
        sla_follower = SlaConfigFollower(self.db, self.sla_config, on_swap=self._sla_changed)
        self._tasks.append(
            asyncio.create_task(sla_follower.run(self._stop, sla_configs.POLL_S), name="sla-config-follower")
        )
        # Other processes' KB edits, queued replies and NLU models are acted on at once (polls stay as the net).
        kb = self.kb if self.kb is not None and hasattr(self.kb, "refresh_soon") else None
        channels = cluster_sync.handlers(
            kb=kb,
            wake_delivery=self.wake_delivery if worker else None,
            nlu=follower.check_soon if follower is not None else None,
            sla=sla_follower.check_soon,
            api_tokens=self.api_tokens.forget,
        )
        listening = cluster_sync.start_listening(self.settings.database_url, channels, self._stop)
        if listening is not None:
            self._tasks.append(listening)
        if polling and self.polling_lease is not None:
            # One poller per bot in the whole cluster (Telegram's rule): whoever holds the lease polls.
            await self.polling_lease.step()  # a single process polls from its start, as before
            self._tasks.append(
                asyncio.create_task(self.polling_lease.run(self._stop), name="telegram-polling-lease")
            )

    async def close(self) -> None:
        """Stop background work and release connections."""
        self._stop.set()
        self.delivery.stop()
        if self.direct is not None:
            self.uows.direct = None  # units opened from now leave their replies to the workers
            await self.direct.close()  # the replies being sent go out while the channels are open
        for channel in self.telegram:
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping a Telegram channel failed")
        if self.whatsapp is not None:
            await self.whatsapp.close()
        if self.email is not None:
            await self.email.stop()
        await self.inbox.stop()
        if self.direct is not None:
            await self.direct.close()  # what the last turns claimed went back to the workers
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.kb is not None and hasattr(self.kb, "close"):
            await self.kb.close()
        if self.redis is not None:
            await self.redis.aclose()
        if self.outbox_bell is not None:
            await self.outbox_bell.close()
        if self.model_cache is not None:
            self.model_cache.close()
        await self.db.dispose()


async def build_runtime(
    settings: Settings,
    *,
    kb: KnowledgeBase | None = None,
    nlu: Parser | None = None,
    load_kb: bool = True,
    load_nlu: bool = True,
) -> Runtime:
    """Wire the application from settings; `kb` / `nlu` may be given (tests) instead of loaded."""
    parse_at(settings.digest_at)  # fail at start on a malformed setting, not once a minute later
    ZoneInfo(settings.digest_tz)
    pg = is_postgres(settings.database_url)
    pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow} if pg else {}
    db = make_engine(settings.database_url, **pool)  # processes x (size + overflow) < max_connections
    sessions = make_sessionmaker(db)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        # Short timeouts: a Redis that hangs costs one call a second at most (storage.redis_state.RedisGuard),
        # never a turn's whole time.
        redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    sla_config = await sla_configs.initial_config(db, settings.sla_config_file)
    # Every unit tracks SLA under the configured policies and queues signed webhooks for its events.
    # The processes that send replies hear of new ones at once (PostgreSQL; SQLite runs one process, whose
    # turns wake its own delivery loop).
    outbox_bell = Bell(db, OUTBOX_CHANNEL) if settings.outbox_notify and pg else None
    uows = UnitOfWorkFactory(
        sessions,
        redis=redis,
        mirror_reads=settings.conversation_mirror,
        sla_config=sla_config,
        on_outbox=outbox_bell.ring if outbox_bell is not None else None,
    )
    # Before the KB and the NLU load: both look up there what another process already computed.
    model_cache = await shared_model_cache(settings)
    if load_kb and kb is None:
        kb = await _load_kb(settings, uows, db)
    if load_nlu and nlu is None:
        nlu = await nlu_models.load_nlu(settings, model_cache)
    group = staff_group(settings)
    bus = chat_bus(
        RoutingPolicy(
            timedelta(seconds=settings.offer_timeout_s),
            parse_strategies(settings.routing_strategies),
            settings.broadcast_size,
        ),
        staff_group=group,
    )
    webhook_queue.subscribe(bus)  # outgoing webhooks hear every event a unit settled on
    reports = SqlReportSource(db, breach_level=breach_level(sla_config.config.ladder))
    engine = DialogueEngine(
        uows,
        PayloadSigner(settings.secret_key),
        kb=kb,
        nlu=nlu,
        bus=bus,
        default_lang=settings.default_lang,
        reopen_window=timedelta(days=settings.reopen_window_days),
        staff_group=group,
        reports=ReportCommand(reports, PngChartRenderer()),  # /report in the staff bot
        email_open_unknown=settings.email_unknown_senders == "open",
        portal_links=portal_link_policy(settings),
        senders=SqlSenderReads(db) if pg else None,  # the prefetch's read in one statement
    )
    # The delivery loop's: the inbox's turns wake it where no bell rings (SQLite); elsewhere the bell does, only
    # for rows no process claimed to send itself (OUTBOX_DIRECT).
    wakeup = asyncio.Event()
    inbox = Inbox(
        db, engine, policy=inbox_policy(settings), on_replies=wakeup.set if outbox_bell is None else None
    )
    intake = InboundIntake(inbox, settings.inbox_answer_wait_s)
    channels = build_channels(
        settings, uows, sessions, on_inbound=intake.answer, record_inbound=intake.record
    )
    unreachable = UnreachableAlert(engine, wakeup.set)
    delivery = DeliveryLoop(
        sessions,
        channels.senders,
        webhooks=WebhookSender(
            sessions, private_targets=settings.webhook_private_targets
        ),  # signed webhooks out: the outbox's rows of kind "webhook"
        poll_s=settings.worker_poll_s,
        retry_for_s=settings.delivery_retry_for_s,
        on_unreachable=unreachable,
        on_delivered=unreachable.delivered,
        wakeup=wakeup,
    )
    polling = not settings.public_url and channels.telegram
    return Runtime(
        settings=settings,
        db=db,
        sessions=sessions,
        uows=uows,
        engine=engine,
        bus=bus,
        kb=kb,
        nlu=nlu,
        redis=redis,
        model_cache=model_cache,
        reports=reports,
        inbox=inbox,
        intake=intake,
        delivery=delivery,
        metrics=Metrics(db, sessions),
        webchat=channels.webchat,
        whatsapp=channels.whatsapp,
        telegram=channels.telegram,
        polling_lease=PollingLease(db, channels.telegram) if polling else None,
        email=channels.email,
        outbox_bell=outbox_bell,
        direct=DirectDelivery(delivery, sessions) if settings.outbox_direct and pg else None,
        sla_config=sla_config,
        # SQLite: no NOTIFY would tell this process of a revoke in another one, and a lookup is a local read.
        api_tokens=TokenCache(sessions, settings.api_token_cache_s if pg else 0.0),
    )


def inbox_policy(settings: Settings) -> InboxPolicy:
    """The inbox's policy: its turns and recorders fit in this process's connection pool (DB_POOL_SIZE).

    InboxPolicy's defaults (12 turns, 6 recorders) are for the default pool of 20; a smaller pool, as each
    process of a cluster has (docs/scaling.md), gets the same shares of it.
    """
    if not settings.database_url.startswith("postgresql") or settings.db_pool_size >= 20:
        return InboxPolicy(retry_for_s=settings.inbox_retry_for_s)
    size = settings.db_pool_size
    return InboxPolicy(
        retry_for_s=settings.inbox_retry_for_s,
        concurrency=max(2, size * 3 // 5),
        record_concurrency=max(1, size * 3 // 10),
    )


def staff_group(settings: Settings) -> StaffGroup | None:
    """The Telegram staff group that gets a thread per ticket, when it and the staff bot are configured."""
    chat = (settings.telegram_staff_group_id or "").strip()
    if not chat or not settings.telegram_staff_token:
        return None
    return StaffGroup(chat, forum=settings.telegram_staff_group_forum, lang=settings.default_lang)


async def _load_kb(settings: Settings, uows: UnitOfWorkFactory, db: AsyncEngine) -> KnowledgeBase:
    from kb_search.service import KnowledgeBase

    vectors = None
    if settings.kb_index_backend == "pgvector":
        from storage.kb_repository import PgVectorIndex

        vectors = PgVectorIndex(db)
    kb = KnowledgeBase.from_settings(settings, vector_index=vectors)
    # Words at once, vectors behind: the first start of a fresh clone embedded the demo KB before it listened.
    await kb.load(uows, embed_behind=True)
    return kb
