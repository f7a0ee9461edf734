"""Demo web logins (demo data only; README "Web admin" lists them): an admin, a supervisor, an engineer."""

from __future__ import annotations

import asyncio
from datetime import datetime

from helpdesk.admin.passwords import hash_password
from storage.uow import SqlUnitOfWork

DEMO_PASSWORDS: dict[str, str] = {
    "a-admin": "admin-demo-2026",
    "s-sokolova": "supervisor-demo-2026",
    "e-smirnov": "engineer-demo-2026",
}
"""Staff id -> demo password. Never use these outside the demo: set real ones with `helpdesk admin set-password`."""


async def set_demo_passwords(uow: SqlUnitOfWork, now: datetime) -> int:
    """Give the demo staff their demo passwords where they have none yet; return how many were set."""
    added = 0
    for staff_id, password in DEMO_PASSWORDS.items():
        if (
            await uow.directory.get_staff(staff_id) is None
            or await uow.admin.password_hash(staff_id) is not None
        ):
            continue
        await uow.admin.set_password_hash(staff_id, await asyncio.to_thread(hash_password, password), now)
        added += 1
    return added
