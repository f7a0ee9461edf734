"""Staff command menus kept in step with each person's role and language, without waiting for them to write.

A staff member gets their role's command menu when they link their chat (/start) and with /help; one linked
before per-role menus existed, or whose role or language changed since, would keep the old (or the bot's
general) menu until then. `refresh_staff_menus` sets the menu of every linked Telegram staff chat whose
recorded menu differs from what its person should have; the worker runs it at start-up and then every few
minutes. The menu last set is recorded in the chat's conversation state (`menu`), so a chat whose menu is
right costs one read and no call to Telegram.
"""

from __future__ import annotations

from datetime import datetime

from dialogue.conversation import ConversationState, load_state, save_state
from dialogue.i18n import N_, say
from dialogue.messages import Bot, Channel
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from ticket_core.enums import Role

MENU_BY_ROLE = {
    Role.ENGINEER: ("jobs", "shift", "report", "profile", "help"),
    Role.SUPERVISOR: ("queue", "reassign", "level", "report", "profile", "help"),
    Role.ADMIN: ("kb", "queue", "reassign", "level", "report", "profile", "help"),
}
"""Each role's command menu (the bot sets it for the person's chat), in the order it is shown."""
MENU_DESCRIPTIONS: dict[str, str] = {
    "jobs": N_("My jobs and what to do next"),
    "shift": N_("Start or end your shift: on | off"),
    "queue": N_("Tickets without an engineer"),
    "reassign": N_("Give a job to another engineer: HD-1001 [name]"),
    "level": N_("The engineer level a ticket needs: HD-1001 2"),
    "kb": N_("Knowledge base articles"),
    "report": N_("Figures for a week or a month"),
    "profile": N_("My profile"),
    "help": N_("What I can do"),
}
"""What each command of the menus does, as the menu describes it."""
HELP_BY_ROLE = {
    Role.ENGINEER: N_(
        "Engineer commands:\n/jobs - my jobs and what to do next\n/shift on|off - start or end your shift\n"
        "/report [week|month] - my figures\n/profile - my profile\n"
        "/estimate HD-1042 3 2500 - a revised estimate on site: 3 h of work and parts for 2,500; the client "
        "approves it (or press Revise estimate on the job's card)\n"
        "The buttons under a card act on that job."
    ),
    Role.SUPERVISOR: N_(
        "Supervisor commands:\n/queue - tickets without an engineer, with Reassign and Raise priority\n"
        "/reassign HD-1001 [name] - give a job to another engineer; without a name, whom it may go to\n"
        "/level HD-1001 2 - the engineer level a ticket needs\n/report [week|month] - the team's figures\n"
        "/profile - my profile\nSLA alerts arrive here with their buttons."
    ),
    Role.ADMIN: N_(
        "Admin commands:\n/kb - knowledge base articles (show, new, edit, publish, unpublish)\n"
        "/queue - tickets without an engineer\n"
        "/reassign HD-1001 [name] - give a job to another engineer; without a name, whom it may go to\n"
        "/level HD-1001 2 - the engineer level a ticket needs\n"
        "/report [week|month] - figures\n/profile - my profile"
    ),
}
"""Each role's /help lists what that role can do."""
STAFF_COMMANDS = frozenset(
    {"/start", "/estimate", *(f"/{name}" for names in MENU_BY_ROLE.values() for name in names)}
)
"""Every staff command of some role: one of these that a person's role lacks is not "unknown", only not theirs."""

MENU_CHANNELS = (Channel.TELEGRAM,)
"""Channels with a per-chat command menu."""


def help_text(role: Role, lang: str, command: str = "/help") -> str:
    """The role's /help in `lang`, first saying why when `command` was not /help but one the role does not have."""
    text = say(lang, HELP_BY_ROLE.get(role, HELP_BY_ROLE[Role.ENGINEER]))
    if command == "/help":
        return text
    if command in STAFF_COMMANDS:
        return say(lang, "The command {command} is not one of yours.", command=command) + "\n" + text
    return say(lang, "I do not know the command {command}.", command=command) + "\n" + text


def command_menu(role: Role, lang: str) -> tuple[tuple[str, str], ...]:
    """The command menu of a staff role, described in `lang`."""
    return tuple(
        (name, say(lang, MENU_DESCRIPTIONS[name]))
        for name in MENU_BY_ROLE.get(role, MENU_BY_ROLE[Role.ENGINEER])
    )


def remember_menu(state: ConversationState, menu: tuple[tuple[str, str], ...]) -> None:
    """Record in a chat's conversation state the menu just set for it."""
    state.menu = list(menu)


async def refresh_staff_menus(uow: DialogueUnitOfWork, out: Outgoing, now: datetime) -> int:
    """Queue a menu for every linked staff chat whose menu is not its person's role's; return how many."""
    changed = 0
    for member in await uow.directory.list_staff():
        menu = command_menu(member.role, member.lang)
        for account in await uow.accounts.list_for_person(member.id, str(Bot.STAFF)):
            if account.channel not in MENU_CHANNELS:
                continue
            key = f"{account.channel}:{account.bot}:{account.chat_id}:{account.account_id}"
            state = await load_state(uow.conversations, key)
            if state.menu == list(menu):
                continue
            out.to_chat(
                Channel(account.channel), Bot.STAFF, account.chat_id, account.account_id, "", menu=menu
            )
            remember_menu(state, menu)
            await save_state(uow.conversations, key, state, now)
            changed += 1
    return changed
