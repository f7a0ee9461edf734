"""Billing notices in the staff chat that no event causes: "contract ends in 30 days" and the weekly debtors.

Supervisors and the client's account manager hear that a contract with money terms ends within
`CONTRACT_WARN_DAYS` (once per contract and end date); every Monday the supervisors get the list of clients in
debt and each account manager the list of their own clients in debt (once per ISO week). Each notice is
claimed in `billing_notices` in the transaction that queues its messages, so a second run, or a second worker
process at the same moment, sends nothing again. `helpdesk.billing_notices` says when to run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from dialogue.billing_alerts import staff_to_tell
from dialogue.i18n import say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from ticket_core.billing.money import format_money
from ticket_core.billing.terms import ContractTerms
from ticket_core.enums import Role
from ticket_core.model import StaffMember
from ticket_core.ports import UnitOfWork

CONTRACT_WARN_DAYS = 30
MAX_DEBTORS_LISTED = 50


def _day(lang: str, day: date) -> str:
    return f"{day:%d.%m.%Y}" if lang == "ru" else day.isoformat()


async def _client_name(uow: UnitOfWork, client_id: str) -> str:
    client = await uow.directory.get_client(client_id)
    return client.name if client else client_id


async def contract_endings(uow: UnitOfWork, out: Outgoing, today: date, now: datetime) -> int:
    """Warn about contracts with money terms ending within 30 days; return how many were announced."""
    store = uow.billing
    if store is None:
        return 0
    sent = 0
    for terms in (await store.terms_for_clients()).values():
        end = terms.valid_until
        if end is None or not (0 <= (end - today).days <= CONTRACT_WARN_DAYS):
            continue
        if not await store.claim_notice(f"contract-ends:{terms.contract_id}:{end.isoformat()}", now):
            continue
        client = await _client_name(uow, terms.client_id)
        contract = await uow.directory.get_contract(terms.client_id)
        name = (
            contract.name if contract is not None and contract.id == terms.contract_id else terms.contract_id
        )
        for member in await staff_to_tell(uow, terms.client_id):
            text = say(
                member.lang,
                '📅 {client}: the contract "{contract}" ends on {date} (in {days} days). Time to renew it.',
                client=client,
                contract=name,
                date=_day(member.lang, end),
                days=(end - today).days,
            )
            await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
        sent += 1
    return sent


async def weekly_debtors(uow: UnitOfWork, out: Outgoing, today: date, now: datetime) -> bool:
    """The week's debtors list (on Mondays): all to supervisors, their own to account managers."""
    store = uow.billing
    if store is None or today.weekday() != 0:
        return False
    year, week, _ = today.isocalendar()
    terms = await store.terms_for_clients()
    balances = await store.balances()
    debtors = sorted(
        (
            (client_id, -balance)
            for client_id, balance in balances.items()
            if _in_debt(terms, client_id, balance)
        ),
        key=lambda pair: -pair[1],
    )
    if not debtors or not await store.claim_notice(f"debtors:{year}-W{week:02d}", now):
        return False
    names = {client_id: await _client_name(uow, client_id) for client_id, _ in debtors}
    readers: dict[str, tuple[StaffMember, list[tuple[str, Decimal]]]] = {}
    supervisors = await uow.directory.list_staff(Role.SUPERVISOR)
    for member in supervisors:
        readers[member.id] = (member, debtors)
    own: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for client_id, debt in debtors:
        manager = terms[client_id].account_manager_id
        if manager and manager not in readers:
            own[manager].append((client_id, debt))
    for manager_id, theirs in own.items():
        person = await uow.directory.get_staff(manager_id)
        if person is not None:
            readers[person.id] = (person, theirs)
    for member, listed in readers.values():
        lang = member.lang
        lines = [
            say(lang, "• {client}: {debt}", client=names[c], debt=format_money(debt, terms[c].currency, lang))
            for c, debt in listed[:MAX_DEBTORS_LISTED]
        ]
        if len(listed) > MAX_DEBTORS_LISTED:
            lines.append(say(lang, "… and {n} more", n=len(listed) - MAX_DEBTORS_LISTED))
        text = say(
            lang,
            "💸 Clients in debt, week {week} ({n}):\n{lines}",
            week=f"{year}-W{week:02d}",
            n=len(listed),
            lines="\n".join(lines),
        )
        await out.to_person(uow, member.id, Bot.STAFF, text, lang=lang)
    return True


def _in_debt(terms: dict[str, ContractTerms], client_id: str, balance: Decimal) -> bool:
    found = terms.get(client_id)
    return found is not None and found.in_debt(balance)
