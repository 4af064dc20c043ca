"""Users: sign-up and creation (with their default project), lookups, the superuser's listing,
profile updates, password changes and deletion.

Mirrors Langflow's ``/api/v1/users`` routes. Rules (design.md "Auth"):

- Sign-up is open to anyone; a new user is active only when ``FLOWQL_NEW_USER_IS_ACTIVE``.
- Listing, deleting, and updating *another* user need a superuser. An ordinary user naming any
  other user id gets PermissionDenied (403, as Langflow answers), whether or not that user
  exists, so ids cannot be probed.
- Only a superuser may change ``is_superuser`` or ``is_active`` (an ordinary user may send the
  value they already have, a no-op) or set a password through a patch; nobody may deactivate
  or delete their own account, and the last active superuser may not demote themselves.
- A password changes through reset-password: the caller's own, after the current one verifies.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.auth.passwords import hash_password_async, verify_password_async
from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import File, Job, Project, User
from flowql.errors import Conflict, FieldProblem, InvalidInput, NotFound, PermissionDenied
from flowql.jobs import ACTIVE_STATUSES
from flowql.resolvers.files import delete_stored_files
from flowql.resolvers.input_checks import check_json, check_text

DEFAULT_PROJECT_NAME = "Starter Project"
USERNAME_MAX = 255
PROFILE_IMAGE_MAX = 255
DEFAULT_PROJECT_DESCRIPTION = "Manage your own flows. Download and upload projects."
#: Langflow's ``UserCreate.optins`` default, stored for every new user.
DEFAULT_OPTINS: dict[str, Any] = {
    "github_starred": False,
    "dialog_dismissed": False,
    "discord_clicked": False,
}

USER_NOT_FOUND = "User not found"
NOT_ENOUGH_PRIVILEGES = "The user doesn't have enough privileges"
PERMISSION_DENIED = "Permission denied"
USERNAME_UNAVAILABLE = "This username is unavailable."
#: Most users one ``GET /api/v1/users/`` page holds (Langflow's ``limit`` maximum).
MAX_LIST_LIMIT = 200
#: Largest ``skip`` accepted (every database stores it as a 64-bit integer).
MAX_SKIP = 2**31 - 1
#: Most users one GraphQL ``users`` page holds.
MAX_PAGE_SIZE = 100
#: The fields a patch may carry (Langflow ``UserUpdate``; ``last_login_at`` is the server's own).
PATCH_FIELDS = ("username", "profile_image", "password", "is_active", "is_superuser", "optins")


def _check_credentials(username: str, password: str) -> str:
    """The stripped username; InvalidInput when it or the password is empty or unstorable."""
    username = username.strip()
    if not username or not password:
        raise InvalidInput("username and password must not be empty")
    check_text(username, "username", USERNAME_MAX)
    check_text(password, "password")
    return username


def _check_optins(optins: object, field: str = "optins") -> dict[str, Any]:
    if not isinstance(optins, dict):
        raise InvalidInput(f"{field} must be an object", [FieldProblem(field, "not an object")])
    check_json(optins, field)
    return dict(optins)


async def create_user_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    is_superuser: bool = False,
    is_active: bool = True,
    optins: Mapping[str, Any] | None = None,
) -> User:
    """Create a user and its default project in ``session`` (committed). ``optins`` defaults to
    :data:`DEFAULT_OPTINS`.

    Raises InvalidInput for an empty username or password, Conflict when the username exists.
    """
    username = _check_credentials(username, password)
    user = User(
        id=uuid.uuid4(),
        username=username,
        password_hash=await hash_password_async(password),
        is_superuser=is_superuser,
        is_active=is_active,
        optins=_check_optins(optins) if optins is not None else copy.deepcopy(DEFAULT_OPTINS),
    )
    session.add(user)
    session.add(
        Project(
            user_id=user.id,
            name=DEFAULT_PROJECT_NAME,
            description=DEFAULT_PROJECT_DESCRIPTION,
            is_default=True,
        )
    )
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"User '{username}' already exists") from exc
    return user


async def create_user(
    ctx: Context, *, username: str, password: str, is_superuser: bool = False, is_active: bool = True
) -> User:
    """``create_user_in`` on a fresh session from ``ctx`` (used by the CLI and tests)."""
    async with ctx.sessions() as session:
        return await create_user_in(
            session, username=username, password=password, is_superuser=is_superuser, is_active=is_active
        )


async def sign_up(
    ctx: Context, *, username: str, password: str, optins: Mapping[str, Any] | None = None
) -> User:
    """Register a user (Langflow ``POST /api/v1/users/``); needs no principal. The user is an
    ordinary one, active only when ``FLOWQL_NEW_USER_IS_ACTIVE``, with a default project.

    Raises InvalidInput (empty or unstorable username / password, ``optins`` not an object),
    Conflict("This username is unavailable.") when the name is taken or is the auto-login
    superuser's name (``FLOWQL_SUPERUSER``), which stays reserved even while no user holds it.
    """
    if username.strip() == ctx.settings.superuser:
        raise Conflict(USERNAME_UNAVAILABLE)
    async with ctx.sessions() as session:
        try:
            return await create_user_in(
                session,
                username=username,
                password=password,
                is_active=ctx.settings.new_user_is_active,
                optins=optins,
            )
        except Conflict as exc:
            raise Conflict(USERNAME_UNAVAILABLE) from exc


async def get_me(ctx: Context) -> User:
    """The calling user (Langflow ``GET /api/v1/users/whoami``). Raises Unauthenticated/NotFound."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == principal.user_id))
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


def _require_superuser(ctx: Context) -> Principal:
    principal = ctx.require_principal()
    if not principal.is_superuser:
        raise PermissionDenied(NOT_ENOUGH_PRIVILEGES)
    return principal


def _require_self_or_superuser(ctx: Context, user_id: uuid.UUID) -> Principal:
    principal = ctx.require_principal()
    if principal.user_id != user_id and not principal.is_superuser:
        raise PermissionDenied(PERMISSION_DENIED)
    return principal


async def get_user(ctx: Context, *, user_id: uuid.UUID) -> User:
    """The caller, or any user for a superuser (Langflow ``GET /api/v1/users/{user_id}``).

    Raises Unauthenticated, PermissionDenied (another user, caller not a superuser), NotFound.
    """
    _require_self_or_superuser(ctx, user_id)
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


@dataclass(frozen=True)
class UserList:
    """One offset page of users: ``total_count`` counts every match, ``users`` the page."""

    total_count: int
    users: list[User]


async def list_users(ctx: Context, *, skip: int = 0, limit: int = 10, search: str | None = None) -> UserList:
    """Users, oldest first, ``skip`` then at most ``limit`` (1..200) of them; ``search`` keeps
    usernames containing it, ignoring case (Langflow ``GET /api/v1/users/``, superuser only).

    Raises Unauthenticated, PermissionDenied("The user doesn't have enough privileges"),
    InvalidInput for ``skip`` / ``limit`` out of range or an unstorable ``search``.
    """
    _require_superuser(ctx)
    if not 0 <= skip <= MAX_SKIP:
        raise InvalidInput(f"skip must be between 0 and {MAX_SKIP}", [FieldProblem("skip", "out of range")])
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIST_LIMIT}", [FieldProblem("limit", "out of range")]
        )
    query = select(User)
    count = select(func.count()).select_from(User)
    if search:
        check_text(search, "search", USERNAME_MAX)
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        match = User.username.ilike(f"%{escaped}%", escape="\\")
        query, count = query.where(match), count.where(match)
    async with ctx.sessions() as session:
        users = list(
            await session.scalars(query.order_by(User.created_at, User.id).offset(skip).limit(limit))
        )
        total = await session.scalar(count)
    return UserList(total_count=int(total or 0), users=users)


@dataclass(frozen=True)
class UserPage:
    """One keyset page of users: ``items`` are (opaque cursor, user) in (created_at, id) order."""

    items: list[tuple[str, User]]
    has_next_page: bool
    total_count: int


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _encode_cursor(user: User) -> str:
    raw = json.dumps([_utc(user.created_at).isoformat(), str(user.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, user_id = json.loads(raw)
        return _utc(datetime.fromisoformat(created)), uuid.UUID(user_id)
    except (binascii.Error, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc


async def users_page(ctx: Context, *, first: int, after: str | None) -> UserPage:
    """Up to ``first`` (1..100) users after the cursor ``after``, oldest first (GraphQL
    ``users``; superuser only).

    Raises Unauthenticated, PermissionDenied, InvalidInput for ``first`` out of range or a
    cursor this API did not hand out.
    """
    _require_superuser(ctx)
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}", [FieldProblem("first", "out of range")]
        )
    query = select(User)
    if after is not None:
        created, last_id = _decode_cursor(after)
        query = query.where(
            or_(User.created_at > created, and_(User.created_at == created, User.id > last_id))
        )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query.order_by(User.created_at, User.id).limit(first + 1)))
        total = await session.scalar(select(func.count()).select_from(User))
    return UserPage(
        items=[(_encode_cursor(u), u) for u in rows[:first]],
        has_next_page=len(rows) > first,
        total_count=int(total or 0),
    )


def clean_user_patch(values: Mapping[str, Any]) -> dict[str, Any]:
    """The checked fields of a patch: unknown keys and ``None`` values are left out (``None``
    means "unchanged", as in Langflow). Raises InvalidInput naming a bad field."""
    clean: dict[str, Any] = {}
    for key in PATCH_FIELDS:
        value = values.get(key)
        if value is None:
            continue
        if key in ("is_active", "is_superuser"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{key} must be a boolean", [FieldProblem(key, "not a boolean")])
        elif key == "optins":
            value = _check_optins(value)
        elif not isinstance(value, str):
            raise InvalidInput(f"{key} must be a string", [FieldProblem(key, "not a string")])
        elif key == "username":
            value = value.strip()
            if not value:
                raise InvalidInput("username must not be empty", [FieldProblem(key, "empty")])
            check_text(value, key, USERNAME_MAX)
        elif key == "password":
            if not value:
                raise InvalidInput("password must not be empty", [FieldProblem(key, "empty")])
            check_text(value, key)
        else:
            check_text(value, key, PROFILE_IMAGE_MAX)
        clean[key] = value
    return clean


async def _other_active_superusers(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.is_superuser.is_(True), User.is_active.is_(True), User.id != user_id)
    )
    return int(count or 0)


def _check_patch_rights(principal: Principal, user: User, patch: Mapping[str, Any]) -> None:
    """PermissionDenied when ``principal`` may not apply ``patch`` to ``user``."""
    is_self = principal.user_id == user.id
    if not principal.is_superuser:
        for key in ("is_superuser", "is_active"):
            if key in patch and patch[key] != getattr(user, key):
                raise PermissionDenied(PERMISSION_DENIED)
        if "password" in patch:
            raise PermissionDenied(
                "You can't change your password here: use PATCH /api/v1/users/{user_id}/reset-password"
            )
    if is_self and patch.get("is_active") is False:
        raise PermissionDenied("You can't deactivate your own user account")


async def update_user(ctx: Context, *, user_id: uuid.UUID, values: Mapping[str, Any]) -> User:
    """Apply a patch (Langflow ``PATCH /api/v1/users/{user_id}``, ``UserUpdate`` field names:
    ``username``, ``profile_image``, ``password``, ``is_active``, ``is_superuser``, ``optins``;
    see :func:`clean_user_patch`). A password is stored hashed.

    Raises Unauthenticated; InvalidInput; PermissionDenied when an ordinary user names another
    user, changes ``is_superuser`` / ``is_active`` or sets a password, or anyone deactivates
    themselves; NotFound (superuser naming a missing user); Conflict for a taken username or
    when the last active superuser would demote themselves.
    """
    principal = _require_self_or_superuser(ctx, user_id)
    patch = clean_user_patch(values)
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == user_id))
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        _check_patch_rights(principal, user, patch)
        removes_superuser = (
            user.is_superuser
            and user.is_active
            and (patch.get("is_superuser") is False or patch.get("is_active") is False)
        )
        if removes_superuser:
            # PostgreSQL: lock every active superuser row so two demotions run one after the other.
            await session.execute(
                select(User.id).where(User.is_superuser.is_(True), User.is_active.is_(True)).with_for_update()
            )
        if (
            patch.get("username") == ctx.settings.superuser
            and user.username != ctx.settings.superuser
            and not principal.is_superuser
        ):
            raise Conflict(USERNAME_UNAVAILABLE)  # reserved for the auto-login superuser
        if "username" in patch and patch["username"] != user.username:
            taken = await session.scalar(
                select(User.id).where(User.username == patch["username"], User.id != user.id)
            )
            if taken is not None:
                raise Conflict(USERNAME_UNAVAILABLE)
        for key, value in patch.items():
            if key == "password":
                user.password_hash = await hash_password_async(value)
            else:
                setattr(user, key, value)
        try:
            if removes_superuser:
                # Counted after our own write (on SQLite it holds the write lock from here on), so a
                # concurrent demotion that committed first is seen.
                await session.flush()
                if await _other_active_superusers(session, user.id) == 0:
                    await session.rollback()
                    raise Conflict("This is the last active superuser: promote another user first")
            await session.commit()
        except IntegrityError as exc:  # a concurrent rename took the name first
            await session.rollback()
            raise Conflict(USERNAME_UNAVAILABLE) from exc
        await session.refresh(user)
        return user


async def reset_password(ctx: Context, *, user_id: uuid.UUID, current_password: str, password: str) -> User:
    """Change the caller's own password after verifying the current one (Langflow
    ``PATCH /api/v1/users/{user_id}/reset-password``).

    Raises Unauthenticated; PermissionDenied for another user's id ("You can't change another
    user's password") or a wrong ``current_password`` ("Current password is incorrect": 403, not
    401, so a client does not take it for an expired session); InvalidInput for an empty or
    unchanged new password. Langflow answers 404 / 400 / 400 for these.
    """
    principal = ctx.require_principal()
    if user_id != principal.user_id:
        raise PermissionDenied("You can't change another user's password")
    if not password:
        raise InvalidInput("password must not be empty", [FieldProblem("password", "empty")])
    check_text(password, "password")
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == user_id))
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        if not await verify_password_async(current_password, user.password_hash):
            raise PermissionDenied("Current password is incorrect")
        if await verify_password_async(password, user.password_hash):
            raise InvalidInput(
                "You can't use your current password", [FieldProblem("password", "same as the current one")]
            )
        user.password_hash = await hash_password_async(password)
        await session.commit()
        await session.refresh(user)
        return user


async def delete_user(ctx: Context, *, user_id: uuid.UUID) -> None:
    """Delete a user and, by cascade, everything they own: API keys, projects, flows, messages,
    jobs, traces and files (Langflow ``DELETE /api/v1/users/{user_id}``; superuser only). Their
    jobs still running in this process are cancelled first; their files' stored bytes are
    removed after the commit.

    Raises Unauthenticated, PermissionDenied (not a superuser, or the caller's own account),
    NotFound.
    """
    principal = _require_superuser(ctx)
    if user_id == principal.user_id:
        raise PermissionDenied("You can't delete your own user account")
    async with ctx.sessions() as session:
        if await session.scalar(select(User.id).where(User.id == user_id)) is None:
            raise NotFound(USER_NOT_FOUND)
        running = list(
            await session.scalars(
                select(Job.id).where(Job.user_id == user_id, Job.status.in_(ACTIVE_STATUSES))
            )
        )
    if ctx.jobs is not None:
        for job_id in running:
            if ctx.jobs.runner.is_running(job_id):
                await ctx.jobs.runner.cancel(job_id)
    async with ctx.sessions() as session:
        # The file rows go by cascade; their bytes are removed from the store after the commit.
        file_keys = list(await session.scalars(select(File.path).where(File.user_id == user_id)))
        result = await session.execute(delete(User).where(User.id == user_id).returning(User.id))
        if result.scalar() is None:
            raise NotFound(USER_NOT_FOUND)
        await session.commit()
    await delete_stored_files(ctx, file_keys)


async def default_project_id(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID:
    """The id of the user's default project, created when missing (e.g. users made before it)."""
    project_id = await session.scalar(
        select(Project.id).where(Project.user_id == user_id, Project.is_default.is_(True))
    )
    if project_id is not None:
        return project_id
    project = Project(
        user_id=user_id, name=DEFAULT_PROJECT_NAME, description=DEFAULT_PROJECT_DESCRIPTION, is_default=True
    )
    session.add(project)
    await session.flush()
    return project.id
