"""The WhatsApp Cloud API channel adapter (aiohttp): webhook -> `Inbound`, `Outbound` -> Graph API calls."""

from bots.whatsapp.channel import WhatsAppChannel
from bots.whatsapp.inbound import StatusUpdate
from bots.whatsapp.sender import MESSAGES_RATE
from bots.whatsapp.window import MemoryServiceWindowStore, ServiceWindowStore

__all__ = [
    "MESSAGES_RATE",
    "MemoryServiceWindowStore",
    "ServiceWindowStore",
    "StatusUpdate",
    "WhatsAppChannel",
]
