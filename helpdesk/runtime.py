"""The composition root: builds storage, KB, NLU, the dialogue engine, channels and the worker from settings."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogue.chat_bus import chat_bus
from dialogue.delivery_alerts import chat_unreachable
from dialogue.engine import DialogueEngine
from dialogue.messages import Bot, Channel, Inbound
from dialogue.outgoing import Outgoing
from dialogue.payloads import PayloadSigner
from dialogue.ports import DialogueUnitOfWork
from dialogue.report_command import ReportCommand
from dialogue.staff_group import StaffGroup
from dialogue.understanding import Parser
from helpdesk import cluster_sync, nlu_models
from helpdesk.api import WebhookSender, webhook_queue
from helpdesk.api.webhook_queue import WebhookQueue
from helpdesk.delivery import DeliveryLoop, Sender
from helpdesk.digest import parse_at, send_daily_digest_if_due
from helpdesk.inbox import Inbox, InboxPolicy
from helpdesk.maintenance import open_due_maintenance
from helpdesk.metrics import Metrics, received
from helpdesk.polling_lease import PollingLease
from helpdesk.report_chart import MatplotlibChartRenderer
from helpdesk.settings import Settings
from helpdesk.sla_worker import SlaWorker, load_sla_config
from helpdesk.timers import expire_offers_once, refresh_staff_menus_once, run_every
from storage.db import make_engine, make_sessionmaker, sqlite_file
from storage.report_fold import fold_report_deltas
from storage.reports import SqlReportSource, breach_level
from storage.sqlite_checkpoint import checkpoint
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from storage.webchat_history import SqlWebChatHistory
from storage.webhooks_out import WEBHOOK_BOT, WEBHOOK_CHANNEL
from ticket_core.handlers import RoutingPolicy
from ticket_core.reports import ReportSource
from ticket_core.routing import parse_strategies

if TYPE_CHECKING:  # the channels and the KB are imported when they are configured
    from bots.telegram_common.channel import TelegramChannelBase
    from bots.webchat import WebChatChannel
    from bots.whatsapp import WhatsAppChannel
    from kb_search.service import KnowledgeBase

log = logging.getLogger(__name__)

OFFER_EXPIRY_PERIOD_S = 5.0
STAFF_MENU_PERIOD_S = 300.0
"""How often staff chats are checked for a command menu that no longer fits their role (and at start-up)."""
SQLITE_CHECKPOINT_PERIOD_S = 1.0  # WAL checkpoints off the loop (storage.sqlite_checkpoint)
WEBCHAT_RECHECK_S = 1.0
DIGEST_CHECK_S = 60.0
REPORT_FOLD_PERIOD_S = 1.0  # report deltas folded into the cells (storage.report_fold)


@dataclass
class Runtime:
    """Everything the running app holds; `start()` begins background work, `close()` ends it cleanly."""

    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    uows: UnitOfWorkFactory
    engine: DialogueEngine[SqlUnitOfWork]
    senders: dict[tuple[str, str], Sender] = field(default_factory=dict)
    kb: KnowledgeBase | None = None
    nlu: Parser | None = None
    redis: Redis | None = None
    delivery: DeliveryLoop | None = None
    telegram: list[TelegramChannelBase] = field(default_factory=list)
    whatsapp: WhatsAppChannel | None = None
    webchat: WebChatChannel | None = None
    reports: ReportSource | None = None  # reports (ticket_core.reports.ReportSource), for pages and /report
    inbox: Inbox | None = None  # every channel's inbound messages, recorded before they are acknowledged
    metrics: Metrics | None = None  # GET /metrics (helpdesk.metrics)
    polling_lease: PollingLease | None = None  # Telegram polling in one process of the cluster
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_inbound(self, inbound: Inbound) -> None:
        """Record one inbound message durably, handle it, and return once its replies are queued.

        For webhooks and the web chat: the answer comes after the reply is in the outbox (or after
        INBOX_ANSWER_WAIT_S; the message is recorded either way, see `helpdesk.inbox`).

        Raises:
            InboundNotRecorded: it could not be recorded; the channel makes the platform send it again.
        """
        assert self.inbox is not None, "build_runtime sets the inbox"
        await self.inbox.accept(inbound, wait_s=self.settings.inbox_answer_wait_s)
        received(str(inbound.channel), str(inbound.bot))

    async def record_inbound(self, inbound: Inbound) -> None:
        """Record one inbound message durably and start handling it; return at once (polling).

        Raises:
            InboundNotRecorded: it could not be recorded; the poller tries again before it reads on.
        """
        assert self.inbox is not None, "build_runtime sets the inbox"
        await self.inbox.accept(inbound)
        received(str(inbound.channel), str(inbound.bot))

    def wake_delivery(self) -> None:
        """Ask the delivery loop (when this process runs one) to send new outbox rows now."""
        if self.delivery is not None:
            self.delivery.wake()

    async def _tell_unreachable(self, row: Any, error: str, gave_up: bool) -> None:
        """Tell supervisors that a chat's messages are not getting through (not for outgoing webhooks)."""
        if row.channel == WEBHOOK_CHANNEL:
            return

        async def work(uow: DialogueUnitOfWork, _now: datetime) -> Outgoing:
            out = Outgoing(self.engine.signer)
            await chat_unreachable(
                uow,
                out,
                channel=row.channel,
                bot=row.bot,
                chat_id=row.chat_id,
                since=row.created_at,
                error=error,
                gave_up=gave_up,
            )
            return out

        await self.engine.run_system(work)
        self.wake_delivery()

    async def start(self, *, worker: bool = True, polling: bool = True) -> None:
        """Start the delivery loop, timers and (when configured) Telegram polling."""
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
        if self.inbox is not None:
            # Web and worker processes alike: a web process handles what it records at once, and every
            # process picks up retries and the rows of processes that died.
            self._tasks.append(asyncio.create_task(self.inbox.run(self._stop), name="inbox"))
        if worker:
            self.delivery = DeliveryLoop(
                self.sessions,
                self.senders,
                poll_s=self.settings.worker_poll_s,
                retry_for_s=self.settings.delivery_retry_for_s,
                on_unreachable=self._tell_unreachable,
            )
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
        # A model published by `helpdesk nlu publish` anywhere is loaded here too, without a restart.
        follower = (
            nlu_models.follower(self.settings, self.db, self.nlu)
            if isinstance(self.nlu, nlu_models.SwappableParser)
            else None
        )
        if follower is not None:
            self._tasks.append(asyncio.create_task(follower.run(self._stop), name="nlu-follower"))
        # Other processes' KB edits, queued replies and NLU models are acted on at once (polls stay as the net).
        kb = self.kb if self.kb is not None and hasattr(self.kb, "refresh_soon") else None
        channels = cluster_sync.handlers(
            kb=kb,
            wake_delivery=self.wake_delivery if worker else None,
            nlu=follower.check_soon if follower is not None else None,
        )
        listening = cluster_sync.start_listening(self.settings.database_url, channels, self._stop)
        if listening is not None:
            self._tasks.append(listening)
        if polling and not self.settings.public_url and self.telegram:
            # One poller per bot in the whole cluster (Telegram's rule): whoever holds the lease polls.
            self.polling_lease = PollingLease(self.db, self.telegram)
            await self.polling_lease.step()  # a single process polls from its start, as before
            self._tasks.append(
                asyncio.create_task(self.polling_lease.run(self._stop), name="telegram-polling-lease")
            )

    async def close(self) -> None:
        """Stop background work and release connections."""
        self._stop.set()
        if self.delivery is not None:
            self.delivery.stop()
        for channel in self.telegram:
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping a Telegram channel failed")
        if self.whatsapp is not None:
            await self.whatsapp.close()
        if self.inbox is not None:
            await self.inbox.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.kb is not None and hasattr(self.kb, "close"):
            await self.kb.close()
        if self.redis is not None:
            await self.redis.aclose()
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
    pool = (
        {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        if settings.database_url.startswith("postgresql")
        else {}
    )
    db = make_engine(settings.database_url, **pool)  # processes x (size + overflow) < max_connections
    sessions = make_sessionmaker(db)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        # Short timeouts: a Redis that hangs costs one call a second at most (storage.redis_state.RedisGuard),
        # never a turn's whole time.
        redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    sla_config = load_sla_config(settings.sla_config_file)
    # Every unit tracks SLA under the configured policies and queues signed webhooks for its events.
    uows = UnitOfWorkFactory(sessions, redis=redis, sla_config=sla_config, webhooks_out=WebhookQueue)
    if load_kb and kb is None:
        kb = await _load_kb(settings, uows, db)
    if load_nlu and nlu is None:
        nlu = await nlu_models.load_nlu(settings)
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
    engine = DialogueEngine(
        uows,
        PayloadSigner(settings.secret_key),
        kb=kb,
        nlu=nlu,
        bus=bus,
        default_lang=settings.default_lang,
        reopen_window=timedelta(days=settings.reopen_window_days),
        staff_group=group,
    )
    reports = SqlReportSource(db, breach_level=breach_level(sla_config.ladder))
    engine.staff_flow.reports = ReportCommand(reports, MatplotlibChartRenderer())  # /report in the staff bot
    rt = Runtime(settings, db, sessions, uows, engine, kb=kb, nlu=nlu, redis=redis, reports=reports)
    rt.metrics = Metrics(db, sessions)
    rt.inbox = Inbox(
        db,
        engine,
        policy=inbox_policy(settings),
        on_replies=rt.wake_delivery,
    )
    _add_channels(rt)
    return rt


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


def _add_channels(rt: Runtime) -> None:
    from bots.webchat import WebChatChannel

    async def identities(bot: Bot) -> list[dict[str, str]]:
        async with rt.uows() as uow:
            if bot is Bot.STAFF:
                return [
                    {"id": m.id, "label": f"{m.name} ({m.role})"}
                    for m in await uow.directory.list_staff()
                    if await uow.accounts.find(str(Channel.WEB), str(Bot.STAFF), m.id) is not None
                ]
            result = []
            for contact in await uow.directory.list_contacts():
                if await uow.accounts.find(str(Channel.WEB), str(Bot.CLIENT), contact.id) is None:
                    continue
                client = await uow.directory.get_client(contact.client_id)
                result.append(
                    {"id": contact.id, "label": f"{contact.name} - {client.name if client else ''}"}
                )
            return result

    from helpdesk.admin.sessions import SessionPolicy
    from helpdesk.webchat_login import STAFF_CHAT_PATH, StaffChatLogin

    # Demo: the picker (anyone who reaches the port chats as anyone). Otherwise a website widget: a signed
    # session per visitor, and the staff chat as whoever is signed in to the web admin.
    demo = rt.settings.webchat_demo
    if demo:
        log.warning("WEBCHAT_DEMO is on: anyone who reaches the web chat can chat as anyone in it")
    # History in the database: it survives restarts and a separate worker process can append to it;
    # recheck_s lets this process's long polls see rows another process wrote.
    rt.webchat = WebChatChannel(
        rt.on_inbound,
        SqlWebChatHistory(rt.sessions),
        identities if demo else None,
        demo=demo,
        secret_key=rt.settings.secret_key,
        staff_login=None if demo else StaffChatLogin(rt.uows, rt.settings).identity,
        login_url=STAFF_CHAT_PATH,
        secure_cookie=SessionPolicy.from_settings(rt.settings).secure_cookie,
        upload_dir=rt.settings.webchat_upload_dir,
        max_upload_bytes=rt.settings.webchat_max_upload_mb * 1024 * 1024,
        poll_timeout_s=rt.settings.webchat_poll_timeout_s,
        recheck_s=WEBCHAT_RECHECK_S,
    )
    rt.senders[(str(Channel.WEB), str(Bot.CLIENT))] = rt.webchat
    rt.senders[(str(Channel.WEB), str(Bot.STAFF))] = rt.webchat
    rt.senders[(WEBHOOK_CHANNEL, WEBHOOK_BOT)] = WebhookSender(rt.sessions)  # signed webhooks out
    s = rt.settings
    if s.whatsapp_phone_number_id:
        from bots.whatsapp import WhatsAppChannel

        rt.whatsapp = WhatsAppChannel(
            rt.on_inbound,
            phone_number_id=s.whatsapp_phone_number_id,
            access_token=s.whatsapp_access_token or "",
            app_secret=s.whatsapp_app_secret or "",
            verify_token=s.whatsapp_verify_token or "",
            api_base=s.whatsapp_api_base,
            template_name=s.whatsapp_template,
            template_lang=s.default_lang,
        )
        rt.senders[(str(Channel.WHATSAPP), str(Bot.CLIENT))] = rt.whatsapp
    tokens = ((Bot.CLIENT, s.telegram_client_token), (Bot.STAFF, s.telegram_staff_token))
    if any(token for _, token in tokens):
        from bots.telegram import TelegramChannel, TelegramLimits

        for bot, token in tokens:
            if not token:
                continue
            cls: type[TelegramChannelBase] = TelegramChannel
            if bot is Bot.STAFF and s.telegram_staff_framework == "ptb":
                from bots.telegram_ptb import PtbTelegramChannel

                cls = PtbTelegramChannel
            channel = cls(
                bot,
                token,
                # A webhook answers once the reply is queued; a poller only records, so chats do not queue.
                rt.on_inbound if s.public_url else rt.record_inbound,
                api_base=s.telegram_api_base,
                webhook_secret=s.telegram_webhook_secret,
                limits=None if s.telegram_rate_limits else TelegramLimits.none(),
                polling_timeout=s.telegram_polling_timeout_s,
            )
            rt.telegram.append(channel)
            rt.senders[(str(Channel.TELEGRAM), str(bot))] = channel


async def _load_kb(settings: Settings, uows: UnitOfWorkFactory, db: AsyncEngine) -> KnowledgeBase:
    from kb_search.service import KnowledgeBase

    vectors = None
    if settings.kb_index_backend == "pgvector":
        from storage.kb_repository import PgVectorIndex

        vectors = PgVectorIndex(db)
    kb = KnowledgeBase.from_settings(settings, vector_index=vectors)
    await kb.load(uows)
    return kb
