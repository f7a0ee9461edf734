"""What the admin's screenshots of the working day showed a Russian reader (issue #18), over HTTP on SQLite and
PostgreSQL: a finished ticket's SLA clocks that still read "в срок" with due times, dot decimals, raw KB audience
codes and an engineer's done photo shown as an empty internal note."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from helpdesk.admin import timeline
from helpdesk.admin.i18n import Texts
from helpdesk.admin.render import TEMPLATES, make_environment
from tests.integration.test_admin_http import (
    ADMIN,
    ENGINEER,
    SUPERVISOR,
    Admin,
    _open_ticket,
    admin,
    signed_in,
)
from ticket_core import usecases as uc
from ticket_core.enums import Role, Visibility
from ticket_core.model import Actor, Attachment
from ticket_core.usecases.reassign import reassign

__all__ = ["admin"]  # the fixture, shared with the admin's HTTP tests

BOSS = Actor(Role.SUPERVISOR, SUPERVISOR, name="Ольга Соколова")
SMIRNOV = Actor(Role.ENGINEER, ENGINEER, name="Алексей Смирнов")
PHOTO = "web:" + "ab" * 16 + ".jpg"


def _section(page: str, element_id: str) -> str:
    """The HTML of the element with `element_id` up to the next card or heading of the page."""
    start = page.index(f'id="{element_id}"')
    end = min(
        i
        for i in (page.find("<h2>", start + 40), page.find('<div class="card', start + 40), len(page))
        if i > 0
    )
    return page[start:end]


async def _resolved(admin: Admin, photo: bool = False) -> int:
    """A ticket offered to Smirnov, accepted and resolved by him (with a done photo, text-less, when asked)."""
    ticket = await _open_ticket(admin)
    now = datetime.now(UTC)
    async with admin.rt.uows() as uow:
        await reassign(uow, BOSS, ticket.id, now, ENGINEER)
        await uc.accept_offer(uow, SMIRNOV, ticket.id, now)
        if photo:
            done = (Attachment("photo", PHOTO, "web"),)
            await uc.add_comment(uow, SMIRNOV, ticket.id, now, "", Visibility.INTERNAL, done)
        await uc.resolve_ticket(uow, SMIRNOV, ticket.id, now, "Заменил ролик")
        await uow.commit()
    return int(ticket.number)


async def test_a_cancelled_tickets_clocks_read_stopped_not_on_time(admin: Admin) -> None:
    ticket = await _open_ticket(admin)
    async with admin.rt.uows() as uow:
        await uc.cancel_ticket(uow, BOSS, ticket.id, datetime.now(UTC), "Клиент передумал")
        await uow.commit()
    await signed_in(admin, SUPERVISOR)  # reads Russian
    sla = _section(await admin.page(f"/admin/tickets/{ticket.number}"), "sla")
    assert "в срок" not in sla and "под угрозой" not in sla, sla  # it read "в срок" with both due times
    assert sla.count("остановлен</span>") == 2, sla
    assert "Часы остановлены: заявка отменена" in sla, sla
    assert not re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+</td></tr>", sla), sla  # no due time
    listing = await admin.page(f"/admin/tickets?status=cancelled&client={ticket.client_id}")
    assert "выполнен</span>" not in listing.split('id="tickets-table"')[1]  # a cancelled ticket is not "done"


async def test_a_resolved_tickets_clocks_read_met_and_stopped(admin: Admin) -> None:
    number = await _resolved(admin)
    await signed_in(admin, SUPERVISOR)
    sla = _section(await admin.page(f"/admin/tickets/{number}"), "sla")
    assert "в срок" not in sla and sla.count("соблюдён</span>") == 2, sla
    assert "Часы остановлены: заявка выполнена" in sla, sla


async def test_a_done_photo_shows_as_a_picture_not_an_empty_note(admin: Admin) -> None:
    number = await _resolved(admin, photo=True)
    await signed_in(admin, SUPERVISOR)
    comments = _section(await admin.page(f"/admin/tickets/{number}"), "comments")
    assert "внутренняя заметка" in comments
    assert f'<img src="/webchat/files/{PHOTO.removeprefix("web:")}"' in comments, comments
    assert '<p class="prewrap"></p>' not in comments, comments


async def test_a_photo_the_page_cannot_show_is_named_in_words(admin: Admin) -> None:
    ticket = await _open_ticket(admin)
    async with admin.rt.uows() as uow:
        telegram = (Attachment("photo", "AgACAgIAAxkBAAIB", "telegram"),)
        await uc.add_comment(uow, BOSS, ticket.id, datetime.now(UTC), "", Visibility.INTERNAL, telegram)
        await uow.commit()
    await signed_in(admin, SUPERVISOR)
    comments = _section(await admin.page(f"/admin/tickets/{ticket.number}"), "comments")
    assert "фото в Telegram (здесь не показать)" in comments, comments  # not "photo в telegram"


async def test_kb_audience_is_picked_and_shown_in_words(admin: Admin) -> None:
    await signed_in(admin, ADMIN)
    assert (await admin.post("/admin/lang", {"to": "ru", "next": "/admin/kb"})).status == 303
    form = await admin.page("/admin/kb/new")
    menu = re.search(r'<select name="audience".*?</select>', form, re.S)
    assert menu is not None, "the audience is typed as a code"
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', menu.group()))
    assert options["public"] == "Все" and options["internal"] == "Только сотрудники", options
    assert options["client:romashka"] == "Только клиент: Кафе «Ромашка»", options
    listing = await admin.page("/admin/kb")
    table = listing.split("<table")[1]
    assert "<td>public</td>" not in table and "<td>Все</td>" in table, table[:2000]
    filters = re.search(r'<select name="audience".*?</select>', listing, re.S)
    assert filters is not None and ">public<" not in filters.group() and ">Все<" in filters.group()
    created = await admin.post(
        "/admin/kb/new",
        {"title": "Только для своих", "body": "Код двери 1234.", "audience": "client:romashka", "lang": "ru",
         "tags": "", "action": "save"},
    )  # fmt: skip
    assert created.status == 303, await created.text()
    page = await admin.page(created.headers["Location"].split("?")[0])
    assert re.search(r'<option value="client:romashka" selected>Только клиент: Кафе «Ромашка»</option>', page)


def test_numbers_read_as_a_russian_writes_them() -> None:
    env = make_environment()
    number = env.from_string('{{ 0.602|number("#,##0.###") }} {{ 5|number("0.00") }} {{ 3.5|number }}')
    assert number.render(lang="ru") == "0,602 5,00 3,5"
    assert number.render(lang="en") == "0.602 5.00 3.5"


def test_the_timeline_says_a_distance_with_a_decimal_comma() -> None:
    offered = {"name": "ticket_offered", "actor": {"role": "system"}, "data": {"distance_km": 0.602}}
    [ru] = timeline.entries([offered], Texts("ru"), {})
    [en] = timeline.entries([offered], Texts("en"), {})
    assert ru.details == (("расстояние, км", "0,602"),) and en.details == (("distance, km", "0.602"),)


def test_no_admin_template_formats_a_number_with_python() -> None:
    """`"%.2f"|format(x)` writes "5.00" on a Russian page: every number goes through the `number` filter."""
    for template in TEMPLATES.glob("*.html"):
        found = re.findall(r"""["']%[^"']*[dfg]["']\s*\|\s*format""", template.read_text(encoding="utf-8"))
        assert not found, (template.name, found)


async def test_an_articles_questions_say_their_source_and_audience_in_words(admin: Admin) -> None:
    from kb_search import learning
    from kb_search.model import Reader

    async with admin.rt.uows() as uow:
        article = await uow.articles.get("printer-jam")
        assert article is not None
        await learning.client_helped(
            uow.phrasings, article, "принтер мнёт бумагу", Reader.client("romashka"), None, datetime.now(UTC)
        )
        await uow.commit()
    await signed_in(admin, SUPERVISOR)
    questions = _section(await admin.page("/admin/kb/printer-jam"), "phrasings")
    assert "принтер мнёт бумагу" in questions
    assert "<td>client_helped</td>" not in questions and "<td>клиент: помогло</td>" in questions, questions
    assert "<td>public</td>" not in questions and "<td>Все</td>" in questions, (
        questions
    )  # the article's audience


async def test_languages_read_as_words_not_codes(admin: Admin) -> None:
    await signed_in(admin, SUPERVISOR)
    kb = (await admin.page("/admin/kb")).split("<table")[1]
    assert "<td>ru</td>" not in kb and "<td>русский</td>" in kb, kb[:1500]
    engineers = await admin.page("/admin/engineers")
    assert "<td>ru" not in engineers and "<td>русский" in engineers
    profile = await admin.page(f"/admin/engineers/{ENGINEER}")
    assert "<td>ru</td>" not in profile and ">русский<" in profile


async def test_kb_history_and_refusals_in_russian_words(admin: Admin) -> None:
    await signed_in(admin, SUPERVISOR)
    history = await admin.page("/admin/kb/printer-jam/history?a=1&b=99")
    versions = history.split('id="versions"')[1]
    for raw in ("<td>create</td>", "<td>edit</td>", "<td>publish</td>", "<td>published</td>"):
        assert raw not in versions, (raw, versions)
    assert "<td>опубликована</td>" in versions, versions
    assert "версия 1" in history and "version 1" not in history, history
    assert "Выберите версии от 1 до" in history and "Pick versions" not in history
    status = await admin.page("/admin/kb?status=gone")
    assert "Статус &#39;gone&#39; неизвестен" in status and "is unknown" not in status
    audience = await admin.page("/admin/kb?audience=everyone")
    assert "Аудитория: неизвестная аудитория «everyone»" in audience and "Audience:" not in audience


async def test_a_description_of_several_lines_reads_as_lines_in_the_ticket_list(admin: Admin) -> None:
    """The client's separate lines ("half of each label" / "It jams…") must not run together in a list;
    the portal's list uses the same filter (`one_line`, the chats' `short`)."""
    await _open_ticket(admin, description="Prints half of each label\nIt jams every third sheet")
    await signed_in(admin, SUPERVISOR)
    page = await admin.page("/admin/tickets")
    assert "Prints half of each label; It jams every third sheet" in page
    assert "label It jams" not in page
    env = make_environment()
    cut = env.from_string("{{ text|one_line(30) }}").render(text="Prints half of each label\nIt jams")
    assert cut == "Prints half of each label; It…"


async def test_people_have_a_name_not_a_title(admin: Admin) -> None:
    """A thing (a client, a site, a unit) has a "Название"; a person's column says "Имя"."""
    await signed_in(admin, SUPERVISOR)
    engineers = await admin.page("/admin/engineers")
    assert "<th>Имя</th>" in engineers and "<th>Название</th>" not in engineers
    client = await admin.page("/admin/clients/romashka")
    assert "<th>Имя</th>" in client and "<th>Название</th>" in client  # contacts; sites and contracts
