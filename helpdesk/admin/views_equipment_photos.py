"""Photos of a unit uploaded in the admin: stored with the web chat's uploads (the same checks: JPEG, PNG, GIF
or WebP by their bytes, at most WEBCHAT_MAX_UPLOAD_MB, under an unguessable name) and added to the unit's photo
links through `ticket_core.equipment.editing.save_unit`, so the change is checked and audited (`unit_saved`)
as any edit is. A photo is removed by deleting its link in the edit form.
"""

from __future__ import annotations

from aiohttp import web

from bots.webchat.render import FILES_PATH
from bots.webchat.uploads import sniff_image
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import redirect, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.settings import Settings
from ticket_core.equipment import editing
from ticket_core.equipment.usecases import get_unit
from ticket_core.errors import ValidationFailed

ROUTES = RouteTable()
MAX_PHOTOS = 20


def photo_link(settings: Settings, name: str) -> str:
    """The absolute link a stored upload is served at (units keep http(s) links, as a CSV file gives them)."""
    base = (
        settings.public_url.rstrip("/") if settings.public_url else f"http://{settings.host}:{settings.port}"
    )
    return base + FILES_PATH + name


def shown_at(link: str) -> str:
    """Where the admin page loads a photo from: our own uploads by their path (same origin), others as given."""
    head, found, name = link.rpartition(FILES_PATH)
    return FILES_PATH + name if found and head.startswith(("http://", "https://")) else link


@ROUTES.route("POST", "/equipment/units/{unit_id}/photos", "equipment-unit-photo", Area.EQUIPMENT)
async def unit_photo(request: web.Request) -> web.StreamResponse:
    """Store an uploaded photo and add it to the unit's photos."""
    ctx = admin_context(request)
    tr = texts_of(request)
    unit_id = request.match_info["unit_id"]
    form = await request.post()
    upload = form.get("photo")
    if not isinstance(upload, web.FileField):
        raise ValidationFailed(tr(_("Choose a photo to upload (JPEG, PNG, GIF or WebP).")))
    store = ctx.rt.webchat.uploads
    data = upload.file.read(store.max_bytes + 1)
    if len(data) > store.max_bytes:
        raise ValidationFailed(
            tr(_("The photo is over {mb} MB: send a smaller one."), mb=store.max_bytes // (1024 * 1024))
        )
    if sniff_image(data[:16]) is None:  # an empty file too
        raise ValidationFailed(tr(_("That file is not a photo: choose a JPEG, PNG, GIF or WebP image.")))
    actor = current_user(request).actor
    async with ctx.rt.uows() as uow:
        values = editing.unit_values(await get_unit(uow, actor, unit_id))
        photos = values["photos"].split()
        if len(photos) >= MAX_PHOTOS:
            raise ValidationFailed(
                tr(_("A unit keeps at most {n} photos: remove one in the form first."), n=MAX_PHOTOS)
            )
        name = await store.save(data)  # checked above as it checks
        values["photos"] = " ".join([*photos, photo_link(ctx.rt.settings, name)])
        await editing.save_unit(uow, actor, values, ctx.clock(), unit_id)
        await uow.commit()
    raise redirect(f"/admin/equipment/units/{unit_id}?done=saved")
