"""Supervisors manage the engineers' roster (shifts); admins edit the engineers' profiles."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.events import StaffProfileChanged
from ticket_core.model import Actor, StaffMember
from ticket_core.ports import UnitOfWork
from ticket_core.staff_profile import parse_profile, profile_values
from ticket_core.usecases._common import require_utc

ROSTER_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
PROFILE_EDITORS = frozenset({Role.ADMIN})


async def set_engineer_shift(uow: UnitOfWork, actor: Actor, engineer_id: str, on_shift: bool) -> StaffMember:
    """A supervisor or admin puts an engineer on or off shift (off shift: no new offers; jobs stay theirs).

    Raises:
        Forbidden: the actor is not a supervisor or admin.
        NotFound: there is no such staff member.
        ValidationFailed: the staff member is not an engineer.
    """
    if actor.role not in ROSTER_MANAGERS:
        raise Forbidden("Only a supervisor or an admin puts other engineers on or off shift.")
    member = await _engineer(uow, engineer_id, "shifts")
    await uow.directory.set_on_shift(engineer_id, on_shift)
    member.on_shift = on_shift
    return member


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    """A saved profile change: the engineer as saved and each changed field's before/after values."""

    member: StaffMember
    changes: dict[str, dict[str, Any]]


async def update_engineer_profile(
    uow: UnitOfWork,
    actor: Actor,
    staff_id: str,
    changes: Mapping[str, str],
    now: datetime,
    *,
    known_skills: Collection[str] = (),
) -> ProfileUpdate:
    """An admin changes an engineer's profile; routing uses it from the next decision on.

    Args:
        changes: profile field -> the text typed (see `ticket_core.staff_profile.PROFILE_FIELDS`); fields left
            out stay as they are.
        known_skills: the categories in use, to catch typos in skills (see `parse_profile`).

    Raises:
        Forbidden: the actor is not an admin.
        NotFound: there is no such staff member.
        ProfileInvalid: a field is bad (a message per field); nothing is saved.
        ValidationFailed: the staff member is not an engineer, or nothing would change.
    """
    require_utc(now)
    if actor.role not in PROFILE_EDITORS:
        raise Forbidden("Only an admin edits engineers' profiles; ask an admin to make the change.")
    member = await _engineer(uow, staff_id, "this profile")
    updated = replace(member, **parse_profile(changes, known_skills))
    before, after = profile_values(member), profile_values(updated)
    diff = {
        name: {"before": before[name], "after": after[name]} for name in before if before[name] != after[name]
    }
    if not diff:
        raise ValidationFailed("Nothing changed: edit a field before saving.")
    await uow.directory.update_staff_profile(updated)
    uow.record(StaffProfileChanged(ticket_id=None, actor=actor, at=now, staff_id=member.id, changes=diff))
    return ProfileUpdate(updated, diff)


async def _engineer(uow: UnitOfWork, staff_id: str, what: str) -> StaffMember:
    """The engineer `staff_id`; NotFound for an unknown id, ValidationFailed for someone without `what`."""
    member = await uow.directory.get_staff(staff_id)
    if member is None:
        raise NotFound("No staff member '{staff_id}'. Pick one from the engineers list.", staff_id=staff_id)
    if member.role is not Role.ENGINEER:
        raise ValidationFailed(
            "{name} is a {role}, not an engineer: only engineers have {what}.",
            name=member.name,
            role=member.role,
            what=what,
        )
    return member
