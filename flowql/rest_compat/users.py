"""``/api/v1/users``: sign-up (public), the superuser's listing, whoami, read, patch,
reset-password and delete, in Langflow's shapes (``UserRead`` with its ``create_at`` spelling).

Differences from Langflow 1.13 (see :mod:`flowql.resolvers.users`): a taken username is 409
(Langflow 400); wrong current password 403 (Langflow 400); another user's id on
reset-password 403 (Langflow 404); ``DELETE`` answers 200 once the user is gone (Langflow 202,
erasing in the background).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from flowql.resolvers import users as user_resolvers
from flowql.rest_compat.deps import Ctx, PublicCtx

if TYPE_CHECKING:
    from flowql.db.models import User

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserRead(BaseModel):
    """Langflow's ``UserRead`` (``create_at`` is Langflow's spelling; FlowQL has no store, so
    ``store_api_key`` is always null)."""

    id: uuid.UUID
    username: str
    profile_image: str | None
    store_api_key: str | None = None
    is_active: bool
    is_superuser: bool
    create_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    optins: dict[str, Any] | None

    @classmethod
    def of(cls, user: User) -> UserRead:
        """Shape a stored user."""
        return cls(
            id=user.id,
            username=user.username,
            profile_image=user.profile_image,
            is_active=user.is_active,
            is_superuser=user.is_superuser,
            create_at=user.created_at,
            updated_at=user.updated_at,
            last_login_at=user.last_login_at,
            optins=user.optins,
        )


class UserCreate(BaseModel):
    """Langflow's ``UserCreate``; ``optins`` defaults to all false."""

    username: str
    password: str
    optins: dict[str, Any] | None = None


class UserUpdate(BaseModel):
    """Langflow's ``UserUpdate``: absent or null fields stay as they are (``last_login_at`` is
    the server's own and ignored)."""

    username: str | None = None
    profile_image: str | None = None
    password: str | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    optins: dict[str, Any] | None = None


class PasswordResetRequest(BaseModel):
    """Langflow's ``PasswordResetRequest``."""

    current_password: str
    password: str


class UsersResponse(BaseModel):
    """Langflow's ``UsersResponse``; FlowQL has no account-deletion requests, so
    ``deletion_requests`` is always empty."""

    total_count: int
    users: list[UserRead]
    deletion_requests: dict[str, str] = Field(default_factory=dict)


@router.post("/", response_model=UserRead, status_code=201)
async def sign_up(ctx: PublicCtx, body: UserCreate, response: Response) -> UserRead:
    """Register (no credentials needed): 201 with the new user, inactive unless
    ``FLOWQL_NEW_USER_IS_ACTIVE``, and ``Location: /api/v1/users/{id}``. 409 ``This username is
    unavailable.`` for a taken name; 422 for an empty username or password."""
    user = await user_resolvers.sign_up(
        ctx, username=body.username, password=body.password, optins=body.optins
    )
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserRead.of(user)


@router.get("/", response_model=UsersResponse)
async def list_users(
    ctx: Ctx,
    skip: Annotated[int, Query(ge=0, le=user_resolvers.MAX_SKIP)] = 0,
    limit: Annotated[int, Query(ge=1, le=user_resolvers.MAX_LIST_LIMIT)] = 10,
    search: Annotated[str | None, Query(max_length=user_resolvers.USERNAME_MAX)] = None,
) -> UsersResponse:
    """Users, oldest first (superuser only: 403 ``The user doesn't have enough privileges``):
    ``{total_count, users, deletion_requests}``; ``search`` matches part of a username."""
    page = await user_resolvers.list_users(ctx, skip=skip, limit=limit, search=search)
    return UsersResponse(total_count=page.total_count, users=[UserRead.of(u) for u in page.users])


@router.get("/whoami", response_model=UserRead)
async def whoami(ctx: Ctx) -> UserRead:
    """The calling user."""
    return UserRead.of(await user_resolvers.get_me(ctx))


@router.get("/{user_id}", response_model=UserRead)
async def read_user(ctx: Ctx, user_id: uuid.UUID) -> UserRead:
    """The caller, or any user for a superuser (403 for an ordinary user naming another id;
    404 when a superuser names a missing one)."""
    return UserRead.of(await user_resolvers.get_user(ctx, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead)
async def patch_user(ctx: Ctx, user_id: uuid.UUID, body: UserUpdate) -> UserRead:
    """Update a user: oneself, or anyone as a superuser. 403 when an ordinary user names another
    user, changes ``is_superuser`` / ``is_active`` or sets a password, or anyone deactivates
    themselves; 409 for a taken username; 404 for a missing user (superuser)."""
    values = body.model_dump(exclude_unset=True)
    return UserRead.of(await user_resolvers.update_user(ctx, user_id=user_id, values=values))


@router.patch("/{user_id}/reset-password", response_model=UserRead)
async def reset_password(ctx: Ctx, user_id: uuid.UUID, body: PasswordResetRequest) -> UserRead:
    """Change one's own password: 403 for another user's id or a wrong ``current_password``
    (``Current password is incorrect``), 422 for an empty or unchanged new password."""
    user = await user_resolvers.reset_password(
        ctx, user_id=user_id, current_password=body.current_password, password=body.password
    )
    return UserRead.of(user)


@router.delete("/{user_id}")
async def delete_user(ctx: Ctx, user_id: uuid.UUID) -> dict[str, str]:
    """Delete a user and everything they own (superuser only; not oneself: 403):
    ``{"detail": "User deleted"}``; 404 for a missing user."""
    await user_resolvers.delete_user(ctx, user_id=user_id)
    return {"detail": "User deleted"}
