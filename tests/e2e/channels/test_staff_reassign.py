"""A supervisor's `/reassign` in the web staff chat, through the real running app (#18's leftover): without a
name it shows whom the job in work may go to as buttons, and a press offers it to that engineer; an engineer
who tries is refused."""

from __future__ import annotations

from dialogue.i18n import say
from helpdesk.demo.loader import read_directory
from tests.e2e.channels.app import RunningApp
from tests.e2e.channels.script import open_ticket
from tests.e2e.channels.staff import find_offer
from tests.e2e.channels.visitors import make_driver
from tests.e2e.channels.webchat_driver import WebChatDriver

REFUSED = {
    "ru": "Только руководитель может переназначать работу",
    "en": "Only a supervisor can reassign a job",
}
ASKED = {"ru": "Кому передать {ref}? Сейчас она у", "en": "Who gets {ref}? Now with"}
OFFERED = {"ru": "{ref} предложена инженеру", "en": "{ref} was offered to"}
HEADLINE = {"ru": "Новая заявка", "en": "New job"}


async def test_a_supervisor_reassigns_a_job_in_work_from_the_web_staff_chat(app: RunningApp) -> None:
    client = make_driver("webchat", app)
    ref = await open_ticket(client)
    engineer = await find_offer(app.http, app.base_url, ref)
    await engineer.accept(ref)
    await engineer.chat.say(f"/reassign {ref}")
    await engineer.chat.wait_for(REFUSED[engineer.lang])

    staff = read_directory()["staff"]
    row = next(r for r in staff if r["role"] == "supervisor")
    lang = row["lang"]
    boss = WebChatDriver(app.http, app.base_url, row["id"], bot="staff", name=row["name"], lang=lang)
    await boss.say(f"/reassign {ref}")
    asked = await boss.wait_for_shown(ASKED[lang].format(ref=ref))
    labels = [c.label for c in asked.choices]
    assert labels[0] == say(lang, "Back to the queue") and len(labels) >= 2, labels
    picked = next(r for r in staff if r["name"] == labels[1])
    assert picked["id"] != engineer.chat.chat_id  # never the engineer who has it
    await boss.press(labels[1])
    await boss.wait_for(OFFERED[lang].format(ref=ref))
    chat = WebChatDriver(
        app.http, app.base_url, picked["id"], bot="staff", name=picked["name"], lang=picked["lang"]
    )
    await chat.wait_for(f"{HEADLINE[picked['lang']]} {ref}")
