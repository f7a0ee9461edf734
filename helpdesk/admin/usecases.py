"""What the web admin changes, each step checking its actor and writing an admin audit entry in the same
unit of work: logins and sessions, passwords, KB articles (edit, publish, restore), engineers' shifts and
engineers' profiles.

The caller opens the unit of work and commits; KB changes return the saved article so the caller can update
the in-process search index after the commit (as the REST API does).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from helpdesk.admin.access import Area, require
from helpdesk.admin.passwords import DUMMY_HASH, check_new_password, hash_password, verify_password
from helpdesk.admin.sessions import SessionPolicy, start_session
from kb_search.editing import EDITABLE_FIELDS, edit_field
from kb_search.model import Article, ArticleStatus, KbError, check_article_id
from storage.admin_store import SessionRecord
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.model import Actor, StaffMember
from ticket_core.usecases.staff import ProfileUpdate, set_engineer_shift, update_engineer_profile

MAX_LOGIN = 64


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many failed logins (per address, per login) a window allows."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Any) -> LoginLimits:
        """Read ADMIN_LOGIN_MAX_FAILURES and ADMIN_LOGIN_WINDOW_S."""
        return cls(
            int(getattr(settings, "admin_login_max_failures", 5)),
            timedelta(seconds=int(getattr(settings, "admin_login_window_s", 300))),
        )


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


def _audit(uow: Any, now: datetime, actor: Actor, action: str, target: str | None, **detail: Any) -> Any:
    return uow.admin.audit(now, actor.id, action, target, detail or None)


async def log_in(
    uow: Any,
    login: str,
    password: str,
    ip: str,
    now: datetime,
    policy: SessionPolicy,
    limits: LoginLimits,
) -> tuple[str, AdminUser]:
    """Check a staff login and password and start a session; return the cookie value and the user.

    A failure is recorded (and must be committed by the caller) before `LoginRefused` is raised.

    Raises:
        LoginThrottled: too many failures from this address or for this login in the window.
        LoginRefused: unknown login or wrong password.
    """
    login = login.strip()[:MAX_LOGIN]
    store = uow.admin
    since = now - limits.window
    by_ip, by_login = await store.count_login_failures(ip, login, since)
    if by_ip >= limits.max_failures or by_login >= limits.max_failures:
        oldest = await store.oldest_failure_since(ip, login, since) or now
        wait = max(1, int((oldest + limits.window - now).total_seconds()) + 1)
        minutes = max(1, -(-wait // 60))
        raise LoginThrottled(
            f"Too many failed logins ({limits.max_failures} within {int(limits.window.total_seconds() // 60)} "
            f"minutes). Wait about {minutes} minute{'s' if minutes != 1 else ''} and try again, or ask an "
            "admin to reset your password (`helpdesk admin set-password LOGIN`).",
            wait,
        )
    member = await uow.directory.get_staff(login) if login else None
    stored = await store.password_hash(login) if member is not None else None
    # Always run one scrypt check so an unknown login takes as long as a wrong password.
    matches = await asyncio.to_thread(verify_password, password, stored or DUMMY_HASH)
    if member is None or stored is None or not matches:
        await store.add_login_failure(ip, login or "-", now)
        await store.prune_login_failures(now - 2 * limits.window)
        raise LoginRefused("Wrong login or password. Check both and try again.")
    await store.delete_expired_sessions(now)  # housekeeping: sessions past their absolute expiry
    token, record = await start_session(store, member.id, ip, now, policy)
    user = AdminUser(member, record)
    await _audit(uow, now, user.actor, "login", member.id, ip=ip)
    return token, user


async def log_out(uow: Any, user: AdminUser, now: datetime) -> None:
    """End the user's session."""
    await uow.admin.delete_session(user.session.id)
    await _audit(uow, now, user.actor, "logout", user.member.id)


async def set_password(uow: Any, actor: Actor, staff_id: str, password: str, now: datetime) -> StaffMember:
    """Set a staff member's web password (admins, or the system from the CLI); their sessions end.

    Raises:
        Forbidden: the actor is neither an admin nor the system.
        NotFound: no such staff member.
        PasswordError: the password is too short or too long.
    """
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("Only an admin sets passwords (`helpdesk admin set-password LOGIN`).")
    member = await uow.directory.get_staff(staff_id)
    if member is None:
        raise NotFound(f"No staff member {staff_id!r}; staff ids look like a-admin or e-smirnov.")
    hashed = await asyncio.to_thread(hash_password, check_new_password(password))
    await uow.admin.set_password_hash(member.id, hashed, now)
    await uow.admin.delete_sessions_of(member.id)
    await _audit(uow, now, actor, "password.set", member.id)
    return member


def _apply_fields(article: Article, fields: dict[str, str]) -> Article:
    """Apply form fields one at a time so an error names the field it is about."""
    for name in EDITABLE_FIELDS:
        if name in fields:
            try:
                article = edit_field(article, name, fields[name])
            except KbError as error:
                raise ValidationFailed(f"{name}: {error}") from None
    return article


async def create_article(
    uow: Any, actor: Actor, article_id: str, fields: dict[str, str], default_lang: str, now: datetime
) -> Article:
    """Create a draft article from form fields (its id given or generated).

    Raises:
        Forbidden: the actor may not edit the KB.
        ValidationFailed: a field is invalid, or the id is taken.
    """
    require(actor, Area.KB_WRITE, "edit knowledge base articles")
    article_id = article_id.strip() or f"kb-{uuid.uuid4().hex[:10]}"
    try:
        check_article_id(article_id)
    except KbError as error:
        raise ValidationFailed(f"id: {error}") from None
    if await uow.articles.get(article_id) is not None:
        raise ValidationFailed(
            f"id: article {article_id!r} exists already; open it from the list to edit it."
        )
    draft = Article(article_id, "-", "-", lang=default_lang, status=ArticleStatus.DRAFT)
    saved: Article = await uow.articles.upsert(_apply_fields(draft, fields), actor.id)
    await _audit(uow, now, actor, "kb.create", article_id, version=saved.version)
    return saved


async def _current(uow: Any, article_id: str) -> Article:
    article: Article | None = await uow.articles.get(article_id)
    if article is None:
        raise NotFound(f"No article {article_id!r}; pick one from the knowledge base list.")
    return article


async def edit_article(
    uow: Any,
    actor: Actor,
    article_id: str,
    fields: dict[str, str],
    expected_version: int | None,
    now: datetime,
) -> Article:
    """Save edited fields as a new version; refuse when someone saved a newer version since the form opened.

    Raises:
        Forbidden, NotFound, ValidationFailed (a bad field or a stale version).
    """
    require(actor, Area.KB_WRITE, "edit knowledge base articles")
    current = await _current(uow, article_id)
    if expected_version is not None and expected_version != current.version:
        raise ValidationFailed(
            f"Article {article_id} was saved by {current.updated_by or 'someone'} (version {current.version}) "
            f"after you opened version {expected_version}. Open it again and re-apply your change."
        )
    edited = _apply_fields(current, fields)
    if edited == current:
        raise ValidationFailed("Nothing changed: edit a field before saving.")
    saved: Article = await uow.articles.upsert(edited, actor.id)
    await _audit(uow, now, actor, "kb.edit", article_id, version=saved.version)
    return saved


async def set_article_status(
    uow: Any, actor: Actor, article_id: str, publish: bool, now: datetime
) -> Article:
    """Publish an article (search shows it) or take it back to draft."""
    require(actor, Area.KB_WRITE, "publish knowledge base articles")
    current = await _current(uow, article_id)
    status = ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT
    if current.status is status:
        raise ValidationFailed(f"Article {article_id} is {status} already.")
    saved: Article = await uow.articles.set_status(article_id, status, actor.id)
    await _audit(
        uow, now, actor, "kb.publish" if publish else "kb.unpublish", article_id, version=saved.version
    )
    return saved


async def restore_article_version(
    uow: Any, actor: Actor, article_id: str, version: int, now: datetime
) -> Article:
    """Save an old version's title, body, audience, language and tags as a new version (status unchanged).

    Raises:
        Forbidden, NotFound (no article or no such version), ValidationFailed (it equals the current one).
    """
    require(actor, Area.KB_WRITE, "restore knowledge base articles")
    current = await _current(uow, article_id)
    old = next((v for v in await uow.articles.history(article_id) if v.version == version), None)
    if old is None:
        raise NotFound(f"Article {article_id} has no version {version}; pick one from its history.")
    restored = replace(
        current, title=old.title, body=old.body, audience=old.audience, lang=old.lang, tags=old.tags
    )
    if restored == current:
        raise ValidationFailed(
            f"Version {version} has the same content as the current one; nothing to restore."
        )
    saved: Article = await uow.articles.upsert(restored, actor.id)
    await _audit(uow, now, actor, "kb.restore", article_id, version=saved.version, restored_from=version)
    return saved


async def change_shift(
    uow: Any, actor: Actor, engineer_id: str, on_shift: bool, now: datetime
) -> StaffMember:
    """Put an engineer on or off shift for them (ticket_core's roster use case checks the actor too)."""
    require(actor, Area.STAFF_WRITE, "change engineers' shifts")
    member = await set_engineer_shift(uow, actor, engineer_id, on_shift)
    await _audit(uow, now, actor, "staff.shift", engineer_id, on_shift=on_shift)
    return member


async def edit_engineer_profile(
    uow: Any,
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
    require(actor, Area.STAFF_PROFILE, "edit engineers' profiles")
    update = await update_engineer_profile(uow, actor, engineer_id, fields, now, known_skills=known_skills)
    await _audit(uow, now, actor, "staff.profile", engineer_id, changes=update.changes)
    return update
