"""The engineer's and supervisor's side: join, job offers, job steps by buttons, /jobs, /queue."""

from __future__ import annotations

from dialogue import (
    billing_holds,
    checkin,
    escalation,
    job_parts,
    kb_admin,
    kb_links,
    profile,
    reassign_command,
    sla_answers,
)
from dialogue.cards import (
    LEFT_YOU_DECLINED,
    card_key,
    client_photos,
    client_waits,
    job_card,
    left_card,
    offer_card,
)
from dialogue.checklists import Checklists
from dialogue.conversation import Awaiting
from dialogue.done_flow import DoneSteps
from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson, link_staff
from dialogue.messages import split_command
from dialogue.payloads import (
    Action,
    ChecklistDone,
    ChecklistTick,
    DebtHoldAnswer,
    JobHoldReason,
    JobStep,
    JobTime,
    JobVerb,
    KbAdminAction,
    KbLink,
    OfferAccept,
    OfferDecline,
    OfferDeclineReason,
    PartPick,
    PartsClear,
    PartsDone,
    PartsMore,
    SlaAction,
)
from dialogue.reason_texts import read_stored
from dialogue.report_command import ReportCommand
from dialogue.staff_menus import command_menu, help_text, remember_menu
from dialogue.texts import DECLINE_REASONS
from dialogue.too_long import refused_as_too_long
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.enums import ACTIVE_JOB_STATUSES, Role, Visibility
from ticket_core.errors import DomainError, NotFound
from ticket_core.model import Attachment, Ticket, format_ref

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
SLA_ANSWERS = frozenset({Awaiting.SLA_REASON, Awaiting.SLA_DURATION})
"""What a supervisor's text may answer in an SLA extension (dialogue.sla_answers)."""


class StaffFlow(DoneSteps):
    """Handles every message a staff member sends to the staff bot."""

    def __init__(
        self,
        checklists: Checklists | None = None,
        kb: kb_links.ArticleSource | None = None,
        reports: ReportCommand | None = None,
    ) -> None:
        self.checklists = checklists or Checklists()
        self.kb = kb  # articles suggested to link to a job, and `kb:ID` links in a resolution note
        # /report: the runtime gives a report source and a chart renderer; without them it says it has none.
        self.reports = reports or ReportCommand(None)

    async def handle_unknown(self, turn: Turn) -> StaffPerson | None:
        """An unlinked account: `/start CODE` links it, anything else gets instructions."""
        text = (turn.inbound.text or "").strip()
        if text.startswith("/start"):
            code = text.partition(" ")[2]
            person = await link_staff(turn.uow, turn.inbound, code) if code else None
            if person is not None:
                turn.lang = person.member.lang
                self._welcome(turn, person)
                return person
            turn.tell(
                N_("That code did not match. Check it and send /start CODE.")
                if code
                else N_("This is the staff bot. Ask your supervisor for a join code and send /start CODE.")
            )
            return None
        turn.tell("This is the staff bot. Ask your supervisor for a join code and send /start CODE.")
        return None

    async def handle(self, turn: Turn, person: StaffPerson, action: Action | None) -> None:
        """Route a button action, a location, a photo, a command or free text from a known staff member."""
        if action is not None:
            await self._button(turn, person, action)
            return
        inbound = turn.inbound
        if inbound.location is not None:
            await self._location(turn, person)
            return
        if inbound.media:
            await self._photo(turn, person)
            return
        text = (inbound.text or "").strip()
        if refused_as_too_long(turn, text):
            return
        if text.startswith("/"):
            await self._command(turn, person, text)
            return
        await self._answer(turn, person, text)

    async def _command(self, turn: Turn, person: StaffPerson, text: str) -> None:
        command, args = split_command(text)
        if command == "/start":
            self._welcome(turn, person)
        elif command == "/jobs":
            await self._jobs(turn, person)
        elif command == "/shift" and person.actor.role is Role.ENGINEER:
            arg = args.strip().lower()
            if arg not in ("on", "off"):
                turn.reply(
                    say(
                        turn.lang,
                        "You are {state}. /shift on - start your shift, /shift off - end it.",
                        state=say(turn.lang, N_("on shift") if person.member.on_shift else N_("off shift")),
                    )
                )
                return
            await uc.set_shift(turn.uow, person.actor, arg == "on")
            turn.reply(
                say(
                    turn.lang,
                    "Done: you are {state}.",
                    state=say(turn.lang, N_("on shift") if arg == "on" else N_("off shift")),
                )
            )
        elif command == "/queue" and person.actor.role in SUPERVISOR_ROLES:
            await sla_answers.show_queue(turn)
        elif command == "/profile":
            profile.show(turn, person)
        elif command == "/reassign":  # for anyone: the use case refuses all but supervisors, in words
            await reassign_command.on_command(turn, person, args)
        elif command == "/level" and person.actor.role in SUPERVISOR_ROLES:
            await escalation.on_level_command(turn, person, args)
        elif command == "/estimate" and person.actor.role is Role.ENGINEER:
            await billing_holds.on_revise_command(turn, person, args)
        elif command == "/kb":
            await kb_admin.on_command(turn, person, args)
        elif command == "/report":
            await self.reports.on_command(turn, person, args)
        else:
            # /help, or a command this role does not have (said first): what the role can do, and its menu again.
            menu = command_menu(person.actor.role, turn.lang)
            remember_menu(turn.state, menu)
            turn.reply(help_text(person.actor.role, turn.lang, command), menu=menu)

    @staticmethod
    def _welcome(turn: Turn, person: StaffPerson) -> None:
        """Greet a staff member and set their chat's command menu to their role's commands."""
        text = say(
            turn.lang, "Hello, {name}! Job offers will arrive here. /jobs - my jobs.", name=person.member.name
        )
        menu = command_menu(person.actor.role, turn.lang)
        remember_menu(turn.state, menu)
        turn.reply(text, menu=menu)

    async def _answer(self, turn: Turn, person: StaffPerson, text: str) -> None:
        """Free text answers what the bot asked last: a note, a reason, a message for the client."""
        awaiting = turn.state.awaiting
        if awaiting in SLA_ANSWERS and await sla_answers.on_text(turn, person, text):
            return
        if awaiting is Awaiting.KB_VALUE and await kb_admin.on_text(turn, person, text):
            return
        if not text or awaiting is None or turn.state.ticket is None:
            turn.tell("I am not waiting for anything. /jobs - your jobs.")
            return
        ticket = await self._ticket(turn, str(turn.state.ticket))
        if awaiting in (Awaiting.NOTE, Awaiting.TIME):
            await self._done_answer(turn, person, ticket, awaiting, text)
        elif awaiting is Awaiting.ESTIMATE:
            job = await self._own_job(turn, person, str(ticket.number))
            if await billing_holds.on_revise_text(turn, person, job, text):
                _clear(turn)
                await self._card(turn, job, person)  # without "Revise estimate" now
        elif awaiting is Awaiting.PARTS:
            await job_parts.on_text(turn, await self._own_job(turn, person, str(ticket.number)), text)
        elif awaiting is Awaiting.HOLD:
            await self._hold(turn, person, ticket, text)
        elif awaiting is Awaiting.DECLINE:
            await self._decline(turn, person, ticket, text)
        elif awaiting is Awaiting.MESSAGE:
            reply = await client_waits(turn.uow, ticket)
            await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, text)
            _clear(turn)
            turn.tell(
                N_("Your reply on {ref} was sent to the client.")
                if reply
                else N_("Your message on {ref} was sent to the client."),
                ref=ticket.ref,
            )
            await self._card_if_mine(turn, person, ticket)
        elif awaiting is Awaiting.INTERNAL:
            await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, text, Visibility.INTERNAL)
            _clear(turn)
            turn.tell("Note on {ref} saved.", ref=ticket.ref)
            await self._card_if_mine(turn, person, ticket)
        elif awaiting is Awaiting.ESCALATE:
            await escalation.on_reason(turn, person, ticket, text)
        elif awaiting is Awaiting.HANDOVER:
            ticket = await uc.hand_over(turn.uow, person.actor, ticket.id, turn.now, text)
            _clear(turn)
            await self._card(turn, ticket, person)  # no longer theirs: no buttons
            turn.tell("{ref} is handed over; it will be offered to another engineer.", ref=ticket.ref)
        else:
            turn.tell("I am not waiting for anything. /jobs - your jobs.")

    async def _ticket(self, turn: Turn, number: str) -> Ticket:
        ticket = await turn.uow.tickets.get_by_number(int(number))
        if ticket is None:
            raise NotFound(f"No ticket {format_ref(int(number))}.")
        return ticket

    async def _own_job(self, turn: Turn, person: StaffPerson, number: str) -> Ticket:
        """A job of this engineer (supervisors may act on any)."""
        ticket = await self._ticket(turn, number)
        if person.actor.role not in SUPERVISOR_ROLES and ticket.assignee_id != person.actor.id:
            raise NotFound(f"{ticket.ref} is not one of your jobs.")
        return ticket

    async def _button(self, turn: Turn, person: StaffPerson, action: Action) -> None:
        match action:
            case SlaAction():
                await sla_answers.on_button(turn, person, action)
            case KbAdminAction():
                await kb_admin.on_button(turn, person, action)
            case KbLink(number=number, article_id=article_id):
                job = await self._own_job(turn, person, str(number))
                await kb_links.on_link_press(turn, self.kb, job, person.member.id, article_id)
            case DebtHoldAnswer():
                await billing_holds.on_debt_button(turn, person, action)
            case OfferAccept() | OfferDecline() | OfferDeclineReason():
                await self._offer_button(turn, person, action)
            case ChecklistTick(number=number) | ChecklistDone(number=number):
                await self._checklist_button(turn, person, number, action)
            case JobHoldReason(number=number, reason=reason):
                text = say(turn.lang, "Parts") if reason == "parts" else say(turn.lang, "The client")
                await self._hold(turn, person, await self._own_job(turn, person, str(number)), text)
            case JobTime(number=number, minutes=minutes):
                await self._resolve(turn, person, number, minutes)
            case PartPick(number=number) | PartsClear(number=number) | PartsMore(number=number):
                await job_parts.on_button(turn, await self._own_job(turn, person, str(number)), action)
            case PartsDone(number=number):
                await self._parts_done(turn, person, number)
            case JobStep(verb=verb, number=number):
                await self._job_step(turn, person, verb, await self._own_job(turn, person, str(number)))
            case _:
                turn.tell(
                    "That button is out of date or not meant for you. Tell me what you need, or send /help."
                )

    async def _job_step(self, turn: Turn, person: StaffPerson, verb: JobVerb, ticket: Ticket) -> None:
        """A button of a job card (`dialogue.cards.job_buttons`)."""
        actor = person.actor
        if verb in ("o", "s"):
            await self._card(turn, await uc.report_on_the_way(turn.uow, actor, ticket.id, turn.now), person)
        elif verb == "c":
            turn.state.awaiting, turn.state.ticket = Awaiting.CHECKIN, ticket.number
            turn.reply(
                say(turn.lang, "Share your location to check in on site for {ref}.", ref=ticket.ref),
                request_location=True,
            )
        elif verb == "f":  # "I am on site" after a location far from the site
            if (checked := await checkin.check_in_anyway(turn, actor, ticket)) is not None:
                await self._card(turn, checked, person)
        elif verb == "h":
            turn.state.awaiting, turn.state.ticket = Awaiting.HOLD, ticket.number
            n = ticket.number
            rows = [
                [
                    (say(turn.lang, "Parts"), JobHoldReason(n, "parts").encode()),
                    (say(turn.lang, "The client"), JobHoldReason(n, "client").encode()),
                ]
            ]
            turn.tell("What is {ref} waiting for?", rows, ref=ticket.ref)
        elif verb == "r":
            await self._card(turn, await uc.resume_work(turn.uow, actor, ticket.id, turn.now), person)
        elif verb == "d":
            await self._done(turn, person, ticket)
        elif verb == "x":
            await escalation.offer_hand_over(turn, person, ticket)
        elif verb == "z":
            escalation.ask_reason(turn, person, ticket)
        elif verb in ("m", "n"):  # a reply when the client wrote last, else the engineer starts the talk
            reply = verb == "m" and await client_waits(turn.uow, ticket)
            question = (
                (
                    N_("Write your reply to the client on {ref} (one message).")
                    if reply
                    else N_("Write your message to the client on {ref} (one message).")
                )
                if verb == "m"
                else N_("Note on {ref} (staff only):")
            )
            turn.state.awaiting = Awaiting.MESSAGE if verb == "m" else Awaiting.INTERNAL
            turn.state.ticket = ticket.number
            turn.tell(question, ref=ticket.ref)
        elif verb == "k":
            await kb_links.show_suggestions(turn, self.kb, ticket)
        elif verb == "e":
            turn.state.awaiting, turn.state.ticket = Awaiting.ESTIMATE, ticket.number
            turn.tell(billing_holds.REVISE_QUESTION, ref=ticket.ref)
        else:  # "v": the card again, as a new message
            await self._card(turn, ticket, person, new=True)

    async def _offer_button(
        self, turn: Turn, person: StaffPerson, action: OfferAccept | OfferDecline | OfferDeclineReason
    ) -> None:
        ticket = await self._ticket(turn, str(action.number))
        if isinstance(action, OfferAccept):
            if await billing_holds.refuse_accept(turn, ticket):
                return
            ticket = await uc.accept_offer(turn.uow, person.actor, ticket.id, turn.now)
            _clear(turn)
            await self._card(turn, ticket, person)  # the offer turns into the job card, in place
            turn.tell("You accepted {ref}. The client has been told.", ref=ticket.ref)
        elif isinstance(action, OfferDecline):
            turn.state.awaiting, turn.state.ticket = Awaiting.DECLINE, ticket.number
            reasons = DECLINE_REASONS.items()
            rows = [
                [
                    (say(turn.lang, label), OfferDeclineReason(ticket.number, code).encode())
                    for code, label in reasons
                ]
            ]
            turn.tell("Why are you declining {ref}?", rows, ref=ticket.ref)
        else:
            await self._decline(turn, person, ticket, action.reason)

    async def _card_if_mine(self, turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
        """The job card brought up to date after a message or a note, when it is this engineer's job in work."""
        if ticket.assignee_id == person.member.id and ticket.status in ACTIVE_JOB_STATUSES:
            await self._card(turn, ticket, person)

    async def _card(self, turn: Turn, ticket: Ticket, person: StaffPerson, *, new: bool = False) -> None:
        """The job's live card in this chat: updated in place (`Outbound.card`), or a new one with `new`.

        It carries the actions that fit the job's state now, and none once the job is not this person's.
        """
        live = ticket.assignee_id == person.actor.id or (
            person.actor.role in SUPERVISOR_ROLES and ticket.status in ACTIVE_JOB_STATUSES
        )
        text, buttons = await job_card(turn.uow, ticket, turn.lang, turn.now, live=live)
        turn.reply(text, buttons, card=card_key(ticket), card_new=new)

    async def _decline(self, turn: Turn, person: StaffPerson, ticket: Ticket, reason: str | None) -> None:
        ticket = await uc.decline_offer(turn.uow, person.actor, ticket.id, turn.now, reason)
        _clear(turn)
        # The offer's card, in place: declined, without Accept / Decline and without the SLA line of a job
        # that is no longer theirs to follow.
        turn.reply(await left_card(turn.uow, ticket, turn.lang, LEFT_YOU_DECLINED), card=card_key(ticket))
        turn.tell("You declined {ref}.", ref=ticket.ref)

    async def _hold(self, turn: Turn, person: StaffPerson, ticket: Ticket, reason: str) -> None:
        ticket = await uc.put_on_hold(turn.uow, person.actor, ticket.id, turn.now, reason)
        _clear(turn)
        await self._card(turn, ticket, person)

    async def _location(self, turn: Turn, person: StaffPerson) -> None:
        location = turn.inbound.location
        assert location is not None
        ticket = await self._target_job(turn, person, Awaiting.CHECKIN)
        if ticket and (
            ticket := await checkin.check_in(turn, person.actor, ticket, location.lat, location.lon)
        ):
            await self._card(turn, ticket, person)  # without "On site" now

    async def _photo(self, turn: Turn, person: StaffPerson) -> None:
        ticket = await self._target_job(turn, person, Awaiting.PHOTO)
        if ticket is None:
            return
        attachments = tuple(
            Attachment(m.kind, m.file_id, str(turn.inbound.channel), m.caption) for m in turn.inbound.media
        )
        await uc.add_comment(
            turn.uow,
            person.actor,
            ticket.id,
            turn.now,
            turn.inbound.text or "",
            Visibility.INTERNAL,
            attachments,
        )
        turn.tell("Photo added to {ref}.", ref=ticket.ref)
        if turn.state.awaiting is Awaiting.PHOTO:
            turn.state.photo_done = True
            await self._done(turn, person, ticket)

    async def _target_job(self, turn: Turn, person: StaffPerson, awaiting: Awaiting) -> Ticket | None:
        """The job a location or photo is for: the one asked about, else the engineer's only active job."""
        asked = turn.state.ticket
        if asked is not None and (turn.state.awaiting is awaiting or awaiting is Awaiting.PHOTO):
            return await self._own_job(turn, person, str(asked))
        jobs = await turn.uow.tickets.list_for_assignee(person.actor.id, sorted(ACTIVE_JOB_STATUSES))
        if len(jobs) == 1:
            return jobs[0]
        turn.tell("Which job is this for? Open it from /jobs.")
        return None

    async def _jobs(self, turn: Turn, person: StaffPerson) -> None:
        """The engineer's jobs: first the offers that wait for their answer (a reopened job offered back to
        them among them, its card saying so and why, with Accept / Decline), then the jobs in work."""
        try:
            offered = await uc.list_my_offers(turn.uow, person.actor, turn.now)
            jobs = await uc.list_my_jobs(turn.uow, person.actor)
        except DomainError:
            offered, jobs = [], []
        if not jobs and not offered:
            turn.tell("You have no active jobs.")
            return
        turn.tell("Your jobs:")
        for job in offered:
            # The offer's reasons come back from the event log as English text: read them back to say them.
            reasons = [read_stored(r) for r in job.reasons]
            text, buttons = await offer_card(
                turn.uow, job.ticket, turn.lang, reasons, turn.now, person.actor.id
            )
            turn.reply(text, buttons, card=card_key(job.ticket), card_new=True)
            photos = client_photos(job.ticket.attachments)
            if photos:  # the card says they are below, as the offer did
                turn.reply(say(turn.lang, "Photo from the client on {ref}", ref=job.ticket.ref), media=photos)
        for ticket in sorted(jobs, key=lambda t: (t.priority, t.created_at)):
            await self._card(turn, ticket, person, new=True)


def _clear(turn: Turn) -> None:
    turn.state.end_job_step()
