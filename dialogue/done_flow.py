"""The engineer's Done: the category's checklist, a photo where it needs one, the note, the time spent, the
parts a billed job used (`dialogue.job_parts`), then the resolution with its charge lines. A part of
`dialogue.staff_flow.StaffFlow`, which it is mixed into."""

from __future__ import annotations

from datetime import timedelta

from dialogue import equipment_cards, job_parts, kb_links
from dialogue.cards import short
from dialogue.checklists import Checklists
from dialogue.conversation import Awaiting, PickedPart
from dialogue.i18n import say
from dialogue.identity import StaffPerson
from dialogue.payloads import ChecklistDone, ChecklistTick, JobTime
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.durations import DurationStyle, format_duration
from ticket_core.model import Ticket

TIME_CHOICES = (15, 30, 60, 90, 120, 240)  # minutes offered as buttons for the time a job took


class DoneSteps:
    """The Done flow's steps; the staff flow gives the job lookup, the job card and the checklists."""

    checklists: Checklists
    kb: kb_links.ArticleSource | None

    async def _own_job(self, turn: Turn, person: StaffPerson, number: str) -> Ticket:
        raise NotImplementedError

    async def _card(self, turn: Turn, ticket: Ticket, person: StaffPerson, *, new: bool = False) -> None:
        raise NotImplementedError

    async def _done(self, turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
        """Done: the checklist first, then a photo where the category needs one, then the note."""
        state = turn.state
        if state.ticket != ticket.number:
            turn.state.end_job_step()
            state.ticket = ticket.number
        items = self.checklists.items(ticket.category, turn.lang)
        if items and not state.checklist_done:
            state.awaiting = Awaiting.CHECKLIST
            if state.ticked is None:
                state.ticked = []
            self._checklist(turn, ticket, items, state.ticked, new=True)
            return
        if self.checklists.needs_photo(ticket.category) and not state.photo_done:
            state.awaiting = Awaiting.PHOTO
            turn.tell("{ref} needs a photo of the finished work: send it.", ref=ticket.ref)
            return
        state.awaiting = Awaiting.NOTE
        await kb_links.ask_note(turn, self.kb, ticket, await equipment_cards.parts_hint(turn, ticket))

    def _checklist(
        self, turn: Turn, ticket: Ticket, items: list[str], ticked: list[int], *, new: bool = False
    ) -> None:
        """The checklist as a live card: a tick updates it in place (a copy per tick buried the chat), `new`
        posts it afresh at the bottom (Done pressed, or a tick that was not allowed)."""
        n = ticket.number
        rows = [
            [(f"{'✅' if i in ticked else '⬜'} {short(item, 40)}", ChecklistTick(i, n).encode())]
            for i, item in enumerate(items)
        ]
        rows.append([(say(turn.lang, "All done"), ChecklistDone(n).encode())])
        turn.reply(
            say(turn.lang, "Checklist for {ref}: tick every item.", ref=ticket.ref),
            rows,
            card=f"checklist:{n}",
            card_new=new,
        )

    async def _checklist_button(
        self, turn: Turn, person: StaffPerson, number: int, action: ChecklistTick | ChecklistDone
    ) -> None:
        ticket = await self._own_job(turn, person, str(number))
        items = self.checklists.items(ticket.category, turn.lang)
        if turn.state.ticket != ticket.number or turn.state.awaiting is not Awaiting.CHECKLIST:
            await self._done(turn, person, ticket)
            return
        if turn.state.ticked is None:
            turn.state.ticked = []
        ticked = turn.state.ticked
        if isinstance(action, ChecklistDone):
            if len(set(ticked)) < len(items):
                turn.tell("Not every checklist item for {ref} is ticked.", ref=ticket.ref)
                self._checklist(turn, ticket, items, ticked, new=True)
                return
            turn.state.checklist_done = True
            await self._done(turn, person, ticket)
            return
        if action.index < len(items):
            i = action.index
            if i in ticked:
                ticked.remove(i)
            else:
                ticked.append(i)
        self._checklist(turn, ticket, items, ticked)

    async def _done_answer(
        self, turn: Turn, person: StaffPerson, ticket: Ticket, awaiting: Awaiting, text: str
    ) -> None:
        """A typed answer to Done's questions: the note (then the time it took), or the time."""
        if awaiting is Awaiting.NOTE:
            turn.state.note = text
            turn.state.awaiting = Awaiting.TIME
            n = ticket.number
            rows = [
                [
                    (
                        format_duration(timedelta(minutes=m), turn.lang, style=DurationStyle.SHORT),
                        JobTime(n, str(m)).encode(),
                    )
                    for m in TIME_CHOICES
                ]
            ]
            turn.reply(
                say(turn.lang, "How long did it take?"),
                [*rows, [(say(turn.lang, "Skip"), JobTime(n, "-").encode())]],
            )
            return
        minutes = job_parts.read_minutes(text)
        if minutes is None or minutes > 7 * 24 * 60:
            turn.tell('I could not read the time. Press a button or write e.g. "1.5 h", "1:30" or "90 min".')
        else:
            await self._resolve(turn, person, ticket.number, str(minutes))

    async def _resolve(self, turn: Turn, person: StaffPerson, number: int, minutes: str) -> None:
        """The time spent is known: a billed client's job asks for its parts next, any other is done."""
        note = turn.state.note
        ticket = await self._own_job(turn, person, str(number))
        if turn.state.awaiting is not Awaiting.TIME or not note or turn.state.ticket != number:
            await self._done(turn, person, ticket)
            return
        prices = await job_parts.price_list(turn, ticket)
        if prices is not None:
            turn.state.minutes = minutes
            await job_parts.ask(turn, ticket, prices, note)
            return
        await self._finish(turn, person, ticket, note, minutes, None)

    async def _parts_done(self, turn: Turn, person: StaffPerson, number: int) -> None:
        """Done on the parts card: the job is resolved with its parts (a part without a cost waits)."""
        state = turn.state
        ticket = await self._own_job(turn, person, str(number))
        if (
            state.awaiting is not Awaiting.PARTS
            or state.ticket != number
            or not state.note
            or not state.minutes
        ):
            await self._done(turn, person, ticket)
            return
        missing = job_parts.unpriced(turn)
        if missing is not None:
            turn.tell(
                '"{name}" has no cost: type it, e.g. "{name} x{qty} 350", or press "Start again".',
                name=missing.name,
                qty=missing.quantity,
            )
            return
        await self._finish(turn, person, ticket, state.note, state.minutes, list(state.parts or []))

    async def _finish(
        self,
        turn: Turn,
        person: StaffPerson,
        ticket: Ticket,
        note: str,
        minutes: str,
        picked: list[PickedPart] | None,
    ) -> None:
        """Resolve the job with its note, time, checklist and parts (None: the step was not asked)."""
        ticked = self.checklists.pairs(ticket.category) if turn.state.checklist_done else ()
        spent = int(minutes) if minutes.isdigit() else None
        parts = job_parts.to_charge(picked or [])
        ticket = await uc.resolve_ticket(
            turn.uow, person.actor, ticket.id, turn.now, note, spent, ticked, parts=parts
        )
        turn.state.end_job_step()
        await self._card(turn, ticket, person)  # done: the card keeps no buttons
        turn.tell("{ref} is marked done. The client has been asked to rate it.", ref=ticket.ref)
        if picked is None:
            await equipment_cards.record_parts_from_note(turn, person.actor, ticket, note)
        else:
            await equipment_cards.record_parts_list(
                turn, person.actor, ticket, [(p.name, p.quantity) for p in picked]
            )
        await kb_links.link_articles(turn, self.kb, ticket, person.member.id, note)
