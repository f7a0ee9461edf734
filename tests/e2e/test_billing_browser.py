"""Payments and acts in the web admin, in a real browser (Debian's Chromium, driven by Playwright), against the
real app on the demo database.

An admin opens Billing from the menu (Кафе «Ромашка» first: it is in debt), opens the client's account, types
a payment the form cannot read (refused next to the form, nothing recorded), then a good one (the balance
and the ledger show it, and it is in the audit), downloads this month's act as PDF (its page rendered to PNG)
and CSV, and switches the admin to Russian. Screenshots in var/test-artifacts/billing-admin/ (gitignored).
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
from ticket_core.enums import Role
from ticket_core.model import Actor
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
            await page.locator("input[name=amount]").fill("15 тыс")
            await page.locator("input[name=note]").fill("п/п 17")
            await page.get_by_role("button", name="Record the payment").click()
            await expect(page.locator("#pay-error")).to_contain_text("The payment was not recorded: '15 тыс'")
            await expect(page.locator("input[name=amount]")).to_have_value("15 тыс")
            await expect(page.locator("#balance")).to_have_text("-21,800 ₽")
            await page.locator("input[name=amount]").fill("15 000,50")
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
