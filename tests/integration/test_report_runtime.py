"""The wired app: `Runtime.reports` is the SQL source and `/report` answers from real rows with a real PNG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from dialogue.inline_media import decode_inline
from dialogue.messages import Bot, Channel, Inbound
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from storage.reports import SqlReportSource
from storage.tables import tickets
from ticket_core.reports import GroupBy, ReportFilter


async def test_report_command_runs_on_the_wired_runtime(sqlite_url: str) -> None:
    settings = Settings(_env_file=None, database_url=sqlite_url, kb_embedder="none", kb_cache_dir=None)  # type: ignore[call-arg]
    await seed_demo(settings, with_kb=False)
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    try:
        assert isinstance(rt.reports, SqlReportSource)
        now = datetime.now(UTC)
        rows = [
            {
                "id": f"r{i}",
                "number": 5000 + i,
                "client_id": "acme",
                "category": "it",
                "priority": "P3",
                "description": "-",
                "created_at": now - timedelta(hours=10 + i),
                "status": "closed" if i < 3 else "in_progress",
                "assignee_id": "e-smirnov" if i % 2 else "e-kozlov",
                "attachments": [],
                "first_response_at": now - timedelta(hours=9 + i),
                "resolved_at": now - timedelta(hours=5) if i < 3 else None,
                "rating": 5 if i == 0 else None,
            }
            for i in range(4)
        ]
        async with rt.db.begin() as conn:
            await conn.execute(insert(tickets), rows)
        total = (await rt.reports.report(ReportFilter(now - timedelta(days=1), now), GroupBy.NONE)).total
        assert (total.tickets_opened, total.tickets_resolved, total.backlog) == (4, 3, 1)

        replies = await rt.engine.handle(
            Inbound(Channel.WEB, Bot.STAFF, "a-admin", "a-admin", "t:report:1", text="/report")
        )
        [reply] = [r for r in replies if r.chat_id == "a-admin"]
        assert "4" in reply.text and "3" in reply.text
        data, mime = decode_inline(reply.media[0].file_id)
        assert mime == "image/png" and data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    finally:
        await rt.close()
