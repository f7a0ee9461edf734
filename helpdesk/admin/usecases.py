"""What the web admin changes, each step checking its actor and writing an admin audit entry in the same
unit of work: logins and sessions, passwords, KB articles (edit, publish, restore), engineers' shifts and
engineers' profiles.

The caller opens the unit of work and commits, except for `log_in`, which opens its own short units (it
counts the attempt before the password check; see `helpdesk.admin.login_throttle`). KB changes are
`kb_search.editing`'s use cases (which audit them); they return the saved article so the caller can make it
visible to this process's search after the commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from helpdesk.admin.access import Area, require
from helpdesk.admin.i18n import _
from helpdesk.admin.login_throttle import (
    DEVICE_LIFETIME,
    LoginLimits,
    Scope,
    ThrottleKey,
    keys_for,
    refusal,
)
from helpdesk.admin.passwords import DUMMY_HASH, check_new_password, hash_password, verify_password
from helpdesk.admin.sessions import SessionPolicy, hash_token, new_token, start_session
from kb_search import editing as kb_edits
from kb_search import learning
from kb_search.model import Article, KbError
from kb_search.phrasings import Phrasing
from storage.admin_store import DeviceRecord, SessionRecord, SqlAdminStore
from storage.uow import SqlUnitOfWork
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.model import Actor, StaffMember
from ticket_core.usecases.staff import ProfileUpdate, set_engineer_shift, update_engineer_profile

log = logging.getLogger(__name__)

MAX_LOGIN = 64
MAX_DEVICE_TOKEN = 200
"""A longer device cookie is not one we issued: it is not even hashed."""


class LoginThrottled(Exception):
    """Too many failed logins: the message says for how long the form refuses."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LoginRefused(Exception):
    """Wrong login or password (the message does not say which)."""


@dataclass(frozen=True, slots=True)
class AdminUser:
    """The staff member behind a live admin session."""

    member: StaffMember
    session: SessionRecord

    @property
    def actor(self) -> Actor:
        """The actor every use case sees."""
        return Actor(self.member.role, self.member.id, name=self.member.name)


async def _audit(
    uow: SqlUnitOfWork, now: datetime, actor: Actor, action: str, target: str | None, **detail: Any
) -> None:
    await uow.admin.audit(now, actor.id, action, target, detail or None)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A successful login: the session cookie value, the user, and this browser's device cookie value."""

    token: str
    user: AdminUser
    device_token: str


async def _known_device(
    store: SqlAdminStore, device_token: str | None, login: str, now: datetime
) -> DeviceRecord | None:
    """The device behind a device cookie when it signed in as `login` before and has not expired."""
    if not device_token or len(device_token) > MAX_DEVICE_TOKEN:
        return None
    device: DeviceRecord | None = await store.get_device(hash_token(device_token))
    if device is None or device.staff_id != login or device.expires_at <= now:
        return None
    return device


async def _count_attempt(
    store: SqlAdminStore, keys: list[ThrottleKey], now: datetime, limits: LoginLimits
) -> None:
    """Count one attempt on its counters, or raise `LoginThrottled` without counting it.

    The counters are locked in `keys`' order, checked again under the lock and bumped in the caller's
    transaction; see `helpdesk.admin.login_throttle`.
    """
    pairs = [(key.scope.value, key.subject) for key in keys]
    seen = await store.throttle_counts(pairs)
    # A quick look without locks refuses most of a flood without writing anything.
    refused = refusal(limits, [(key, seen.get(pair)) for key, pair in zip(keys, pairs, strict=True)], now)
    if refused is not None:
        raise LoginThrottled(refused.message, refused.retry_after_s)
    locked = [(key, await store.lock_throttle_count(key.scope.value, key.subject, now)) for key in keys]
    refused = refusal(limits, locked, now)
    if refused is not None:
        raise LoginThrottled(refused.message, refused.retry_after_s)
    for key, count in locked:
        counted = limits.counted(count, now)
        await store.set_throttle_count(key.scope.value, key.subject, counted)
        if counted.failures == limits.max_failures:  # once per crossing, not for every refused request
            log.warning(
                "admin login: %s %s reached %d attempts; further ones wait",
                key.scope,
                key.subject,
                counted.failures,
            )


async def log_in(
    uows: Callable[[], SqlUnitOfWork],
    login: str,
    password: str,
    ip: str,
    now: datetime,
    policy: SessionPolicy,
    limits: LoginLimits,
    device_token: str | None = None,
) -> SignedIn:
    """Check a staff login and password and start a session, within the login throttle.

    Two short units of `uows` around the password check, which runs outside any transaction: the first
    counts the attempt (or refuses it), the second records the outcome. A refused attempt runs no password hash;
    an attempt that was counted stays counted when the check fails or the process dies. With a
    `device_token` of a browser that signed in as this login before, only that device's counter applies.

    Raises:
        LoginThrottled: this address, this login (from an unknown browser) or this device must wait.
        LoginRefused: unknown login or wrong password.
    """
    login = login.strip()[:MAX_LOGIN]
    async with uows() as uow:
        store = uow.admin
        known = await _known_device(store, device_token, login, now)
        keys = keys_for(ip, login, known.id if known is not None else None)
        await _count_attempt(store, keys, now, limits)
        member = await uow.directory.get_staff(login) if login else None
        stored = await store.password_hash(login) if member is not None else None
        await uow.commit()
    # scrypt takes tens of milliseconds: on SQLite a transaction would hold the write lock all that time.
    # An unknown login is checked against a dummy hash so that it takes as long as a wrong password.
    matches = await asyncio.to_thread(verify_password, password, stored or DUMMY_HASH)
    async with uows() as uow:
        store = uow.admin
        if member is None or stored is None or not matches:
            await store.add_login_failure(ip, login or "-", now)
            await store.prune_login_failures(now - 2 * limits.window)
            await store.prune_throttle_counts(now)
            await uow.commit()
            raise LoginRefused(_("Wrong login or password. Check both and try again."))
        for key in keys:
            if key.scope is Scope.DEVICE:
                await store.forget_throttle_count(key.scope.value, key.subject)
            else:  # not a reset: someone with an account of their own could clear their address that way
                await store.give_back_attempt(key.scope.value, key.subject, now, limits.max_failures)
        if known is not None and device_token is not None:
            await store.touch_device(known.id, now, now + DEVICE_LIFETIME)
            device = device_token
        else:
            device = new_token()
            await store.add_device(
                DeviceRecord(hash_token(device), member.id, now, now, now + DEVICE_LIFETIME)
            )
        await store.prune_devices(now)
        await store.delete_expired_sessions(now)  # housekeeping: sessions past their absolute expiry
        token, record = await start_session(store, member.id, ip, now, policy)
        user = AdminUser(member, record)
        await _audit(uow, now, user.actor, "login", member.id, ip=ip, known_device=known is not None)
        await uow.commit()
    return SignedIn(token, user, device)


async def log_out(uow: SqlUnitOfWork, user: AdminUser, now: datetime) -> None:
    """End the user's session."""
    await uow.admin.delete_session(user.session.id)
    await _audit(uow, now, user.actor, "logout", user.member.id)


async def set_password(
    uow: SqlUnitOfWork, actor: Actor, staff_id: str, password: str, now: datetime
) -> StaffMember:
    """Set a staff member's web password (admins, or the system from the CLI); their sessions and devices end.

    Raises:
        Forbidden: the actor is neither an admin nor the system.
        NotFound: no such staff member.
        PasswordError: the password is too short or too long.
    """
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden(_("Only an admin sets passwords (`helpdesk admin set-password LOGIN`)."))
    member = await uow.directory.get_staff(staff_id)
    if member is None:
        raise NotFound(
            _("No staff member '{staff_id}'; staff ids look like a-admin or e-smirnov."), staff_id=staff_id
        )
    hashed = await asyncio.to_thread(hash_password, check_new_password(password))
    await uow.admin.set_password_hash(member.id, hashed, now)
    await uow.admin.delete_sessions_of(member.id)
    # A reset often follows a suspected break-in: no browser keeps skipping the per-login limit.
    await uow.admin.delete_devices_of(member.id)
    await _audit(uow, now, actor, "password.set", member.id)
    return member


def _editor(actor: Actor, what: str) -> kb_edits.Editor:
    """The KB editor an admin page acts as; the page's own rule (`Area.KB_WRITE`) is checked here first."""
    require(actor, Area.KB_WRITE, what)
    return kb_edits.Editor(actor.id)


def _refusal(error: KbError) -> Exception:
    """A KB use case's refusal as the admin shows it (a form error naming its field, or not found)."""
    if isinstance(error, kb_edits.ArticleMissing):
        return NotFound(error.template, **error.params)
    return ValidationFailed(error.template, **error.params)


async def _saved(change: Awaitable[kb_edits.KbChange]) -> Article:
    """The article a KB use case saved, or its refusal as the admin shows it."""
    try:
        done = await change
    except KbError as error:
        raise _refusal(error) from None
    assert done.article is not None
    return done.article


async def create_article(
    uow: SqlUnitOfWork,
    actor: Actor,
    article_id: str,
    fields: dict[str, str],
    default_lang: str,
    now: datetime,
) -> Article:
    """Create a draft article from form fields (its id given or generated): `kb_search.editing.create_article`.

    Raises:
        Forbidden: the actor may not edit the KB.
        ValidationFailed: a field is invalid, or the id is taken.
    """
    return await _saved(
        kb_edits.create_article(
            uow, _editor(actor, _("edit knowledge base articles")), article_id, fields, now, lang=default_lang
        )
    )


async def edit_article(
    uow: SqlUnitOfWork,
    actor: Actor,
    article_id: str,
    fields: dict[str, str],
    expected_version: int | None,
    now: datetime,
) -> Article:
    """Save edited fields as a new version; refuse when someone saved a newer version since the form opened.

    Raises:
        Forbidden, NotFound, ValidationFailed (a bad field, a stale version or nothing changed).
    """
    return await _saved(
        kb_edits.edit_article(
            uow, _editor(actor, _("edit knowledge base articles")), article_id, fields, expected_version, now
        )
    )


async def set_article_status(
    uow: SqlUnitOfWork, actor: Actor, article_id: str, publish: bool, now: datetime
) -> Article:
    """Publish an article (search shows it) or take it back to draft."""
    return await _saved(
        kb_edits.set_article_status(
            uow, _editor(actor, _("publish knowledge base articles")), article_id, publish, now
        )
    )


async def restore_article_version(
    uow: SqlUnitOfWork, actor: Actor, article_id: str, version: int, now: datetime
) -> Article:
    """Save an old version's title, body, audience, language and tags as a new version (status unchanged).

    Raises:
        Forbidden, NotFound (no article or no such version), ValidationFailed (it equals the current one).
    """
    return await _saved(
        kb_edits.restore_article_version(
            uow, _editor(actor, _("restore knowledge base articles")), article_id, version, now
        )
    )


async def remove_phrasing(
    uow: SqlUnitOfWork, actor: Actor, article_id: str, phrasing_id: int, now: datetime
) -> Phrasing:
    """Remove a confirmed phrasing of an article for good (search drops it within a second).

    Raises:
        Forbidden: the actor is not an admin.
        NotFound: no such phrasing on this article, or it was removed already.
    """
    require(actor, Area.KB_WRITE, _("remove confirmed phrasings"))
    current: Phrasing | None = await uow.phrasings.get(phrasing_id)
    if current is None or current.article_id != article_id:
        raise NotFound(
            _("Article {article_id} has no phrasing {phrasing_id}; pick one from its list."),
            article_id=article_id,
            phrasing_id=phrasing_id,
        )
    try:
        removed = await learning.remove(uow.phrasings, phrasing_id, actor.id, now)
    except KbError as error:
        raise NotFound(error.template, **error.params) from None
    await _audit(
        uow,
        now,
        actor,
        "kb.phrasing_remove",
        article_id,
        phrasing=phrasing_id,
        source=str(removed.source),
        clients=removed.clients,
    )
    return removed


async def change_shift(
    uow: SqlUnitOfWork, actor: Actor, engineer_id: str, on_shift: bool, now: datetime
) -> StaffMember:
    """Put an engineer on or off shift for them (ticket_core's roster use case checks the actor too)."""
    require(actor, Area.STAFF_WRITE, _("change engineers' shifts"))
    member = await set_engineer_shift(uow, actor, engineer_id, on_shift)
    await _audit(uow, now, actor, "staff.shift", engineer_id, on_shift=on_shift)
    return member


async def edit_engineer_profile(
    uow: SqlUnitOfWork,
    actor: Actor,
    engineer_id: str,
    fields: Mapping[str, str],
    now: datetime,
    known_skills: Collection[str] = (),
) -> ProfileUpdate:
    """Save an engineer's profile from the edit form, with an admin audit entry of the changed fields.

    ticket_core's use case checks the actor again, validates every field and records `StaffProfileChanged`;
    the audit entry holds the same before/after values.

    Raises:
        Forbidden, NotFound, ProfileInvalid (a message per field), ValidationFailed (nothing changed).
    """
    require(actor, Area.STAFF_PROFILE, _("edit engineers' profiles"))
    update = await update_engineer_profile(uow, actor, engineer_id, fields, now, known_skills=known_skills)
    await _audit(uow, now, actor, "staff.profile", engineer_id, changes=update.changes)
    return update


async def set_own_language(uow: SqlUnitOfWork, user: AdminUser, lang: str, now: datetime) -> StaffMember:
    """Set the language the admin (and the bots) speak to the signed-in person: only their own record."""
    if lang not in ("ru", "en"):
        raise ValidationFailed(_("unknown language '{lang}': ru or en"), lang=lang[:8])
    member = await uow.directory.get_staff(user.member.id)
    if member is None:
        raise NotFound(_("no such staff member"))
    changed = replace(member, lang=lang)
    await uow.directory.update_staff_profile(changed)
    await _audit(uow, now, user.actor, "staff.lang", member.id, lang=lang)
    return changed
