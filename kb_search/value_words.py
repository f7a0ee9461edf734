"""The words kb_search's refusals give their fields (a field's name, an article's status), marked for its catalogue.

`dialogue.refusals` says them in Russian from `kb_search/locale/ru/LC_MESSAGES/kb_search.po` (context "value"), as
`ticket_core.value_words` does for the domain's; `tests/unit/ticket_core/test_i18n.py` fails on a word no code of
kb_search says any more.
"""

from __future__ import annotations

from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kb_search"
"""kb_search's catalogue: `kb_search/locale/ru/LC_MESSAGES/kb_search.po`."""


def NC_(context: str, message: str) -> str:
    """Mark a word for the catalogue with its context (kb_search stands alone: it imports no ticket_core)."""
    return message


VALUE_WORDS = (
    NC_("value", "audience"),
    NC_("value", "body"),
    NC_("value", "draft"),
    NC_("value", "published"),
    NC_("value", "tags"),
    NC_("value", "title"),
)
