"""Acts: a month's charge lines as CSV and PDF (rendered to PNG in var/test-artifacts/billing/), and the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pymupdf

from helpdesk.billing.act_pdf import act_pdf
from storage.uow import UnitOfWorkFactory
from tests.integration.billing_seed import ENGINEER, SUPERVISOR, add_billed_client, add_job
from ticket_core.billing.accounts import adjust_line
from ticket_core.billing.acts import act_csv
from ticket_core.billing.ledger import BALANCE
from ticket_core.billing.pricing import Part
from ticket_core.billing.queries import billing_report, client_act, month_acts
from ticket_core.enums import Role
from ticket_core.model import Actor, StaffMember
from ticket_core.usecases.work import check_in_on_site, resolve_ticket
from ticket_core.working_hours import WeeklyHours

D = Decimal
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "billing"


async def _month_of_work(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await add_billed_client(uow, "romashka", NOW, hours_per_month=D(1), vat_pct=D(20))
        await uow.commit()
    first = await add_job(factory, "romashka", 5001, NOW)
    second = await add_job(factory, "romashka", 5002, NOW + timedelta(days=3), category="network")
    async with factory() as uow:
        await check_in_on_site(uow, ENGINEER, first, NOW - timedelta(hours=1))
        await resolve_ticket(
            uow, ENGINEER, first, NOW, "Fuser replaced", 90, parts=[Part("Фьюзер HP M404", D(4200))]
        )
        await resolve_ticket(uow, ENGINEER, second, NOW + timedelta(days=3), "Switch port", 60)
        await uow.commit()
    async with factory() as uow:
        line = next(e for e in await uow.billing.entries_for_ticket(second) if e.account == BALANCE)
        assert line.id is not None
        await adjust_line(
            uow, SUPERVISOR, line.id, D(1000), "goodwill: second visit", NOW + timedelta(days=4)
        )
        await uow.directory.add_staff(
            StaffMember(
                "petrov", "Petrov", Role.ENGINEER, working_hours=WeeklyHours.parse("mon-fri 09:00-18:00")
            )
        )
        await uow.commit()


async def test_act_lines_totals_csv_and_pdf_in_both_languages(uow_factory: UnitOfWorkFactory) -> None:
    await _month_of_work(uow_factory)
    async with uow_factory() as uow:
        act = await client_act(uow, SUPERVISOR, "romashka", "2026-11")
        other = Actor(Role.CLIENT, "c-x", client_id="someone-else")
        try:
            await client_act(uow, other, "romashka", "2026-11")
            raise AssertionError("another client read the act")
        except Exception as error:
            assert "supervisors" in str(error)
    # 1 h included, 0.5 h billable at 2,250; the call-out is included; the part 4,200 + 20 %;
    # the network hour (2,250) adjusted to 1,000 with its reason
    texts = [(line.text_en, line.coverage.value, line.amount) for line in act.lines]
    assert ("Engineer's work, L2, HD-5001", "included", D(0)) in texts
    assert ("Engineer's work, L2, HD-5001", "billable", D(1125)) in texts
    assert ("Фьюзер HP M404, HD-5001", "billable", D(5040)) in texts
    assert act.subtotal == D(1125) + D(5040) + D(1000)
    assert act.vat == D("1433.00") and act.total == D("8598.00")
    assert act.hours() == D("2.5")
    csv_ru = act_csv(act, "ru")
    assert "НДС 20\u00a0%" in csv_ru and "Всего, RUB" in csv_ru and "goodwill" in csv_ru
    assert "VAT 20%" in act_csv(act, "en")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang in ("ru", "en"):
        data = act_pdf(act, lang, "ООО «Сервис» / Service LLC")
        assert data.startswith(b"%PDF")
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            text = doc[0].get_text()
            assert ("Акт выполненных работ" if lang == "ru" else "Act of work done") in text
            assert ("8\u00a0598 ₽" if lang == "ru" else "8,598 ₽") in text
            assert "Фьюзер HP M404" in text  # Cyrillic is drawn, not boxes
            doc[0].get_pixmap(dpi=110).save(str(ARTIFACTS / f"act-{lang}.png"))
        (ARTIFACTS / f"act-{lang}.pdf").write_bytes(data)


async def test_month_report_revenue_labour_and_utilisation(uow_factory: UnitOfWorkFactory) -> None:
    await _month_of_work(uow_factory)
    async with uow_factory() as uow:
        report = await billing_report(uow, SUPERVISOR, "2026-11")
    assert report.revenue == {"RUB": D(1125) + D(5040) + D(1000)}
    smirnov = report.by_engineer["smirnov"]
    assert smirnov.hours == D("2.5") and smirnov.billable_hours == D("1.5")
    assert report.by_category["network"].hours == D(1)
    assert report.working_hours["petrov"] == D(21 * 9)  # 21 weekdays in November 2026
    assert report.utilisation("petrov") == D(0) and report.utilisation("smirnov") is None


async def test_the_monthly_run_reads_every_act_as_one_client_read_does(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _month_of_work(uow_factory)
    async with uow_factory() as uow:
        await add_billed_client(uow, "acme", NOW)  # billed, no work this month: an empty act
        await uow.commit()
    async with uow_factory() as uow:
        every = await month_acts(uow, SUPERVISOR, "2026-11")
        one_by_one = [await client_act(uow, SUPERVISOR, c, "2026-11") for c in ("acme", "romashka")]
    assert every == one_by_one
    assert [len(a.lines) for a in every] == [0, len(one_by_one[1].lines)] and one_by_one[1].lines
