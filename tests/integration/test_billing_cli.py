"""`helpdesk billing`: price list, terms, payment, package, account, act files and the report, on the demo directory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.demo.loader import load_directory, read_directory
from helpdesk.settings import get_settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"

    async def prepare() -> None:
        await upgrade(url)
        engine = make_engine(url)
        async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
            await load_directory(uow, read_directory())
            await uow.commit()
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_terms_payment_package_account_and_act(db: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    ok = run(main, ["billing", "price", "hour-l2", "--kind", "hour", "--level", "2", "--price", "2500",
                    "--name-ru", "Час работы L2", "--name-en", "Hour of work L2"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "hour-l2" in run(main, ["billing", "prices"]).output
    terms = run(main, ["billing", "terms", "--client", "romashka", "--included", "printer,network",
                       "--hours", "4", "--callouts", "2", "--discount", "5", "--vat", "20"])  # fmt: skip
    assert terms.exit_code == 0, terms.output
    paid = run(main, ["billing", "pay", "--client", "romashka", "--amount", "15 000,50", "--note", "п/п 17"])
    assert paid.exit_code == 0 and "15,000.50" in paid.output, paid.output
    bought = run(main, ["billing", "package", "--client", "romashka", "--hours", "10", "--price", "20000"])
    assert bought.exit_code == 0, bought.output
    account = json.loads(run(main, ["billing", "account", "--client", "romashka", "--json"]).output)
    assert account["balance"] == "-4999.50" and account["in_debt"] is True
    assert account["packages"][0]["left_hours"] == "10.00" and account["allowance_hours_left"] == "4.00"
    package_id = account["packages"][0]["id"]
    no_reason = run(main, ["billing", "void-package", "--client", "romashka", "--package", package_id,
                           "--reason", " "])  # fmt: skip
    assert no_reason.exit_code != 0 and "reason" in no_reason.output
    voided = run(main, ["billing", "void-package", "--client", "romashka", "--package", package_id,
                        "--reason", "sold by mistake", "--refund", "19 000"])  # fmt: skip
    assert voided.exit_code == 0 and "19,000" in voided.output, voided.output
    account = json.loads(run(main, ["billing", "account", "--client", "romashka", "--json"]).output)
    assert account["balance"] == "14000.50" and account["packages"][0]["left_hours"] == "0.00"
    again = run(main, ["billing", "void-package", "--client", "romashka", "--package", package_id,
                       "--reason", "again"])  # fmt: skip
    assert again.exit_code != 0 and "nothing to void" in again.output
    month = json.loads(run(main, ["billing", "report", "--month", "2026-11"]).output)
    assert set(month) >= {"revenue", "by_engineer", "utilisation"}
    act = run(main, ["billing", "act", "--client", "romashka", "--month", "2026-11", "--lang", "en",
                     "--out", str(tmp_path)])  # fmt: skip
    assert act.exit_code == 0, act.output
    assert (tmp_path / "act-romashka-2026-11-en.pdf").read_bytes().startswith(b"%PDF")
    assert "Total, RUB" in (tmp_path / "act-romashka-2026-11-en.csv").read_text()
    every = run(main, ["billing", "act", "--all", "--month", "2026-11", "--out", str(tmp_path / "all")])
    assert every.exit_code == 0 and "1 acts in" in every.output, every.output
    assert (tmp_path / "all" / "act-romashka-2026-11-ru.pdf").read_bytes().startswith(b"%PDF")
    neither = run(main, ["billing", "act", "--month", "2026-11"])
    assert neither.exit_code != 0 and "Give --client ID or --all." in neither.output


def test_bad_input_is_refused_and_changes_nothing(db: str) -> None:
    run = CliRunner().invoke
    bad = run(main, ["billing", "pay", "--client", "romashka", "--amount", "lots"])
    assert bad.exit_code != 0 and "is not an amount" in bad.output
    no_terms = run(main, ["billing", "pay", "--client", "romashka", "--amount", "100"])
    assert no_terms.exit_code != 0 and "set the terms first" in no_terms.output
    bad_month = run(main, ["billing", "act", "--client", "romashka", "--month", "November"])
    assert bad_month.exit_code != 0 and "YYYY-MM" in bad_month.output
    bad_terms = run(main, ["billing", "terms", "--client", "romashka", "--discount", "150"])
    assert bad_terms.exit_code != 0 and "discount" in bad_terms.output
