"""The chat channels of the app, built from settings: web chat always, WhatsApp and Telegram when configured.

`build_channels` is called once by the composition root (`helpdesk.runtime.build_runtime`) with the two ways
an inbound message enters the inbox; it returns every channel and the sender of each (channel, bot).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogue.messages import Bot, Channel, Inbound
from helpdesk.delivery import Sender
from helpdesk.settings import Settings
from storage.uow import UnitOfWorkFactory
from storage.webchat_history import SqlWebChatHistory

if TYPE_CHECKING:  # the channels are imported when they are configured
    from bots.email import EmailChannel
    from bots.telegram_common.channel import TelegramChannelBase
    from bots.webchat import WebChatChannel
    from bots.whatsapp import WhatsAppChannel

log = logging.getLogger(__name__)

WEBCHAT_RECHECK_S = 1.0

OnInbound = Callable[[Inbound], Awaitable[None]]
"""Records one inbound message (and, for a webhook, waits for its replies to be queued)."""


@dataclass(frozen=True, slots=True)
class Channels:
    """Every chat channel of the app and the sender of each (channel, bot) (webhooks are not a channel)."""

    webchat: WebChatChannel
    whatsapp: WhatsAppChannel | None
    telegram: tuple[TelegramChannelBase, ...]
    senders: dict[tuple[str, str], Sender]
    email: EmailChannel | None = None


def build_channels(
    settings: Settings,
    uows: UnitOfWorkFactory,
    sessions: async_sessionmaker[AsyncSession],
    *,
    on_inbound: OnInbound,
    record_inbound: OnInbound,
) -> Channels:
    """Build the channels: `on_inbound` answers a webhook once replies are queued, `record_inbound` only records."""
    webchat = _webchat(settings, uows, sessions, on_inbound)
    senders: dict[tuple[str, str], Sender] = {
        (str(Channel.WEB), str(Bot.CLIENT)): webchat,
        (str(Channel.WEB), str(Bot.STAFF)): webchat,
    }
    s = settings
    whatsapp = None
    if s.whatsapp_phone_number_id:
        from bots.whatsapp import WhatsAppChannel

        whatsapp = WhatsAppChannel(
            on_inbound,
            phone_number_id=s.whatsapp_phone_number_id,
            access_token=s.whatsapp_access_token or "",
            app_secret=s.whatsapp_app_secret or "",
            verify_token=s.whatsapp_verify_token or "",
            api_base=s.whatsapp_api_base,
            template_name=s.whatsapp_template,
            template_lang=s.default_lang,
        )
        senders[(str(Channel.WHATSAPP), str(Bot.CLIENT))] = whatsapp
    telegram: list[TelegramChannelBase] = []
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
                on_inbound if s.public_url else record_inbound,
                api_base=s.telegram_api_base,
                webhook_secret=s.telegram_webhook_secret,
                limits=None if s.telegram_rate_limits else TelegramLimits.none(),
                polling_timeout=s.telegram_polling_timeout_s,
            )
            telegram.append(channel)
            senders[(str(Channel.TELEGRAM), str(bot))] = channel
    email = _email(settings, record_inbound)
    if email is not None:
        senders[(str(Channel.EMAIL), str(Bot.CLIENT))] = email
    return Channels(webchat, whatsapp, tuple(telegram), senders, email)


def _email(settings: Settings, record_inbound: OnInbound) -> EmailChannel | None:
    """The email channel when EMAIL_ADDRESS is set: a mail is recorded, then answered by the inbox (no wait)."""
    s = settings
    if not s.email_address:
        return None
    from bots.email import EmailChannel, EmailConfig
    from bots.email.imap_in import ImapConfig
    from bots.email.unsubscribe import derive_key
    from bots.ratelimit import Rate
    from helpdesk.settings import host_port

    listen = host_port(s.smtp_listen) if s.smtp_listen else None
    relay = host_port(s.email_relay) if s.email_relay else None
    imap = host_port(s.email_imap) if s.email_imap else None
    return EmailChannel(
        record_inbound,
        EmailConfig(
            address=s.email_address,
            name=s.email_name,
            listen_host=listen[0] if listen else None,
            listen_port=listen[1] if listen else 0,
            relay_host=relay[0] if relay else None,
            relay_port=relay[1] if relay else 25,
            relay_user=s.email_relay_user,
            relay_password=s.email_relay_password,
            relay_starttls=s.email_relay_starttls,
            max_bytes=s.email_max_mb * 1024 * 1024,
            attachment_dir=s.email_attachment_dir,
            per_domain=Rate(s.email_per_domain_per_min, 60.0, burst=min(10, s.email_per_domain_per_min)),
            imap=ImapConfig(
                imap[0],
                imap[1],
                user=s.email_imap_user or "",
                password=s.email_imap_password or "",
                use_ssl=s.email_imap_ssl,
                folder=s.email_imap_folder,
                poll_s=s.email_imap_poll_s,
                use_idle=s.email_imap_idle,
            )
            if imap
            else None,
            unsubscribe_base=f"{base.rstrip('/')}/portal/unsubscribe/"
            if (base := s.portal_url or s.public_url)
            else None,
            unsubscribe_key=derive_key(s.secret_key),
        ),
    )


def _webchat(
    settings: Settings,
    uows: UnitOfWorkFactory,
    sessions: async_sessionmaker[AsyncSession],
    on_inbound: OnInbound,
) -> WebChatChannel:
    from bots.webchat import WebChatChannel
    from helpdesk.admin.sessions import SessionPolicy
    from helpdesk.webchat_login import STAFF_CHAT_PATH, StaffChatLogin

    async def identities(bot: Bot) -> list[dict[str, str]]:
        async with uows() as uow:
            if bot is Bot.STAFF:
                return [
                    {"id": m.id, "label": m.name, "role": str(m.role)}
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

    # Demo: the picker (anyone who reaches the port chats as anyone). Otherwise a website widget: a signed
    # session per visitor, and the staff chat as whoever is signed in to the web admin.
    demo = settings.webchat_demo
    if demo:
        log.warning("WEBCHAT_DEMO is on: anyone who reaches the web chat can chat as anyone in it")
    # History in the database: it survives restarts and a separate worker process can append to it;
    # recheck_s lets this process's long polls see rows another process wrote.
    return WebChatChannel(
        on_inbound,
        SqlWebChatHistory(sessions),
        identities if demo else None,
        demo=demo,
        secret_key=settings.secret_key,
        staff_login=None if demo else StaffChatLogin(uows, settings).identity,
        login_url=STAFF_CHAT_PATH,
        secure_cookie=SessionPolicy.from_settings(settings).secure_cookie,
        upload_dir=settings.webchat_upload_dir,
        max_upload_bytes=settings.webchat_max_upload_mb * 1024 * 1024,
        poll_timeout_s=settings.webchat_poll_timeout_s,
        recheck_s=WEBCHAT_RECHECK_S,
    )
