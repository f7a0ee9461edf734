"""`helpdesk maintenance add|list|pause|resume`: recurring planned work per site or equipment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from helpdesk.cli import main
from helpdesk.settings import get_settings
from helpdesk.sla_configs import initial_config
from storage.db import make_engine, make_sessionmaker
from storage.uow import UnitOfWorkFactory
from ticket_core.enums import Priority
from ticket_core.equipment.plans import NewPlan, PlanInput, add_plan, set_plan_active
from ticket_core.errors import DomainError
from ticket_core.model import Actor
from ticket_core.sla.ports import maintenance_store


async def _with_uow(work):  # type: ignore[no-untyped-def]
    settings = get_settings()
    db = make_engine(settings.database_url)
    try:
        sla_config = await initial_config(db, settings.sla_config_file)  # the published one, when there is
        uows = UnitOfWorkFactory(make_sessionmaker(db), sla_config=sla_config)
        async with uows() as uow:
            try:
                result = await work(uow)
            except DomainError as error:  # what is wrong, and nothing changed
                raise click.ClickException(str(error)) from None
            await uow.commit()
            return result
    finally:
        await db.dispose()


@main.group()
def maintenance() -> None:
    """Planned maintenance: recurring tickets per site or equipment, opened ahead of time."""


@maintenance.command("add")
@click.option("--client", "client_id", required=True, help="Client id, e.g. romashka.")
@click.option("--site", "site_id", default=None, help="Site id (its time zone is used for the schedule).")
@click.option(
    "--schedule", required=True, help="e.g. 'first monday of each month at 09:00' or cron '0 9 * * mon#1'."
)
@click.option(
    "--category", required=True, help="Ticket category, e.g. hvac (routes to engineers with that skill)."
)
@click.option("--description", required=True, help="What the work is.")
@click.option("--equipment", default=None, help="The unit serviced, as free text, e.g. 'Rooftop AC #2'.")
@click.option(
    "--unit",
    "unit_ref",
    default=None,
    help="A registered unit (id or sticker code): a ticket on it each run.",
)
@click.option(
    "--unit-type",
    default=None,
    help="Every unit of this equipment type at --site: a ticket on each, each run.",
)
@click.option("--checklist", multiple=True, help="A step to tick off; repeat for each step.")
@click.option("--priority", type=click.Choice([p.value for p in Priority]), default="P4", show_default=True)
@click.option(
    "--lead-days", type=float, default=1.0, show_default=True, help="Open the ticket this many days ahead."
)
def add(
    client_id: str,
    site_id: str | None,
    schedule: str,
    category: str,
    description: str,
    equipment: str | None,
    unit_ref: str | None,
    unit_type: str | None,
    checklist: tuple[str, ...],
    priority: str,
    lead_days: float,
) -> None:
    """Add a plan; prints its id and the first run."""

    new = NewPlan(
        client_id=client_id,
        category=category,
        work=PlanInput(
            schedule=schedule,
            description=description,
            checklist=checklist,
            priority=priority,
            lead_days=str(lead_days),
        ),
        site_id=site_id,
        equipment=equipment,
        unit_ref=unit_ref,
        unit_type=unit_type,
    )

    async def work(uow):  # type: ignore[no-untyped-def]
        return await add_plan(uow, Actor.system(), new, datetime.now(UTC))  # audited as the system

    plan = asyncio.run(_with_uow(work))
    click.echo(
        f"{plan.id}: next run {plan.next_run_at.isoformat()} (ticket opened {plan.opens_at().isoformat()})"
    )


@maintenance.command("list")
@click.option("--client", "client_id", default=None)
def list_plans(client_id: str | None) -> None:
    """List plans with their next run."""

    async def work(uow):  # type: ignore[no-untyped-def]
        return list(await maintenance_store(uow).list(client_id))

    plans = asyncio.run(_with_uow(work))
    if not plans:
        click.echo("no maintenance plans")
    for p in plans:
        state = "active" if p.active else "paused"
        click.echo(
            f"{p.id}  {state}  {p.client_id}/{p.site_id or '-'}  {p.category}  '{p.schedule}'  next {p.next_run_at.isoformat()}  {p.description}"
        )


def _set_active(plan_id: str, active: bool) -> None:
    async def work(uow):  # type: ignore[no-untyped-def]
        return await set_plan_active(uow, Actor.system(), plan_id, active, datetime.now(UTC))

    asyncio.run(_with_uow(work))
    click.echo(f"{plan_id} {'resumed' if active else 'paused'}")


@maintenance.command("pause")
@click.argument("plan_id")
def pause(plan_id: str) -> None:
    """Stop a plan from opening tickets."""
    _set_active(plan_id, False)


@maintenance.command("resume")
@click.argument("plan_id")
def resume(plan_id: str) -> None:
    """Let a paused plan open tickets again."""
    _set_active(plan_id, True)
