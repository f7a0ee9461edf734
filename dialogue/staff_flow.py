"""The engineer's and supervisor's side: join, job offers, job steps by buttons, /jobs."""

from __future__ import annotations

from dialogue import sla_alerts
from dialogue.cards import job_buttons, job_card
from dialogue.identity import StaffPerson, link_staff
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.enums import Role
from ticket_core.errors import DomainError, NotFound
from ticket_core.model import Ticket, format_ref

MAX_TEXT = 4000
TIME_CHOICES = (15, 30, 60, 120, 240)


class StaffFlow:
    """Handles every message a staff member sends to the staff bot."""

    async def handle_unknown(self, turn: Turn) -> StaffPerson | None:
        """An unlinked account: `/start CODE` links it, anything else gets instructions."""
        text = (turn.inbound.text or "").strip()
        if text.startswith("/start"):
            code = text.partition(" ")[2]
            person = await link_staff(turn.uow, turn.inbound, code) if code else None
            if person is not None:
                turn.lang = person.member.lang
                turn.say("staff_welcome", name=person.member.name)
                return person
            turn.say("staff_bad_code" if code else "staff_unknown")
            return None
        turn.say("staff_unknown")
        return None

    async def handle(self, turn: Turn, person: StaffPerson, action: str | None) -> None:
        """Route a button action, a command or free text from a known staff member."""
        if action is not None:
            await self._button(turn, person, action)
            return
        text = (turn.inbound.text or "").strip()
        if len(text) > MAX_TEXT:
            turn.say("too_long", n=len(text), max=MAX_TEXT)
            return
        if text.startswith("/"):
            command = text.partition(" ")[0].split("@", 1)[0].lower()
            if command == "/start":
                turn.say("staff_welcome", name=person.member.name)
            elif command == "/jobs":
                await self._jobs(turn, person)
            else:
                turn.say("staff_help")
            return
        awaiting = turn.state.get("awaiting")
        if awaiting == "note" and text:
            turn.state["note"] = text
            turn.state["awaiting"] = "time"
            rows = [
                [
                    (f"{m // 60} h" if m >= 60 else f"{m} min", f"jb:t:{turn.state['ticket']}:{m}")
                    for m in TIME_CHOICES
                ]
            ]
            turn.say("time_q", [*rows, [(turn.tr("btn_skip"), f"jb:t:{turn.state['ticket']}:-")]])
        elif awaiting == "hold" and text:
            await self._hold(turn, person, int(turn.state["ticket"]), text)
        elif awaiting == "message" and text:
            ticket = await self._ticket(turn, str(turn.state["ticket"]))
            await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, text)
            _clear(turn)
            turn.say("reply_sent", ref=ticket.ref)
        elif awaiting == "decline" and text:
            await self._decline(turn, person, int(turn.state["ticket"]), text)
        else:
            turn.say("staff_nothing_pending")

    async def _ticket(self, turn: Turn, number: str) -> Ticket:
        ticket = await turn.uow.tickets.get_by_number(int(number))
        if ticket is None:
            raise NotFound(f"No ticket {format_ref(int(number))}.")
        return ticket

    async def _button(self, turn: Turn, person: StaffPerson, action: str) -> None:
        if action.startswith("sla:"):
            await sla_alerts.on_button(turn, person, action)
            return
        parts = action.split(":")
        head, kind, number = parts[0], parts[1], parts[2]
        actor = person.actor
        if head == "of" and kind == "a":
            ticket = await uc.accept_offer(turn.uow, actor, (await self._ticket(turn, number)).id, turn.now)
            _clear(turn)
            turn.say("accepted_ok", job_buttons(ticket, turn.lang), ref=ticket.ref)
        elif head == "of" and kind == "d":
            ticket = await self._ticket(turn, number)
            turn.state.update(awaiting="decline", ticket=ticket.number)
            reasons = [("reason_busy", "busy"), ("reason_far", "far"), ("reason_skill", "skill")]
            turn.say(
                "decline_reason_q",
                [[(turn.tr(key), f"of:r:{ticket.number}:{code}") for key, code in reasons]],
                ref=ticket.ref,
            )
        elif head == "of" and kind == "r":
            await self._decline(turn, person, int(number), parts[3] if len(parts) > 3 else None)
        elif head == "jb" and kind == "s":
            ticket = await uc.start_work(turn.uow, actor, (await self._ticket(turn, number)).id, turn.now)
            text, buttons = await job_card(turn.uow, ticket, turn.lang)
            turn.reply(text, buttons)
        elif head == "jb" and kind == "h":
            ticket = await self._ticket(turn, number)
            turn.state.update(awaiting="hold", ticket=ticket.number)
            turn.say(
                "hold_reason_q",
                [
                    [
                        (turn.tr("hold_parts"), f"jb:w:{ticket.number}:parts"),
                        (turn.tr("hold_client"), f"jb:w:{ticket.number}:client"),
                    ]
                ],
                ref=ticket.ref,
            )
        elif head == "jb" and kind == "w":
            await self._hold(
                turn,
                person,
                int(number),
                turn.tr("hold_parts") if parts[3] == "parts" else turn.tr("hold_client"),
            )
        elif head == "jb" and kind == "r":
            ticket = await uc.resume_work(turn.uow, actor, (await self._ticket(turn, number)).id, turn.now)
            text, buttons = await job_card(turn.uow, ticket, turn.lang)
            turn.reply(text, buttons)
        elif head == "jb" and kind == "d":
            ticket = await self._ticket(turn, number)
            if ticket.assignee_id != actor.id:
                raise NotFound(f"{ticket.ref} is not one of your jobs.")
            turn.state.update(awaiting="note", ticket=ticket.number)
            turn.say("note_q", ref=ticket.ref)
        elif head == "jb" and kind == "m":
            ticket = await self._ticket(turn, number)
            if person.actor.role is Role.ENGINEER and ticket.assignee_id != person.actor.id:
                raise NotFound(f"{ticket.ref} is not one of your jobs.")
            turn.state.update(awaiting="message", ticket=ticket.number)
            turn.say("reply_q", ref=ticket.ref)
        elif head == "jb" and kind == "t":
            await self._resolve(turn, person, int(number), parts[3])
        elif head == "jb" and kind == "v":
            ticket = await self._ticket(turn, number)
            text, buttons = await job_card(turn.uow, ticket, turn.lang)
            turn.reply(text, buttons)
        else:
            turn.say("bad_button")

    async def _decline(self, turn: Turn, person: StaffPerson, number: int, reason: str | None) -> None:
        ticket = await self._ticket(turn, str(number))
        await uc.decline_offer(turn.uow, person.actor, ticket.id, turn.now, reason)
        _clear(turn)
        turn.say("declined_ok", ref=ticket.ref)

    async def _hold(self, turn: Turn, person: StaffPerson, number: int, reason: str) -> None:
        ticket = await self._ticket(turn, str(number))
        ticket = await uc.put_on_hold(turn.uow, person.actor, ticket.id, turn.now, reason)
        _clear(turn)
        text, buttons = await job_card(turn.uow, ticket, turn.lang)
        turn.reply(text, buttons)

    async def _resolve(self, turn: Turn, person: StaffPerson, number: int, minutes: str) -> None:
        note = turn.state.get("note")
        if turn.state.get("awaiting") != "time" or not note or int(turn.state.get("ticket", 0)) != number:
            ticket = await self._ticket(turn, str(number))
            turn.state.update(awaiting="note", ticket=number)
            turn.say("note_q", ref=ticket.ref)
            return
        ticket = await self._ticket(turn, str(number))
        spent = int(minutes) if minutes.isdigit() else None
        await uc.resolve_ticket(turn.uow, person.actor, ticket.id, turn.now, note, spent)
        _clear(turn)
        turn.say("resolved_ok", ref=ticket.ref)

    async def _jobs(self, turn: Turn, person: StaffPerson) -> None:
        try:
            jobs = await uc.list_my_jobs(turn.uow, person.actor)
        except DomainError:
            jobs = []
        if not jobs:
            turn.say("no_jobs")
            return
        turn.say("jobs_list")
        for ticket in jobs:
            text, buttons = await job_card(turn.uow, ticket, turn.lang)
            turn.reply(text, buttons)


def _clear(turn: Turn) -> None:
    for key in ("awaiting", "ticket", "note"):
        turn.state.pop(key, None)
