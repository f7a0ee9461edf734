"""SQL repositories implementing the ports of `ticket_core` and `dialogue`; each takes an AsyncSession."""

from storage.repositories.accounts import SqlAccountRepository
from storage.repositories.comments import SqlCommentRepository
from storage.repositories.dialogue import SqlConversationStore, SqlInboundLog, SqlInteractionLog, SqlOutbox
from storage.repositories.directory import SqlDirectoryRepository
from storage.repositories.events import SqlEventLog
from storage.repositories.offers import SqlOfferRepository
from storage.repositories.tickets import SqlTicketRepository

__all__ = [
    "SqlAccountRepository",
    "SqlCommentRepository",
    "SqlConversationStore",
    "SqlDirectoryRepository",
    "SqlEventLog",
    "SqlInboundLog",
    "SqlInteractionLog",
    "SqlOfferRepository",
    "SqlOutbox",
    "SqlTicketRepository",
]
