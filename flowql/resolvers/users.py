"""Users: creation (with their default project) and lookups."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.auth.passwords import hash_password
from flowql.context import Context
from flowql.db.models import Project, User
from flowql.errors import Conflict, InvalidInput, NotFound
from flowql.resolvers.input_checks import check_text

DEFAULT_PROJECT_NAME = "Starter Project"
USERNAME_MAX = 255
DEFAULT_PROJECT_DESCRIPTION = "Manage your own flows. Download and upload projects."


async def create_user_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    is_superuser: bool = False,
    is_active: bool = True,
) -> User:
    """Create a user and its default project in ``session`` (committed).

    Raises InvalidInput for an empty username or password, Conflict when the username exists.
    """
    username = username.strip()
    if not username or not password:
        raise InvalidInput("username and password must not be empty")
    check_text(username, "username", USERNAME_MAX)
    check_text(password, "password")
    user = User(
        id=uuid.uuid4(),
        username=username,
        password_hash=hash_password(password),
        is_superuser=is_superuser,
        is_active=is_active,
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


async def get_me(ctx: Context) -> User:
    """The calling user (Langflow ``GET /api/v1/users/whoami``). Raises Unauthenticated/NotFound."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == principal.user_id))
    if user is None:
        raise NotFound("User not found")
    return user


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
