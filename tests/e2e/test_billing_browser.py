"""Payments, acts, corrections and estimates in the web admin, in a real browser (Debian's Chromium, driven by Playwright), against the
real app on the demo database.

An admin opens Billing from the menu (Кафе «Ромашка» first: it is in debt), opens the client's account, types
a payment the form cannot read (refused next to the form, nothing recorded), then a good one (the balance
and the ledger show it, and it is in the audit), downloads this month's act as PDF (its page rendered to PNG)
and CSV, and switches the admin to Russian. A supervisor answers a waiting estimate for the client (by phone;
a blank reason is refused), adjusts a billable line, reverses a row, and reads it all in Russian.
Screenshots in var/test-artifacts/billing-admin/ (gitignored).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest

from helpdesk.runtime import Runtime
from tests.e2e.test_admin_browser import ARGS, CHROMIUM, _sign_in, app
from tests.integration.billing_seed import ENGINEER, PRICE_LIST, add_job, terms
from ticket_core.billing.accounts import buy_package
from ticket_core.billing.approvals import HoldKind, HoldStatus, JobHold
from ticket_core.enums import Priority, Role, TicketStatus
from ticket_core.model import Actor, Ticket
from ticket_core.usecases.work import resolve_ticket

__all__ = ["app"]  # the fixture: the whole app on the demo database

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "billing-admin"
ADMIN = Actor(Role.ADMIN, "a-admin", name="Admin")
D = Decimal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


async def _billed_romashka(rt: Runtime) -> None:
    """Romashka has money terms, a package bought on credit (20,000 owed) and a paid job done this month."""
    now = datetime.now(UTC)
    async with rt.uows() as uow:
        for service in PRICE_LIST:
            await uow.billing.put_service(service)
        await uow.billing.put_terms(terms("romashka", included_categories=(), valid_from=None))
        await uow.billing.put_terms(terms("acme"))
        await buy_package(uow, ADMIN, "romashka", D(1), D(20000), 3, now)
        await uow.commit()
    job = await add_job(rt.uows, "romashka", 9001, now, category="plumbing")
    async with rt.uows() as uow:
        # 2 h: 1 h from the package, 1 h billable at L1's 2,000 less 10 %.
        await resolve_ticket(uow, ENGINEER, job, now, "Заменил смеситель", 120)
        await uow.commit()


async def test_admin_records_a_payment_and_downloads_the_act(app: tuple[Runtime, str]) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    await _billed_romashka(rt)
    month = datetime.now(UTC).strftime("%Y-%m")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True
            )
            await _sign_in(page, base, "a-admin")
            await page.get_by_role("link", name="Billing", exact=True).click()
            await expect(page.locator("h1")).to_have_text("Billing")
            rows = page.locator("#billing-clients tr")
            await expect(rows).to_have_count(3)  # header, Romashka (in debt) first, then ACME
            await expect(rows.nth(1)).to_contain_text("Кафе «Ромашка»")
            await expect(rows.nth(1)).to_contain_text("-21,800 ₽")
            await expect(rows.nth(1)).to_contain_text("in debt")
            await expect(rows.nth(2)).to_contain_text("ACME Logistics")
            await shot(page, "billing_list")

            await page.get_by_role("link", name="Кафе «Ромашка»").click()
            await expect(page.locator("#balance")).to_have_text("-21,800 ₽")
            await expect(page.locator("#ledger")).to_contain_text("Engineer's work, L1, HD-9001")
            await page.locator("#pay-form input[name=amount]").fill("15 тыс")
            await page.locator("#pay-form input[name=note]").fill("п/п 17")
            await page.get_by_role("button", name="Record the payment").click()
            await expect(page.locator("#pay-error")).to_contain_text("The payment was not recorded: '15 тыс'")
            await expect(page.locator("#pay-form input[name=amount]")).to_have_value("15 тыс")
            await expect(page.locator("#balance")).to_have_text("-21,800 ₽")
            await page.locator("#pay-form input[name=amount]").fill("15 000,50")
            await page.get_by_role("button", name="Record the payment").click()
            await expect(page.locator(".flash.ok")).to_have_text(
                "Payment recorded: the balance below includes it."
            )
            await expect(page.locator("#balance")).to_have_text("-6,799.50 ₽")
            first = page.locator("#ledger tr").nth(1)
            await expect(first).to_contain_text("payment")
            await expect(first).to_contain_text("15,000.50 ₽")
            await expect(first).to_contain_text("п/п 17")
            await shot(page, "billing_account")

            await page.locator("input[name=month]").fill(month)
            async with page.expect_download() as downloading:
                await page.locator("#act-pdf").click()
            download = await downloading.value
            assert download.suggested_filename == f"act-romashka-{month}-en.pdf"
            pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
            with pymupdf.open(stream=pdf, filetype="pdf") as doc:
                text = doc[0].get_text()
                assert "Act of work done" in text and "HD-9001" in text and "2,160 ₽" in text, text
                doc[0].get_pixmap(dpi=110).save(str(ARTIFACTS / "act-page.png"))
            async with page.expect_download() as downloading:
                await page.locator("#act-csv").click()
            csv = await asyncio.to_thread(Path(await (await downloading.value).path()).read_text, "utf-8")
            assert csv.startswith("date,work,quantity") and "HD-9001" in csv

            await page.locator("form.langs button[value=ru]").click()
            await expect(page.locator("h1")).to_contain_text("Кафе «Ромашка»")
            await expect(page.locator("#pay-form button")).to_have_text("Внести оплату")
            await expect(page.locator("#balance")).to_have_text("-6\u00a0799,50 ₽")
            await expect(page.locator("#ledger tr").nth(1)).to_contain_text("оплата")
            await shot(page, "billing_account_ru")
            # The contract's end as a Russian reader writes a date (it read 2027-12-31; #18's walk).
            await page.goto(base + "/admin/billing")
            await expect(page.locator("#billing-clients tr").nth(1)).to_contain_text("31.12.2027")
        finally:
            await browser.close()

    async with rt.uows() as uow:
        assert await uow.billing.balance("romashka") == D("-6799.50")


async def _estimate_waits(rt: Runtime) -> str:
    """A paid plumbing job of Romashka's that waits for Ivan to approve its estimate; returns its id."""
    now = datetime.now(UTC)
    ticket = Ticket(
        id="t-romashka-9002",
        number=9002,
        client_id="romashka",
        contact_id="romashka-ivan",
        category="plumbing",
        priority=Priority.P3,
        description="Течёт кран на кухне",
        created_at=now,
        status=TicketStatus.NEW,
        site_id="rom-nevsky",
    )
    quote = {"paid_by": "hourly", "price": "1800", "callout": "1350"}
    async with rt.uows() as uow:
        await uow.tickets.add(ticket)
        hold = JobHold(
            ticket.id, 0, HoldKind.ESTIMATE, HoldStatus.PENDING, "romashka", "RUB", now, D(1800), quote
        )
        assert await uow.billing.add_hold(hold)
        await uow.commit()
    return ticket.id


async def test_supervisor_answers_an_estimate_for_the_client_adjusts_and_reverses(
    app: tuple[Runtime, str],
) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    await _billed_romashka(rt)
    ticket_id = await _estimate_waits(rt)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            await _sign_in(page, base, "s-sokolova")
            await page.goto(base + "/admin/billing/romashka")
            # Sokolova reads the admin in Russian (her language); she answers the estimate there.
            waiting = page.locator(f"#estimate-{ticket_id}")
            await expect(waiting).to_contain_text("HD-9002")
            await expect(waiting).to_contain_text("1\u00a0800 ₽/ч")
            await shot(page, "estimate_waiting_ru")
            await waiting.locator("input[name=reason]").fill("   ")  # the browser lets spaces through
            await waiting.get_by_role("button", name="Согласовать за клиента").click()
            await expect(page.locator(f"#estimate-{ticket_id}-error")).to_contain_text(
                "Ответ по смете не принят"
            )
            await page.locator(f"#estimate-{ticket_id} input[name=reason]").fill(
                "по телефону с Иваном, 14:20"
            )
            await (
                page.locator(f"#estimate-{ticket_id}")
                .get_by_role("button", name="Согласовать за клиента")
                .click()
            )
            await expect(page.locator(".flash.ok")).to_contain_text("Смета согласована за клиента")
            await expect(page.locator("#no-estimates")).to_have_text(
                "Смет, ждущих ответа этого клиента, нет."
            )
            await shot(page, "estimate_answered_ru")
            await page.locator("form.langs button[value=en]").click()
            await expect(page.locator("#no-estimates")).to_have_text("No estimate waits for this client.")

            # Adjust the billable hour of HD-9001 (1,800 ₽) to 1,000 ₽, then reverse the adjustment.
            billable = page.locator("#ledger tr", has=page.locator("form.adjust-form")).filter(
                has_text="HD-9001"
            )
            await expect(billable).to_have_count(1)
            row_id = await billable.get_attribute("id")
            await billable.locator("summary").click()
            await expect(billable.locator("input[name=amount]")).to_have_value("1800.00")
            await billable.locator("input[name=amount]").fill("1000")
            await billable.locator("form.adjust-form input[name=reason]").fill("goodwill: the tap was ours")
            await shot(page, "ledger_adjust_form")
            await billable.get_by_role("button", name="Adjust").click()
            await expect(page.locator(".flash.ok")).to_contain_text("Adjusted")
            await expect(page.locator(f"#{row_id}")).to_contain_text("(reversed)")
            newest = page.locator("#ledger tr").nth(1)
            await expect(newest).to_contain_text("adjustment")
            await expect(newest).to_contain_text("-1,000 ₽")
            await expect(newest).to_contain_text("goodwill: the tap was ours")
            await expect(page.locator("#balance")).to_have_text("-21,000 ₽")  # 800 ₽ waived

            await newest.locator("summary").click()
            await newest.locator("form.reverse-form input[name=reason]").fill(" ")
            await newest.get_by_role("button", name="Reverse").click()
            error = page.locator("p.flash.error")
            await expect(error).to_contain_text("was not reversed")
            await expect(page.locator("#balance")).to_have_text("-21,000 ₽")
            newest = page.locator("#ledger tr").nth(1)
            await newest.locator("form.reverse-form input[name=reason]").fill("adjusted by mistake")
            await newest.get_by_role("button", name="Reverse").click()
            await expect(page.locator(".flash.ok")).to_contain_text("Reversed")
            await expect(page.locator("#balance")).to_have_text("-20,000 ₽")
            await expect(page.locator("#ledger tr").nth(1)).to_contain_text("reversal")
            await shot(page, "ledger_corrected")
            # A package purchase offers no Reverse (its hours would stay usable), and a forged post is refused.
            bought = page.locator("#ledger tr").filter(has_text="package bought")
            await expect(bought.locator("form")).to_have_count(0)
            csrf = await page.locator("#pay-form input[name=csrf]").get_attribute("value")
            bought_id = str(await bought.get_attribute("id")).removeprefix("entry-")
            refused = await page.request.post(
                f"{base}/admin/billing/romashka/entries/{bought_id}/reverse",
                form={"csrf": str(csrf), "reason": "by mistake"},
            )
            assert refused.status == 422 and "a package purchase is not reversed" in await refused.text()

            await page.locator("form.langs button[value=ru]").click()
            await expect(page.locator("#ledger tr").nth(1)).to_contain_text("сторно")
            await expect(page.locator("#no-estimates")).to_have_text(
                "Смет, ждущих ответа этого клиента, нет."
            )
            await expect(page.locator("#ledger").get_by_text("Исправить…").first).to_be_visible()
            await shot(page, "ledger_corrected_ru")
        finally:
            await browser.close()

    async with rt.uows() as uow:
        assert await uow.billing.balance("romashka") == D(-20000)
        events = await uow.events.list_for_ticket(ticket_id)
        answered = [e for e in events if e["name"] == "estimate_answered"]
        assert answered[0]["actor"]["id"] == "s-sokolova" and answered[0]["data"]["on_behalf"] is True
        assert answered[0]["data"]["reason"] == "по телефону с Иваном, 14:20"
        adjusted = [
            e for e in await uow.events.list_for_ticket("t-romashka-9001") if e["name"] == "charge_adjusted"
        ]
        assert adjusted and adjusted[0]["data"]["reason"] == "goodwill: the tap was ours", adjusted
