"""The engineer's /jobs in the web staff chat, through the real running app (#18).

A client reopens a finished job: it goes back, as an offer, to the engineer who did the work, and stays in
their /jobs (its card says it is a reopen and why, with Accept / Decline) until they answer; no other
engineer's /jobs shows it.
"""

from __future__ import annotations

from dialogue.i18n import say
from helpdesk.demo.loader import read_directory
from tests.e2e.channels.app import RunningApp
from tests.e2e.channels.script import open_ticket, ticket_rows
from tests.e2e.channels.staff import find_offer
from tests.e2e.channels.visitors import make_driver
from tests.e2e.channels.webchat_driver import WebChatDriver

REOPENED = {"ru": "Снова открыта заявка", "en": "Reopened job"}
"""How the card of a reopened job begins, in the engineer's language."""


async def test_a_reopened_job_stays_in_the_jobs_of_the_engineer_who_did_it(app: RunningApp) -> None:
    client = make_driver("webchat", app)
    ref = await open_ticket(client)
    engineer = await find_offer(app.http, app.base_url, ref)
    await engineer.accept(ref)
    await engineer.finish(ref, "Почистил ролики подачи")
    await client.wait_for(f"Заявка {ref} выполнена")
    await client.press("Не исправлено")
    await client.wait_for("Опишите, что не так")
    await client.say("Опять замяло")
    await client.wait_for(f"Заявка {ref} снова открыта")

    lang = engineer.lang
    reopened = f"{REOPENED[lang]} {ref}"
    await engineer.chat.wait_for(reopened)  # the offer itself
    await engineer.chat.say("/jobs")
    await engineer.chat.wait_for(say(lang, "Your jobs:"))
    listed = await engineer.chat.wait_for_shown(reopened)
    assert "Опять замяло" in listed.text, listed.text  # why it was reopened
    assert [c.label for c in listed.choices][:2] == [say(lang, "Accept"), say(lang, "Decline")]

    # Nobody else sees it: every other demo engineer's /jobs leaves it out.
    others = [
        row
        for row in read_directory()["staff"]
        if row["role"] == "engineer" and row["id"] != engineer.chat.chat_id
    ]
    for row in others:
        other = WebChatDriver(
            app.http, app.base_url, row["id"], bot="staff", name=row["name"], lang=row["lang"]
        )
        await other.say("/jobs")
        await other.wait_for_shown(
            say(row["lang"], "You have no active jobs."), say(row["lang"], "Your jobs:")
        )
        await other.refresh(0.3)
        assert not any(ref in text for text in other.texts()), (row["id"], other.texts())

    await engineer.accept(ref)
    [row] = await ticket_rows(app)
    assert (row["status"], row["reopen_count"]) == ("accepted", 1)
