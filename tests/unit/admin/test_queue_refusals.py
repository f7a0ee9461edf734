"""The Messages page's refusals (`helpdesk.queues.BadIds`) read in the admin's language (#18: English only)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from helpdesk import queues
from helpdesk.admin.pages import refused


def _said(lang: str, error: Exception) -> str:
    return refused(make_mocked_request("POST", "/admin/messages", headers={"Accept-Language": lang}), error)


def test_a_bad_id_is_refused_in_russian_and_in_english() -> None:
    with pytest.raises(queues.BadIds) as caught:
        queues.parse_ids(["abc"], "an inbox")
    assert _said("ru", caught.value) == (
        "«abc» — не номер входящего сообщения: номера — целые числа от 1 до 2147483647, например 12"
    )
    assert _said("en", caught.value) == (
        "'abc' is not an inbox id: ids are whole numbers from 1 to 2147483647, e.g. 12"
    )
    with pytest.raises(queues.BadIds) as none:
        queues.parse_ids([], "an outbox")
    assert _said("ru", none.value) == "укажите хотя бы один номер исходящего сообщения"


def test_every_queue_refusal_has_its_russian() -> None:
    from helpdesk.admin.i18n import Texts
    from helpdesk.admin.views_messages import QUEUE_REFUSALS

    ru = Texts("ru")
    assert all(ru(text) != text for text in QUEUE_REFUSALS)
