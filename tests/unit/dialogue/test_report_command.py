"""/report in the staff bot: key figures as text and a real PNG chart; engineers get their own figures."""

from __future__ import annotations

import io
import struct
from datetime import timedelta

import pytest
from PIL import Image

from dialogue.engine import DialogueEngine
from dialogue.identity import StaffPerson
from dialogue.inline_media import decode_inline
from dialogue.messages import Bot, Outbound
from dialogue.payloads import PayloadSigner
from dialogue.report_command import ReportCommand, parse_period
from helpdesk.charts import PngChartRenderer
from tests.fakes.memory_uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from tests.fakes.reports import ReferenceReportSource
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from ticket_core.enums import Role
from ticket_core.model import Actor, StaffMember
from ticket_core.reports import GroupBy, Report, ReportFilter
from ticket_core.reports.reference import TicketFacts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def facts(clock: Clock) -> list[TicketFacts]:
    now, h = clock.now, timedelta(hours=1)
    return [
        # e-smirnov: two resolved in the last week (2 h and 4 h), one rated 5
        TicketFacts(
            "t1",
            now - 50 * h,
            "closed",
            "it",
            "acme",
            None,
            "e-smirnov",
            now - 49 * h,
            now - 48 * h,
            rating=5,
        ),
        TicketFacts(
            "t2", now - 30 * h, "resolved", "it", "acme", None, "e-smirnov", now - 29 * h, now - 26 * h
        ),
        # e-kozlov: one resolved with a breach, one open
        TicketFacts(
            "t3",
            now - 20 * h,
            "resolved",
            "hvac",
            "acme",
            None,
            "e-kozlov",
            now - 18 * h,
            now - 10 * h,
            sla_breached=True,
            rating=3,
        ),
        TicketFacts("t4", now - 5 * h, "in_progress", "hvac", "acme", None, "e-kozlov", now - 4 * h),
        # three weeks ago: only in /report 30
        TicketFacts(
            "t5", now - 21 * 24 * h, "closed", "it", "acme", None, "e-smirnov", None, now - 20 * 24 * h
        ),
    ]


@pytest.fixture
async def setup(uows: MemoryUnitOfWorkFactory, clock: Clock) -> tuple[ChatDriver, ReferenceReportSource]:
    source = ReferenceReportSource(facts(clock), now=clock.now)
    engine = DialogueEngine(uows, PayloadSigner("s"), clock=clock)  # type: ignore[arg-type]
    engine.staff_flow.reports = ReportCommand(source, PngChartRenderer())
    return ChatDriver(engine.handle), source


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def last(chat: ChatDriver, person: Person) -> Outbound:
    return chat.messages(person)[-1]


async def test_supervisor_gets_company_figures_and_a_png_chart(setup, clock: Clock) -> None:
    chat, source = setup
    boss = Person(Bot.STAFF, "s-sokolova", "Olga")  # her profile says Russian
    got = await chat.say(boss, "/report")
    assert len(got) == 1
    lines = got[0].splitlines()
    assert lines[0] == "Отчёт за 7 дн. (вся компания)"
    assert "Открыто: 4" in lines and "Решено: 3" in lines  # t5 is three weeks old
    assert "Соблюдение SLA: 66,7\u00a0% (2/3)" in lines  # #18: the Russian locale writes the percent
    assert "Оценка клиентов: 4,00 (2)" in lines
    assert "В работе на конец: 1" in lines
    # 2 h, 4 h and 10 h: the median is 4 h, p90 = 4 h + 0.8 * 6 h
    assert "Время решения (медиана / p90): 4 ч 00 мин / 8 ч 48 мин" in lines
    flt, group_by = source.asked[-1]
    assert flt.engineer_id is None and group_by is GroupBy.DAY
    assert flt.end == clock.now and flt.end - flt.start == timedelta(days=7)
    (media,) = last(chat, boss).media
    assert media.kind == "photo" and media.mime_type == "image/png"
    data, mime = decode_inline(media.file_id)
    assert mime == "image/png" and png_size(data) == (1344, 656) and len(data) > 10_000
    colours = {rgb for _n, rgb in Image.open(io.BytesIO(data)).convert("RGB").getcolors(1 << 20)}
    assert {
        (0x4A, 0x8B, 0xD6),
        (0x54, 0xA2, 0x4B),
        (0xE4, 0x57, 0x56),
    } <= colours  # opened, resolved, backlog


async def test_engineer_gets_only_their_own_figures_in_russian(setup) -> None:
    chat, source = setup
    engineer = Person(Bot.STAFF, "e-smirnov", "Ivan", "ru")
    got = await chat.say(engineer, "/report 30")
    lines = got[0].splitlines()
    assert lines[0] == "Отчёт за 30 дн. (ваши заявки)"
    assert "Открыто: 3" in lines and "Решено: 3" in lines  # t1, t2, t5; nothing of e-kozlov
    assert not any(line.startswith("Решено базой знаний") for line in lines)  # undefined for one engineer
    flt, _ = source.asked[-1]
    assert flt.engineer_id == "e-smirnov"
    data, _ = decode_inline(last(chat, engineer).media[0].file_id)
    assert data.startswith(PNG_SIGNATURE)


async def test_month_and_bad_arguments(setup, clock: Clock) -> None:
    chat, source = setup
    admin = Person(Bot.STAFF, "a-admin", "Admin", "en")
    got = await chat.say(admin, "/report month")
    # The month by its name in the reader's language (issue #18 replay: "Отчёт за 2026-12" in a Russian chat)
    assert got[0].startswith("Report for March 2026 (whole company)")
    assert source.asked[-1][0].start == clock.now.replace(day=1, hour=0)
    asked = len(source.asked)
    for bad in ("/report 0", "/report 400", "/report yesterday"):
        got = await chat.say(admin, bad)
        assert got == [
            "Use /report for 7 days, /report 30 for the last 30 days (up to 366), /report month for this month."
        ]
        assert last(chat, admin).media == ()
    assert len(source.asked) == asked  # nothing was computed for bad input
    boss = Person(Bot.STAFF, "s-sokolova", "Olga")  # her profile says Russian
    got = await chat.say(boss, "/report месяц")
    assert got[0].startswith("Отчёт за март 2026 (вся компания)"), got[0]


async def test_without_a_renderer_the_text_goes_alone(uows: MemoryUnitOfWorkFactory, clock: Clock) -> None:
    engine = DialogueEngine(uows, PayloadSigner("s"), clock=clock)  # type: ignore[arg-type]
    chat = ChatDriver(engine.handle)
    boss = Person(Bot.STAFF, "a-admin", "Admin", "en")
    assert await chat.say(boss, "/report") == ["Reports are not set up here. Open them in the admin pages."]
    engine.staff_flow.reports = ReportCommand(ReferenceReportSource(facts(clock), now=clock.now))
    got = await chat.say(boss, "/report")
    assert got[0].startswith("Report for the last 7 days") and last(chat, boss).media == ()


def test_parse_period(clock: Clock) -> None:
    now = clock.now
    assert parse_period("", now) == (now - timedelta(days=7), now, 7)
    assert parse_period(" 14 ", now) == (now - timedelta(days=14), now, 14)
    assert parse_period("Месяц", now) == (now.replace(day=1, hour=0), now, None)
    assert parse_period("-3", now) is None and parse_period("367", now) is None


class WatchedUows:
    """A unit-of-work factory that counts the units open at any moment."""

    def __init__(self, inner: MemoryUnitOfWorkFactory) -> None:
        self.inner = inner
        self.open = 0

    def __call__(self) -> WatchedUow:
        return WatchedUow(self, self.inner())


class WatchedUow:
    def __init__(self, owner: WatchedUows, uow: MemoryUnitOfWork) -> None:
        self.owner, self.uow = owner, uow

    async def __aenter__(self) -> MemoryUnitOfWork:
        self.owner.open += 1
        return await self.uow.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        self.owner.open -= 1
        await self.uow.__aexit__(*exc)


class WatchedSource:
    """A report source that notes how many units of work were open whenever a report was asked for."""

    def __init__(self, inner: ReferenceReportSource, uows: WatchedUows) -> None:
        self.inner, self.uows = inner, uows
        self.open_when_asked: list[int] = []

    async def report(self, flt: ReportFilter, group_by: GroupBy) -> Report:
        self.open_when_asked.append(self.uows.open)
        return await self.inner.report(flt, group_by)


async def test_the_report_is_made_before_the_turn_opens_its_transaction(
    uows: MemoryUnitOfWorkFactory, clock: Clock
) -> None:
    # On SQLite the turn's transaction holds the write lock: a report computed inside it would make every
    # other chat wait for the report's whole duration.
    watched = WatchedUows(uows)
    source = WatchedSource(ReferenceReportSource(facts(clock), now=clock.now), watched)
    engine = DialogueEngine(watched, PayloadSigner("s"), clock=clock)  # type: ignore[arg-type]
    engine.staff_flow.reports = ReportCommand(source, PngChartRenderer())
    chat = ChatDriver(engine.handle)
    boss = Person(Bot.STAFF, "s-sokolova", "Olga")
    engineer = Person(Bot.STAFF, "e-smirnov", "Ivan", "ru")
    got = await chat.say(boss, "/report 30")
    assert got[0].startswith("Отчёт за 30 дн. (вся компания)") and last(chat, boss).media
    got = await chat.say(engineer, "/report@HelpdeskStaffBot")
    assert got[0].startswith("Отчёт за 7 дн. (ваши заявки)")
    assert source.open_when_asked == [0, 0]  # one report each, both with no unit of work open
    # Bad arguments are answered inside the turn, and nothing is computed for them.
    assert (await chat.say(boss, "/report soon"))[0].startswith("Так: /report")
    assert source.open_when_asked == [0, 0]


async def test_a_prepared_report_is_used_only_by_the_turn_it_was_made_for(clock: Clock) -> None:
    source = ReferenceReportSource(facts(clock), now=clock.now)
    command = ReportCommand(source)
    member = StaffMember("e-smirnov", "Ivan", Role.ENGINEER, lang="en")
    person = StaffPerson(member, Actor(Role.ENGINEER, "e-smirnov", name="Ivan"))
    ready = await command.prepare(person, "30", clock.now, "en")
    assert ready is not None and ready.text.startswith("Report for the last 30 days (your jobs)")
    assert ready.fits("30", person.actor, "en")
    assert not ready.fits("7", person.actor, "en")
    assert not ready.fits("30", person.actor, "ru")  # the turn speaks another language now
    assert not ready.fits("30", Actor(Role.SUPERVISOR, "e-smirnov"), "en")  # promoted in between
    assert not ready.fits("30", Actor(Role.ENGINEER, "e-kozlov"), "en")
    assert await command.prepare(person, "yesterday", clock.now, "en") is None  # usage: nothing to compute
    assert await ReportCommand(None).prepare(person, "", clock.now, "en") is None
