"""`/metrics` (helpdesk.metrics): every metric it names is exported, with the database's gauges read."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk import metrics
from storage.db import make_sessionmaker


def _exported(body: bytes) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(body.decode()):
        names.add(family.name)
        names.add(f"{family.name}_total")  # a counter's family is named without its _total
        names.update(sample.name for sample in family.samples)
    return names


async def test_every_metric_named_is_exported(engine: AsyncEngine) -> None:
    page = metrics.Metrics(engine, make_sessionmaker(engine), ttl_s=0)
    errors = metrics.DB_ERRORS._value.get()
    metrics.received("telegram", "client")
    metrics.handled("telegram", 0.01, ok=True)
    metrics.delivered("telegram", "client")
    metrics.delivery_failed("telegram", "retry")

    names = _exported(await page.render())

    assert [name for name in metrics.EXPORTED if name not in names] == []
    assert metrics.DB_ERRORS._value.get() == errors  # the database gauges were read


async def test_the_page_is_served_as_prometheus_text(engine: AsyncEngine) -> None:
    page = metrics.Metrics(engine, make_sessionmaker(engine))
    body = await page.render()
    assert b"# TYPE helpdesk_inbox_backlog gauge" in body
    assert b'helpdesk_kb_interactions_last_day{kind="kb_answer"}' in body
