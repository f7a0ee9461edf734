"""No module of the product over 450 lines (issue #16): a module that grows past it is split by what it does."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bots", "dialogue", "helpdesk", "kb_search", "nlu", "storage", "ticket_core")
MAX_LINES = 450

# Modules allowed over the limit while a split is under way; each entry must still be over it, so an
# exception that is no longer needed fails too and is removed. None today.
STILL_OVER: frozenset[str] = frozenset()


def _sizes() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
    }


def test_no_product_module_is_over_450_lines() -> None:
    over = {name: n for name, n in _sizes().items() if n > MAX_LINES and name not in STILL_OVER}
    assert not over, f"split these by responsibility (at most {MAX_LINES} lines each): {over}"


def test_every_exception_is_still_needed() -> None:
    sizes = _sizes()
    stale = sorted(name for name in STILL_OVER if sizes.get(name, 0) <= MAX_LINES)
    assert not stale, f"these are within {MAX_LINES} lines now: remove them from STILL_OVER: {stale}"
