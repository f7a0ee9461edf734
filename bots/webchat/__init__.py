"""The web chat channel: client and staff chat pages served by the app itself, for demos and tests."""

from bots.webchat.channel import WebChatChannel
from bots.webchat.history import MemoryWebChatHistory, WebChatHistory

__all__ = ["MemoryWebChatHistory", "WebChatChannel", "WebChatHistory"]
