"""`helpdesk demo-data` loaded again (every `make run`) never undoes what an admin changed since."""

from __future__ import annotations

from dataclasses import replace

from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.kb_repository import SqlArticleRepository


async def test_demo_data_again_keeps_admin_edits_and_deletions(sqlite_url: str) -> None:
    url = sqlite_url
    settings = Settings(_env_file=None, database_url=url, kb_embedder="none")  # type: ignore[call-arg]
    await seed_demo(settings)
    db = make_engine(url)
    try:
        sessions = make_sessionmaker(db)
        async with sessions() as session:
            repo = SqlArticleRepository(session)
            jam = await repo.get("printer-jam")
            assert jam is not None
            await repo.upsert(replace(jam, body="Call the front desk: they keep spare rollers."), "admin")
            assert await repo.delete("wifi-slow", "admin")
            await session.commit()

        await seed_demo(settings)  # `make run` again

        async with sessions() as session:
            repo = SqlArticleRepository(session)
            jam = await repo.get("printer-jam")
            assert jam is not None and jam.body == "Call the front desk: they keep spare rollers."
            assert jam.updated_by == "admin"
            assert await repo.get("wifi-slow") is None  # deleted stays deleted
            untouched = await repo.get("vpn-connect")
            assert untouched is not None and untouched.updated_by == "demo-data"
            assert [v.author for v in await repo.history("printer-jam")] == ["demo-data", "admin"]
    finally:
        await db.dispose()


async def test_demo_clients_have_money_terms_and_a_month_to_show(sqlite_url: str) -> None:
    """`/admin/billing` and the act are not empty after `make run`: terms, charged jobs, a package, payments."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from storage.uow import UnitOfWorkFactory
    from ticket_core.billing.queries import client_act
    from ticket_core.enums import Role, TicketStatus
    from ticket_core.model import Actor

    settings = Settings(_env_file=None, database_url=sqlite_url, kb_embedder="none")  # type: ignore[call-arg]
    counts = await seed_demo(settings, with_kb=False, with_billing=True)
    assert counts["billing"] == {"services": 8, "terms": 3, "jobs": 5, "payments": 3, "packages": 1}
    db = make_engine(sqlite_url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(db))
        async with uows() as uow:
            assert set(await uow.billing.terms_for_clients()) == {"acme", "romashka", "nordlog"}
            # Charged by the contract (ACME's printers are included; Romashka has 10 % off), less payments.
            assert await uow.billing.balances() == {
                "acme": Decimal("-5600.00"),
                "romashka": Decimal("-6985.50"),
                "nordlog": Decimal("-1500.00"),
            }
            jobs = [await uow.tickets.get_by_number(n) for n in range(1001, 1006)]
            assert all(t is not None and t.status is TicketStatus.CLOSED and t.rating for t in jobs)
            month = datetime.now(UTC).strftime("%Y-%m")
            act = await client_act(uow, Actor(Role.ADMIN, "a-admin"), "romashka", month)
            text = " ".join(line.text_ru for line in act.lines)
            assert "Прокладка смесителя" in text and "HD-100" in text, text
            # An admin changes a client's terms; demo data again neither undoes it nor adds jobs twice.
            terms = await uow.billing.terms_for_client("acme")
            assert terms is not None
            await uow.billing.put_terms(replace(terms, discount_pct=Decimal(5)))
            await uow.commit()
        again = await seed_demo(settings, with_kb=False, with_billing=True)
        assert again["billing"] == {"services": 0, "terms": 0, "jobs": 0, "payments": 0, "packages": 0}
        async with uows() as uow:
            kept = await uow.billing.terms_for_client("acme")
            assert kept is not None and kept.discount_pct == Decimal(5)
            assert await uow.tickets.get_by_number(1006) is None
    finally:
        await db.dispose()
