"""Button payloads: one typed codec per action, signed so a button works only for its person and bot.

An action is a frozen dataclass whose class names its code ("jb:d" is an engineer's Done); `encode()` writes
`<code>:<field>:<field>...` and `decode()` reads it back into the same class, its fields validated (pydantic),
or None for anything it cannot read, so a garbled or forged payload gets a clear refusal and never a crash.
The text is the one the flows always built, so buttons already sent keep working.

On the wire: `<action>|<signature>`, at most 64 bytes (Telegram's callback_data limit). The signature is an
HMAC of the bot, the person's chat account and the action, so a payload copied into another chat, or a client
pressing a staff button, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import astuple, dataclass, fields
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, TypeAdapter, ValidationError

from dialogue.conversation import EditField

MAX_PAYLOAD = 64
SIG_LEN = 12
MAX_ACTION = MAX_PAYLOAD - SIG_LEN - 1
"""The longest action that still fits Telegram's 64 bytes once signed."""

TicketNo = Annotated[int, Field(ge=0, le=10**10)]
Index = Annotated[int, Field(ge=0, le=99)]
Tag = Annotated[str, Field(pattern=r"^[0-9a-f]{1,16}$")]  # a KB answer's or a pass's random tag
Word = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]  # a code: category, priority, reason...
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:@+-]{1,64}$")]  # a staff member's or article's id
SlaClock = Literal["rsp", "rsl"]  # the response or the resolution clock
AlertKey = Annotated[str, Field(pattern=r"^(rsp|rsl)\d{1,2}$")]  # a clock and a level: "rsl1"
Score = Annotated[int, Field(ge=1, le=5)]
ExtendBy = Annotated[int, Field(ge=1, le=100_000)]  # minutes
LangCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
YesNo = Literal["y", "n"]
HoldReason = Literal["parts", "client"]
KbField = Literal["title", "body"]
Minutes = Annotated[str, Field(pattern=r"^(\d{1,6}|-)$")]  # "-": skipped


@dataclass(frozen=True)
class Action:
    """A button's action. Subclasses name their `code`; their fields follow it, separated by ":"."""

    code: ClassVar[str]
    rest: ClassVar[bool] = False  # the last field takes what is left, ":" included (an article id)
    _codecs: ClassVar[dict[str, list[type[Action]]]] = {}
    _adapters: ClassVar[dict[type[Action], TypeAdapter[Any]]] = {}

    def __init_subclass__(cls, code: str = "", rest: bool = False, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if code:
            cls.code, cls.rest = code, rest

    def encode(self) -> str:
        """The action's text (unsigned); ValueError when it would not fit a button once signed."""
        text = ":".join([self.code, *(str(value) for value in astuple(self))])
        if len(text.encode()) > MAX_ACTION:
            raise ValueError(f"button action too long: {text!r}")
        return text

    def fits(self) -> bool:
        """Whether the action fits a button (an id can be too long for one: the button is then left out)."""
        return len(":".join([self.code, *(str(value) for value in astuple(self))]).encode()) <= MAX_ACTION


def register(*classes: type[Action]) -> None:
    """Make `decode` know these actions (by code and number of fields)."""
    for cls in classes:
        same = Action._codecs.setdefault(cls.code, [])
        if any(len(fields(c)) == len(fields(cls)) for c in same):
            raise ValueError(f"two actions read as {cls.code} with {len(fields(cls))} fields")
        same.append(cls)
        Action._adapters[cls] = TypeAdapter(cls)


def registered() -> tuple[type[Action], ...]:
    """Every action `decode` knows, in the order they were registered (a channel builds its codecs from them)."""
    return tuple(Action._adapters)


def decode(text: str) -> Action | None:
    """The action a (verified) payload names, or None when it is not one this version knows."""
    if not text or len(text.encode()) > MAX_ACTION:
        return None
    parts = text.split(":")
    for size in (2, 1):  # the longer code first: "ck:ok:7" is Done, "ck:3:7" ticks item 3
        head, args = ":".join(parts[:size]), parts[size:]
        for cls in Action._codecs.get(head, ()):
            names = [f.name for f in fields(cls)]
            if len(args) == len(names):
                values = args
            elif cls.rest and names and len(args) > len(names):
                values = [*args[: len(names) - 1], ":".join(args[len(names) - 1 :])]
            else:
                continue
            try:
                action: Action = Action._adapters[cls].validate_python(dict(zip(names, values, strict=True)))
            except ValidationError:
                return None
            return action
    return None


# --- the client bot
class IntakeAction(Action):
    """A button of the intake form (`dialogue.client_intake`)."""


@dataclass(frozen=True, slots=True)
class SlaAction(Action):
    """A supervisor's SLA button (`dialogue.sla_answers`): the ticket first, then the action's own fields."""

    number: TicketNo


class KbAdminAction(Action):
    """A button under /kb show (`dialogue.kb_admin`)."""


@dataclass(frozen=True, slots=True)
class IntakeUseQuestion(IntakeAction, code="in:q"):
    """The question the KB could not answer is the description."""


@dataclass(frozen=True, slots=True)
class IntakeCancel(IntakeAction, code="in:x"):
    """Drop the form."""


@dataclass(frozen=True, slots=True)
class IntakeConfirm(IntakeAction, code="in:ok"):
    """Open the ticket."""


@dataclass(frozen=True, slots=True)
class IntakeEdit(IntakeAction, code="in:ed"):
    """Ask which field to change."""


@dataclass(frozen=True, slots=True)
class IntakeCategory(IntakeAction, code="in:c"):
    category: Word


@dataclass(frozen=True, slots=True)
class IntakeSite(IntakeAction, code="in:s"):
    index: Index  # in the form's site choices


@dataclass(frozen=True, slots=True)
class IntakePriority(IntakeAction, code="in:p"):
    priority: Word


@dataclass(frozen=True, slots=True)
class IntakeEditField(IntakeAction, code="in:ef"):
    field: EditField


@dataclass(frozen=True, slots=True)
class KbHelped(Action, code="kb:y"):
    tag: Tag


@dataclass(frozen=True, slots=True)
class KbNotHelped(Action, code="kb:n"):
    tag: Tag


@dataclass(frozen=True, slots=True)
class KbChoose(Action, code="kb:s"):
    tag: Tag
    index: Index


@dataclass(frozen=True, slots=True)
class Rate(Action, code="rt"):
    number: TicketNo
    score: Score


@dataclass(frozen=True, slots=True)
class NotFixed(Action, code="ro"):
    """Reopen: the job is not fixed."""

    number: TicketNo


@dataclass(frozen=True, slots=True)
class NewQuestion(Action, code="nq"):
    """What was just passed to the engineer was a new question."""

    tag: Tag


@dataclass(frozen=True, slots=True)
class SkipRatingComment(Action, code="rc:skip"):
    number: TicketNo


@dataclass(frozen=True, slots=True)
class CancelAsk(Action, code="cx"):
    """Cancel, from a status card: confirm first."""

    number: TicketNo


@dataclass(frozen=True, slots=True)
class CancelAnswer(Action, code="cx"):
    """Yes, cancel it (`y`) / no, keep it (`n`, number 0)."""

    number: TicketNo
    answer: YesNo


@dataclass(frozen=True, slots=True)
class Language(Action, code="lg"):
    lang: LangCode


@dataclass(frozen=True, slots=True)
class TalkToPerson(Action, code="rl"):
    number: TicketNo


@dataclass(frozen=True, slots=True)
class ShowTicket(Action, code="tk"):
    number: TicketNo


# --- the staff bot: offers, jobs, checklists
@dataclass(frozen=True, slots=True)
class OfferAccept(Action, code="of:a"):
    number: TicketNo


@dataclass(frozen=True, slots=True)
class OfferDecline(Action, code="of:d"):
    """Decline: ask why."""

    number: TicketNo


@dataclass(frozen=True, slots=True)
class OfferDeclineReason(Action, code="of:r"):
    number: TicketNo
    reason: Word


JobVerb = Literal["o", "s", "c", "f", "h", "r", "d", "x", "z", "m", "n", "v", "k", "e"]
"""o/s start (on the way), c on site, f on site at the location just shared although it is far from the site,
h hold, r resume, d done, x hand over, z escalate, m message the client, n internal note, v show the card again,
k the KB articles suggested for the job, e a revised estimate (asks the hours and parts)."""


@dataclass(frozen=True, slots=True)
class JobStep(Action, code="jb"):
    verb: JobVerb
    number: TicketNo


@dataclass(frozen=True, slots=True)
class JobTime(Action, code="jb:t"):
    """The time spent, after the resolution note."""

    number: TicketNo
    minutes: Minutes


@dataclass(frozen=True, slots=True)
class JobHoldReason(Action, code="jb:w"):
    number: TicketNo
    reason: HoldReason


@dataclass(frozen=True, slots=True)
class ChecklistTick(Action, code="ck"):
    index: Index
    number: TicketNo


@dataclass(frozen=True, slots=True)
class ChecklistDone(Action, code="ck:ok"):
    number: TicketNo


@dataclass(frozen=True, slots=True)
class PartPick(Action, code="jp"):
    """One more of a catalogue part, in the Done flow's parts step (`dialogue.job_parts`)."""

    number: TicketNo
    part: Word


@dataclass(frozen=True, slots=True)
class PartsDone(Action, code="jp:ok"):
    """The parts are all there (or none were used): the job is resolved."""

    number: TicketNo


@dataclass(frozen=True, slots=True)
class PartsClear(Action, code="jp:x"):
    """Start the parts list again."""

    number: TicketNo


@dataclass(frozen=True, slots=True)
class PartsMore(Action, code="jp:m"):
    """Show every catalogue part, not only those that fit the job's category."""

    number: TicketNo


# --- billing holds (`dialogue.billing_holds`)
@dataclass(frozen=True, slots=True)
class EstimateAnswer(Action, code="es"):
    """The client approves (`y`) or declines (`n`) the estimate of paid work."""

    number: TicketNo
    answer: YesNo


@dataclass(frozen=True, slots=True)
class DebtHoldAnswer(Action, code="dh"):
    """A supervisor lets a debtor's job go to an engineer (`y`) or cancels it (`n`)."""

    number: TicketNo
    answer: YesNo


# --- the staff bot: a supervisor's SLA buttons
@dataclass(frozen=True, slots=True)
class SlaAck(SlaAction, code="sla:a"):
    key: AlertKey


@dataclass(frozen=True, slots=True)
class SlaRaise(SlaAction, code="sla:p"):
    """Raise the ticket's priority."""


@dataclass(frozen=True, slots=True)
class SlaReassign(SlaAction, code="sla:r"):
    """Reassign: to whom?"""


@dataclass(frozen=True, slots=True)
class SlaToQueue(SlaAction, code="sla:q"):
    """Back to the queue."""


@dataclass(frozen=True, slots=True)
class SlaToEngineer(SlaAction, code="sla:e", rest=True):
    engineer_id: Ident


@dataclass(frozen=True, slots=True)
class SlaExtend(SlaAction, code="sla:x"):
    """Extend: ask why."""

    clock: SlaClock


@dataclass(frozen=True, slots=True)
class SlaExtendBy(SlaAction, code="sla:d"):
    minutes: ExtendBy


# --- the staff bot: /kb
@dataclass(frozen=True, slots=True)
class KbPublish(KbAdminAction, code="kb:p", rest=True):
    article_id: Ident


@dataclass(frozen=True, slots=True)
class KbUnpublish(KbAdminAction, code="kb:u", rest=True):
    article_id: Ident


@dataclass(frozen=True, slots=True)
class KbEdit(KbAdminAction, code="kb:e", rest=True):
    field: KbField
    article_id: Ident


# --- the staff bot: an engineer links a suggested KB article to the job's question
@dataclass(frozen=True, slots=True)
class KbLink(Action, code="kb:l", rest=True):
    number: TicketNo
    article_id: Ident


register(
    IntakeUseQuestion, IntakeCancel, IntakeConfirm, IntakeEdit, IntakeCategory, IntakeSite, IntakePriority,
    IntakeEditField, KbHelped, KbNotHelped, KbChoose, Rate, NotFixed, NewQuestion, SkipRatingComment,
    CancelAsk, CancelAnswer, Language, TalkToPerson, ShowTicket,
    OfferAccept, OfferDecline, OfferDeclineReason, JobStep, JobTime, JobHoldReason, ChecklistTick, ChecklistDone,
    PartPick, PartsDone, PartsClear, PartsMore, EstimateAnswer, DebtHoldAnswer,
    SlaAck, SlaRaise, SlaReassign, SlaToQueue, SlaToEngineer, SlaExtend, SlaExtendBy,
    KbPublish, KbUnpublish, KbEdit, KbLink,
)  # fmt: skip


def join_signed(action: str, sig: str) -> str:
    """The wire form of a signed button: `<action>|<signature>` (ValueError when over 64 bytes)."""
    payload = f"{action}|{sig}"
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError(f"payload too long: {action!r}")
    return payload


def split_signed(payload: str) -> tuple[str, str] | None:
    """The action and the signature of a payload on the wire, or None when it is not shaped as one."""
    # Every action and signature is ASCII; anything else is forged (and hmac cannot compare it as a str).
    if not payload or len(payload) > MAX_PAYLOAD or not payload.isascii() or "|" not in payload:
        return None
    action, _, sig = payload.rpartition("|")
    return action, sig


class PayloadSigner:
    """Signs and verifies button payloads with the application's secret key."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sig(self, bot: str, account: str, action: str) -> str:
        mac = hmac.new(self._key, f"{bot}\x1f{account}\x1f{action}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:SIG_LEN]

    def sign(self, bot: str, account: str, action: str) -> str:
        """Return the payload for `action`, bound to one bot and one chat account."""
        return join_signed(action, self._sig(bot, account, action))

    def verify(self, bot: str, account: str, payload: str) -> str | None:
        """Return the action when the payload is genuine for this bot and account, else None."""
        parts = split_signed(payload)
        if parts is None or not hmac.compare_digest(parts[1], self._sig(bot, account, parts[0])):
            return None
        return parts[0]
