"""The Done flow's parts step for a billed client: which parts the job used, priced from the price list.

After the note and the time, an engineer on a job of a client with money terms gets a live card: a button per
catalogue part of the price list (each press adds one), typed parts as "ремень x2 350" (name, quantity, cost
each; a catalogue part's name needs no cost), "Start again" and "Done". The parts a note's "Replaced:" line
names are on the card from the start. Done resolves the job with them: they become charge lines at cost plus
the part's margin (`ticket_core.billing.pricing`), and on a ticket about a unit they go into its history.
Also the time step's typed answer ("1,5 ч", "1:30", "90 мин") is read here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from dialogue.conversation import Awaiting, PickedPart
from dialogue.i18n import N_, say
from dialogue.payloads import PartPick, PartsClear, PartsDone, PartsMore
from dialogue.turn import Turn
from ticket_core.billing.money import format_money, money, parse_amount
from ticket_core.billing.pricing import MAX_PARTS, Part
from ticket_core.billing.terms import PriceList, Service
from ticket_core.equipment.history import parse_parts
from ticket_core.errors import ValidationFailed
from ticket_core.model import Ticket

MAX_BUTTONS = 8
MAX_QUANTITY = 1000
BARE_HOURS = 12
"""A bare number up to this is hours ("2"), above it minutes ("90")."""
_ITEM = re.compile(
    r"^(?P<name>.*?[^\W\d_].*?)"  # a name with at least one letter
    r"(?:\s*(?:[x×х*]\s*(?P<qty>\d{1,4})|(?P<qty2>\d{1,4})\s*(?:шт\.?|pcs)))?"
    r"(?:\s+(?P<cost>\d[\d\s\u00a0]*(?:[.,]\d{1,2})?)\s*(?:₽|руб\.?|rub)?)?\s*$",
    re.I,
)
_PREFIX = re.compile(r"^\s*(заменено|заменил[аи]?|запчасти|детали|replaced|parts)\s*:\s*", re.I)
_DURATION = re.compile(
    r"^\s*(?:(?P<only_m>\d{1,5})\s*(?:мин(?:ут[аы]?)?|m|min(?:utes)?)"
    r"|(?P<hh>\d{1,3}):(?P<mm>[0-5]\d)"
    r"|(?P<h>\d{1,3}(?:[.,]\d{1,2})?)\s*(?P<unit>ч|час(?:а|ов)?|h|hours?)?"
    r"(?:\s+|(?<=[чh])\s*)?(?:(?P<m>\d{1,2})\s*(?:мин|m|min)?)?)\s*$",
    re.I,
)


def read_minutes(text: str) -> int | None:
    """Minutes from a typed time spent: "1,5 ч", "1.5", "1 ч 30", "1:30", "90 мин", "2" (hours) or "90"
    (minutes); None when it is not one."""
    match = _DURATION.match(text)
    if match is None:
        return None
    if match["only_m"]:
        return int(match["only_m"])
    if match["hh"]:
        return int(match["hh"]) * 60 + int(match["mm"])
    hours = Decimal(match["h"].replace(",", "."))
    if not match["unit"] and not match["m"] and hours == hours.to_integral_value() and hours > BARE_HOURS:
        return int(hours)  # a bare "90" means minutes; a bare "2" hours
    return int(hours * 60) + int(match["m"] or 0)


async def price_list(turn: Turn, ticket: Ticket) -> PriceList | None:
    """The price list of the client's currency when the client is billed (None: no parts step)."""
    store = turn.uow.billing
    terms = await store.terms_for_client(ticket.client_id) if store else None
    if store is None or terms is None:
        return None
    return PriceList.of(terms.currency, await store.services())


def _match(prices: PriceList, name: str) -> PickedPart | None:
    wanted = name.strip().casefold()
    for service in prices.catalogue():
        if wanted in (service.code.casefold(), service.name_ru.casefold(), service.name_en.casefold()):
            return PickedPart(service.name_ru, 1, str(service.price), service.code)
    return None


def _add(picked: list[PickedPart], part: PickedPart) -> None:
    if part.cost is not None:  # a cost typed for a part the note named without one
        key = part.name.casefold()
        picked[:] = [p for p in picked if not (p.cost is None and p.name.casefold() == key)]
    for i, had in enumerate(picked):
        if had.code == part.code and had.name == part.name and had.cost == part.cost:
            picked[i] = PickedPart(
                had.name, min(had.quantity + part.quantity, MAX_QUANTITY), had.cost, had.code
            )
            return
    if len(picked) >= MAX_PARTS:
        raise ValidationFailed(f"At most {MAX_PARTS} different parts per job.")
    picked.append(part)


async def ask(turn: Turn, ticket: Ticket, prices: PriceList, note: str, *, new: bool = True) -> None:
    """Start the step: the parts the note names, priced where the price list has them."""
    turn.state.awaiting = Awaiting.PARTS
    picked: list[PickedPart] = []
    for name, quantity in parse_parts(note):
        found = _match(prices, name)
        part = found or PickedPart(name, 1)
        _add(picked, PickedPart(part.name, quantity, part.cost, part.code))
    turn.state.parts = picked
    card(turn, ticket, prices, new=new)


def fitting(
    prices: PriceList, ticket: Ticket, picked: list[PickedPart]
) -> tuple[list[Service], list[Service]]:
    """The catalogue split in two: the parts that fit the job (of its category, of none, or picked already),
    and the others (another category's parts: a plumber's card does not list printer toner)."""
    codes = {p.code for p in picked}
    fit: list[Service] = []
    other: list[Service] = []
    for service in prices.catalogue():
        if not _word(service.code):
            continue
        suits = service.category in (None, "", ticket.category) or service.code in codes
        (fit if suits else other).append(service)
    return fit, other


def card(
    turn: Turn, ticket: Ticket, prices: PriceList, *, new: bool = False, everything: bool = False
) -> None:
    """The parts card, updated in place as parts are added: buttons for the parts that fit the job, and
    "Other parts" for the rest of the price list (`everything`: those too)."""
    n = ticket.number
    picked = turn.state.parts or []
    lines = [_line(turn, part, prices) for part in picked]
    text = say(
        turn.lang,
        "🔩 Parts used on {ref}: tap a part from the price list (each tap adds one) or type them, e.g. "
        '"belt x2 350" (name, quantity, cost each). Then "Done".',
        ref=ticket.ref,
    )
    text += "\n" + "\n".join(lines) if lines else ""
    rows: list[list[tuple[str, str]]] = []
    fit, other = fitting(prices, ticket, picked)
    shown = fit + other if everything else fit
    pickable, hidden = shown[:MAX_BUTTONS], [*shown[MAX_BUTTONS:], *([] if everything else other)]
    for i in range(0, len(pickable), 2):
        rows.append([(f"+ {s.name(turn.lang)}", PartPick(n, s.code).encode()) for s in pickable[i : i + 2]])
    if hidden and not everything and other:
        rows.append([(say(turn.lang, "📋 Other parts ({count})", count=len(other)), PartsMore(n).encode())])
    elif hidden:
        names = ", ".join(s.name(turn.lang) for s in hidden)
        text += "\n" + say(
            turn.lang, "Also in the price list (type the name to add it): {names}", names=names
        )
    done = say(turn.lang, N_("✅ Done") if picked else N_("No parts"))
    last = [(done, PartsDone(n).encode())]
    if picked:
        last.append((say(turn.lang, "↺ Start again"), PartsClear(n).encode()))
    rows.append(last)
    turn.reply(text, rows, card=f"parts:{n}", card_new=new)


def _word(code: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_-]{1,32}", code) is not None


def _line(turn: Turn, part: PickedPart, prices: PriceList) -> str:
    listed = prices.part(part.code) if part.code else None
    name = listed.name(turn.lang) if listed else part.name
    if part.cost is None:
        return f"• {name} ×{part.quantity} — " + say(turn.lang, "no price: type it")
    margin_service = listed or prices.parts_margin()
    margin = margin_service.margin_pct if margin_service else Decimal(0)
    unit = money(Decimal(part.cost) * (100 + margin) / 100)
    return f"• {name} ×{part.quantity} — {format_money(unit, prices.currency, turn.lang)}"


async def on_button(turn: Turn, ticket: Ticket, action: PartPick | PartsClear | PartsMore) -> None:
    """A catalogue part pressed (one more), Start again, or Other parts (the whole catalogue)."""
    prices = await price_list(turn, ticket)
    if prices is None or turn.state.awaiting is not Awaiting.PARTS or turn.state.ticket != ticket.number:
        turn.tell("That button is out of date or not meant for you. Tell me what you need, or send /help.")
        return
    picked = list(turn.state.parts or [])
    if isinstance(action, PartsMore):
        card(turn, ticket, prices, everything=True)
        return
    if isinstance(action, PartsClear):
        picked = []
    else:
        service = prices.part(action.part)
        if service is None:
            turn.tell("That part is no longer in the price list. Type it with its cost.")
            return
        _add(picked, PickedPart(service.name_ru, 1, str(service.price), service.code))
    turn.state.parts = picked
    card(turn, ticket, prices)


async def on_text(turn: Turn, ticket: Ticket, text: str) -> None:
    """Parts typed as "name [xN] [cost]", several by comma or line; all or nothing."""
    prices = await price_list(turn, ticket)
    if prices is None:
        turn.tell("I am not waiting for anything. /jobs - your jobs.")
        return
    picked = list(turn.state.parts or [])
    for raw in re.split(r"[;,\n]", _PREFIX.sub("", text)):
        item = raw.strip(" .")
        if not item:
            continue
        match = _ITEM.match(item)
        if match is None:
            turn.tell('I could not read the parts. Write them like: "belt x2 350, filter".')
            return
        name = match["name"].strip()
        quantity = int(match["qty"] or match["qty2"] or 1)
        if not (1 <= quantity <= MAX_QUANTITY) or len(name) > 200:
            turn.tell('I could not read the parts. Write them like: "belt x2 350, filter".')
            return
        found = _match(prices, name)
        if found is not None:
            _add(picked, PickedPart(found.name, quantity, found.cost, found.code))
            continue
        if match["cost"] is None:
            turn.tell(
                '"{name}" is not in the price list: add its cost, e.g. "{name} x{qty} 350".',
                name=name,
                qty=quantity,
            )
            return
        try:
            cost = parse_amount(match["cost"])
        except ValidationFailed:
            turn.tell('I could not read the parts. Write them like: "belt x2 350, filter".')
            return
        _add(picked, PickedPart(name, quantity, str(cost)))
    turn.state.parts = picked
    card(turn, ticket, prices, new=True)


def unpriced(turn: Turn) -> PickedPart | None:
    """A part still without a cost (a billed job cannot be done with it)."""
    return next((p for p in turn.state.parts or [] if p.cost is None), None)


def to_charge(picked: list[PickedPart]) -> list[Part]:
    """The step's parts as the charge's `Part`s."""
    return [Part(p.name, Decimal(p.cost or 0), p.quantity, p.code) for p in picked]
