"""Photos sent with a portal form: checked and named when the form is read, written only once the use case
has accepted the message they belong to, and removed again when its transaction does not commit.

A refused post (another company's ticket, a site out of the contact's scope, an empty form) so never leaves
a file behind: the check comes first, the store after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp.web_request import FileField

from bots.webchat.uploads import UploadRejected, UploadStore, file_id
from helpdesk.admin.i18n import _
from ticket_core.errors import ValidationFailed
from ticket_core.model import Attachment

MAX_PHOTOS = 5
T = TypeVar("T")


@dataclass
class PendingPhotos:
    """Photos of one form: their attachments (already named) and bytes, not yet on disk."""

    store: UploadStore
    items: list[tuple[str, bytes]] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()
    written: list[str] = field(default_factory=list)

    async def write(self) -> None:
        """Store every photo under its name (in the unit of work, after the use case accepted them)."""
        for name, data in self.items:
            await self.store.write(name, data)
            self.written.append(name)

    async def discard(self) -> None:
        """Remove what `write` stored (the transaction did not commit)."""
        for name in self.written:
            await self.store.discard(name)
        self.written.clear()

    async def kept_by(self, run: Callable[[], Awaitable[T]]) -> T:
        """Run the unit of work that writes them; on any failure remove what was written."""
        try:
            return await run()
        except BaseException:
            await self.discard()
            raise


def read_photos(store: UploadStore, form: Any) -> PendingPhotos:
    """The photos of a form, checked and named; ValidationFailed for too many or for one that is not a photo.

    Nothing is written here: see `PendingPhotos.write`.
    """
    files = [f for f in form.getall("photos", []) if isinstance(f, FileField) and f.filename]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(_("Send at most {count} photos at a time."), count=MAX_PHOTOS)
    pending = PendingPhotos(store)
    attachments = []
    for item in files:
        data = item.file.read()
        shown = item.filename[:60]
        if len(data) > store.max_bytes:
            raise ValidationFailed(
                _("{name} is too large: send photos of at most {mb} MB."),
                name=shown,
                mb=store.max_bytes >> 20,
            )
        try:
            name = store.name_for(data)
        except UploadRejected:
            raise ValidationFailed(
                _("{name} is not a photo. Send JPEG, PNG, GIF or WebP images."), name=shown
            ) from None
        pending.items.append((name, data))
        attachments.append(Attachment("photo", file_id(name), "web", item.filename[:100]))
    pending.attachments = tuple(attachments)
    return pending
