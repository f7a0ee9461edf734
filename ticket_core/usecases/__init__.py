"""Use cases: every state change of a ticket goes through one of these and records an event."""

from ticket_core.usecases.comments import add_comment, add_team_note, ask_for_person, follow_ticket
from ticket_core.usecases.feedback import (
    add_rating_comment,
    cancel_ticket,
    close_ticket,
    rate_ticket,
    reopen_ticket,
)
from ticket_core.usecases.levels import raise_level
from ticket_core.usecases.offers import accept_offer, decline_offer, expire_offers, offer_ticket
from ticket_core.usecases.opening import TicketDraft, open_ticket
from ticket_core.usecases.queries import (
    OfferedJob,
    get_ticket_by_number,
    list_my_jobs,
    list_my_offers,
    list_my_tickets,
)
from ticket_core.usecases.work import (
    check_in_on_site,
    hand_over,
    put_on_hold,
    report_on_the_way,
    resolve_ticket,
    resume_work,
    set_shift,
    start_work,
)

__all__ = [
    "OfferedJob",
    "TicketDraft",
    "accept_offer",
    "add_comment",
    "add_rating_comment",
    "add_team_note",
    "ask_for_person",
    "cancel_ticket",
    "check_in_on_site",
    "close_ticket",
    "decline_offer",
    "expire_offers",
    "follow_ticket",
    "get_ticket_by_number",
    "hand_over",
    "list_my_jobs",
    "list_my_offers",
    "list_my_tickets",
    "offer_ticket",
    "open_ticket",
    "put_on_hold",
    "raise_level",
    "rate_ticket",
    "reopen_ticket",
    "report_on_the_way",
    "resolve_ticket",
    "resume_work",
    "set_shift",
    "start_work",
]
