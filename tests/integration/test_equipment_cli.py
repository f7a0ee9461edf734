"""`helpdesk equipment ...` on a migrated SQLite file with the demo company, as an operator types it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.settings import get_settings


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hd.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    for args in (["migrate"], ["demo-data"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    yield str(tmp_path)
    get_settings.cache_clear()


def test_types_import_list_show_export(demo_db: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    ok = run(
        main,
        [
            "equipment",
            "type",
            "ac",
            "--category",
            "hvac",
            "--name-ru",
            "Кондиционер",
            "--name-en",
            "Air conditioner",
            "--field",
            "btu",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "ac  hvac  Кондиционер / Air conditioner  fields: btu" in run(main, ["equipment", "types"]).output
    good = tmp_path / "units.csv"
    good.write_text(
        "site,type,name,serial,warranty_until,field:btu\nrom-nevsky,ac,Hall AC,SN-1,2020-01-01,9000\n"
    )
    result = run(main, ["equipment", "import", str(good)])
    assert result.exit_code == 0 and "1 created, 0 updated" in result.output, result.output
    listed = json.loads(run(main, ["equipment", "list", "--site", "rom-nevsky", "--json"]).output)
    assert listed["total"] == 1 and listed["units"][0]["fields"] == {"btu": "9000"}
    code = listed["units"][0]["code"]
    shown = run(main, ["equipment", "show", code])
    assert "Hall AC  (Air conditioner, in_service)" in shown.output and "warranty: out" in shown.output
    assert json.loads(run(main, ["equipment", "show", code, "--json"]).output)["warranty"] == "out"
    report = json.loads(run(main, ["equipment", "report", "--days", "30", "--json"]).output)
    assert report["failures"] == 0 and report["by_type"][0]["units"] == 1 and report["by_unit"] == []
    assert "0 failures" in run(main, ["equipment", "report"]).output
    exported = run(main, ["equipment", "export", "--type", "ac"]).output
    assert exported.splitlines()[1].startswith(
        listed["units"][0]["id"] + "," + code + ",rom-nevsky,ac,Hall AC"
    )

    bad = tmp_path / "bad.csv"
    bad.write_text("site,type,name\nrom-nevsky,ac,Fine\nnowhere,ac,Lost\nrom-nevsky,fridge,Cold\n")
    result = run(main, ["equipment", "import", str(bad)])
    assert result.exit_code == 1
    assert "Nothing was imported: 2 bad line(s)" in result.output
    assert (
        "line 3: no site 'nowhere'" in result.output and "line 4: no equipment type 'fridge'" in result.output
    )
    assert json.loads(run(main, ["equipment", "list", "--json"]).output)["total"] == 1
    missing = run(main, ["equipment", "show", "nope"])
    assert missing.exit_code == 1 and "No unit nope" in missing.output


def test_stickers_for_a_site(demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zxingcpp

    from tests.support.pdf_pages import page_images

    monkeypatch.setenv("CLIENT_BOT_USERNAME", "RomashkaHelpBot")
    get_settings.cache_clear()
    run = CliRunner().invoke
    run(
        main, ["equipment", "type", "ac", "--category", "hvac", "--name-ru", "Кондиционер", "--name-en", "AC"]
    )
    units = tmp_path / "units.csv"
    units.write_text(
        "site,type,name,status\nrom-nevsky,ac,Hall,\nrom-nevsky,ac,Old,retired\nacme-wh1,ac,Elsewhere,\n"
    )
    assert run(main, ["equipment", "import", str(units)]).exit_code == 0
    out = tmp_path / "stickers.pdf"
    result = run(main, ["equipment", "stickers", "--site", "rom-nevsky", "--out", str(out)])
    assert result.exit_code == 0 and "1 stickers on 1 A4 page(s)" in result.output, result.output
    page = page_images(out.read_bytes())[0]
    code = json.loads(run(main, ["equipment", "list", "--q", "Hall", "--json"]).output)["units"][0]["code"]
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [f"https://t.me/RomashkaHelpBot?start=eq-{code}"]
    missing = run(main, ["equipment", "stickers", "--site", "nowhere", "--out", str(out)])
    assert missing.exit_code == 1 and "no site 'nowhere'" in missing.output
    empty = run(main, ["equipment", "stickers", "--site", "rom-vaska", "--out", str(out)])
    assert empty.exit_code == 1 and "No units in service match" in empty.output
