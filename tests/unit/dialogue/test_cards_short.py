"""`short`: one line for cards, several lines where a note is read as lines."""

from __future__ import annotations

from dialogue.cards import short


def test_one_line_for_cards() -> None:
    # Lines never run together into one sentence ("…half of each label It jams every third sheet").
    assert short("Printer  jammed\nin the hall", 100) == "Printer jammed; in the hall"
    assert short("Prints half of each label\n\nIt jams every third sheet", 100) == (
        "Prints half of each label; It jams every third sheet"
    )
    assert (
        short("Printer jammed.\nIn the hall,\nby the door", 100) == "Printer jammed. In the hall, by the door"
    )
    assert short("Prints half of each label\nIt jams", 27) == "Prints half of each label…"  # no ";…"
    assert short("Printer jammed in the hall", 15) == "Printer jammed…"


def test_line_breaks_kept_when_asked() -> None:
    note = "Cleaned the paper path\n\n  replaced the roller \nChecklist: ✓ Test page"
    assert short(note, 100, keep_lines=True) == (
        "Cleaned the paper path\nreplaced the roller\nChecklist: ✓ Test page"
    )
    assert short(note, 30, keep_lines=True) == "Cleaned the paper path…"  # cut at the line break
    assert short("x" * 40, 10, keep_lines=True) == "x" * 10 + "…"  # no boundary: a hard cut
