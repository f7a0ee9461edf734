"""Directory pages: engineers (profile, hours now, shift, load; on/off shift), clients with their sites, contacts
and contracts, and the SLA policies, calendars and escalation ladder in force."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from helpdesk.admin import usecases
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user, sla_config_of
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.profile_view import hours_now, hours_text
from helpdesk.admin.routes import RouteTable
from ticket_core.enums import Priority, Role
from ticket_core.errors import NotFound
from ticket_core.sla.calendar import BusinessCalendar
from ticket_core.sla.policy import SlaPolicy
from ticket_core.usecases.contact_import import ContactImportRejected, import_contacts
from ticket_core.usecases.contacts import update_contact_access

ROUTES = RouteTable()
PAGE_SIZE = 50
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_CONTACTS_BYTES = 2 * 1024 * 1024
MAX_ERRORS_SHOWN = 500


@ROUTES.route("GET", "/engineers", "engineers", Area.STAFF_READ)
async def engineers(request: web.Request) -> web.StreamResponse:
    """Every engineer's profile (skills, level, regions, hours and whether in hours now), load and shift."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        staff = await uow.directory.list_staff()
        loads = await uow.tickets.count_active_by_assignee()
    engineers = [m for m in staff if m.role is Role.ENGINEER]
    now = ctx.clock()
    return html(
        request,
        "engineers.html",
        engineers=engineers,
        others=[m for m in staff if m.role is not Role.ENGINEER],
        loads=loads,
        hours={m.id: hours_text(m.working_hours, texts_of(request)) for m in engineers},
        hours_now={m.id: hours_now(m, now, texts_of(request)) for m in engineers},
    )


@ROUTES.route("POST", "/engineers/{staff_id}/shift", "engineer-shift", Area.STAFF_WRITE)
async def engineer_shift(request: web.Request) -> web.StreamResponse:
    """Put an engineer on or off shift."""
    ctx = admin_context(request)
    form = await request.post()
    on_shift = str(form.get("on_shift", "")) == "1"
    async with ctx.rt.uows() as uow:
        await usecases.change_shift(
            uow, current_user(request).actor, request.match_info["staff_id"], on_shift, ctx.clock()
        )
        await uow.commit()
    raise redirect("/admin/engineers?done=shift")


@ROUTES.route("GET", "/clients", "clients", Area.DIRECTORY)
async def clients(request: web.Request) -> web.StreamResponse:
    """Clients by id, 50 a page, with counts of sites, active contracts and open tickets."""
    ctx = admin_context(request)
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    async with ctx.rt.uows() as uow:
        lists = uow.directory_lists
        items, total = await lists.clients_page(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        summaries = await lists.client_summaries([c.id for c in items])
    pages = max(1, -(-total // PAGE_SIZE))
    return html(
        request,
        "clients.html",
        clients=items,
        summaries=summaries,
        total=total,
        page=page,
        pages=pages,
        prev_url=f"/admin/clients?{urlencode({'page': page - 1})}" if page > 1 else "",
        next_url=f"/admin/clients?{urlencode({'page': page + 1})}" if page < pages else "",
    )


@ROUTES.route("GET", "/clients/{client_id}", "client", Area.DIRECTORY)
async def client_page(request: web.Request) -> web.StreamResponse:
    """One client: sites (with time zones), contacts, contracts (categories, preferred/excluded engineers)."""
    return await _client_page(request)


async def _client_page(
    request: web.Request, *, status: int = 200, import_errors: list[str] | None = None, import_note: str = ""
) -> web.Response:
    ctx = admin_context(request)
    client_id = request.match_info["client_id"]
    async with ctx.rt.uows() as uow:
        client = await uow.directory.get_client(client_id)
        if client is None:
            raise NotFound(_("No client '{client_id}'; pick one from the clients list."), client_id=client_id)
        sites = await uow.directory.list_sites(client_id)
        contacts = await uow.directory.list_contacts(client_id)
        contracts = await uow.directory_lists.contracts_of(client_id)
        summary = (await uow.directory_lists.client_summaries([client_id]))[client_id]
    return html(
        request,
        "client.html",
        status=status,
        client=client,
        sites=sites,
        contacts=contacts,
        contracts=contracts,
        summary=summary,
        import_errors=import_errors or [],
        import_note=import_note,
    )


@ROUTES.route("POST", "/clients/{client_id}/contacts-import", "contacts-upload", Area.DIRECTORY)
async def contacts_import(request: web.Request) -> web.StreamResponse:
    """Import the client's contacts from an uploaded CSV file: all of it, or nothing and every bad line named
    (in the reader's language) above the contacts."""
    ctx = admin_context(request)
    tr = texts_of(request)
    client_id = request.match_info["client_id"]
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return await _client_page(request, status=400, import_errors=[tr(_("Choose a CSV file to import."))])
    raw = upload.file.read(MAX_CONTACTS_BYTES + 1)
    if len(raw) > MAX_CONTACTS_BYTES:
        return await _client_page(
            request, status=400, import_errors=[tr(_("The file is over 2 MB: import it in parts."))]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return await _client_page(
            request, status=400, import_errors=[tr(_("The file is not UTF-8 text: save it as CSV UTF-8."))]
        )
    actor = current_user(request).actor
    now = ctx.clock()
    try:
        async with ctx.rt.uows() as uow:
            result = await import_contacts(uow, actor, client_id, text, now)
            await uow.admin.audit(now, actor.id, "contacts.import", client_id, None)
            await uow.commit()
    except ContactImportRejected as rejected:
        lines = [
            tr(
                _("line {line}: {problem}"),
                line=e.line,
                problem=" ".join(refused(request, p) for p in e.problems),
            )
            for e in rejected.errors[:MAX_ERRORS_SHOWN]
        ]
        more = len(rejected.errors) - MAX_ERRORS_SHOWN
        if more > 0:
            lines.append(tr(_("... and {n} more"), n=more))
        return await _client_page(request, status=400, import_errors=[refused(request, rejected), *lines])
    note = tr(
        _("Contacts imported: {created} new, {updated} updated."),
        created=result.created,
        updated=result.updated,
    )
    if result.adopted:
        note += " " + tr(
            _("{n} of them had written to the bot as private persons and are this client's contacts now."),
            n=result.adopted,
        )
    return await _client_page(request, import_note=note)


@ROUTES.route("POST", "/clients/{client_id}/contacts/{contact_id}", "contact-access", Area.DIRECTORY)
async def contact_access(request: web.Request) -> web.StreamResponse:
    """Set a contact's mail address and their client portal scope (manager: every site; else their site)."""
    ctx = admin_context(request)
    client_id, contact_id = request.match_info["client_id"], request.match_info["contact_id"]
    form = await request.post()
    async with ctx.rt.uows() as uow:
        contact = await uow.directory.get_contact(contact_id)
        if contact is None or contact.client_id != client_id:
            raise NotFound(f"No contact {contact_id!r} at this client; pick one from the client's page.")
        now = ctx.clock()
        actor = current_user(request).actor
        await update_contact_access(
            uow,
            actor,
            contact_id,
            now,
            email=str(form.get("email", ""))[:300],
            manager=form.get("manager") == "1",
            site_id=str(form.get("site", ""))[:64] or None,
        )
        await uow.admin.audit(now, actor.id, "contact.access", contact_id, None)
        await uow.commit()
    raise redirect(f"/admin/clients/{client_id}?done=saved#contacts")


def _hours(calendar: BusinessCalendar) -> list[tuple[str, str]]:
    days = []
    for name, intervals in zip(WEEKDAYS, calendar.weekly, strict=False):
        text = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals) or "closed"
        days.append((name, text))
    return days


def _policy_view(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "calendar": policy.calendar.name,
        "targets": [
            (str(p), policy.targets[p].response.total_seconds(), policy.targets[p].resolution.total_seconds())
            for p in Priority
            if p in policy.targets
        ],
    }


@ROUTES.route("GET", "/sla", "sla", Area.SLA)
async def sla_page(request: web.Request) -> web.StreamResponse:
    """The SLA configuration in force: policies and their targets, overrides, calendars and the ladder."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        config = sla_config_of(uow)
    policies: dict[str, SlaPolicy] = {config.default.name: config.default}
    for p in (*config.category_overrides.values(), *config.contract_policies.values()):
        policies.setdefault(p.name, p)
    for per_contract in config.contract_category_overrides.values():
        for p in per_contract.values():
            policies.setdefault(p.name, p)
    calendars = {p.calendar.name: p.calendar for p in policies.values()}
    return html(
        request,
        "sla.html",
        config=config,
        policies=[_policy_view(p) for p in policies.values()],
        calendars=[
            {
                "name": c.name,
                "tz": c.tz,
                "site_tz": c.name in config.site_calendars,
                "always": c.is_24x7,
                "hours": _hours(c),
                "holidays": sorted(c.holidays),
                "extra": sorted(c.extra_working_days),
            }
            for c in calendars.values()
        ],
        category_overrides=sorted((k, v.name) for k, v in config.category_overrides.items()),
        contract_policies=sorted((k, v.name) for k, v in config.contract_policies.items()),
        contract_categories=sorted(
            (contract, category, p.name)
            for contract, mapping in config.contract_category_overrides.items()
            for category, p in mapping.items()
        ),
    )
