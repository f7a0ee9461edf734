"""`storage.sql_literals.word`: statuses written into the SQL, and nothing that would need quoting."""

import pytest
from sqlalchemy.dialects import postgresql

from storage.inbox_admin import InboxStatus
from storage.sql_literals import word


def test_a_status_is_written_as_a_quoted_literal() -> None:
    assert str(word(InboxStatus.PENDING).compile(dialect=postgresql.dialect())) == "'pending'"
    assert str(word("in_progress")) == "'in_progress'"


@pytest.mark.parametrize("bad", ["", "Pending", "o'clock", "a b", "x;--"])
def test_anything_but_a_plain_word_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="plain word"):
        word(bad)
