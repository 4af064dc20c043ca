"""Account types: ``User`` (Langflow ``UserRead``) and its ``users`` connection, ``UserPatch``
(``UserUpdate``), ``AuthTokens`` (``Token``), ``Version``; ``ApiKey`` / ``CreatedApiKey``: the
caller's API keys (Langflow ``ApiKeyRead`` / ``UnmaskedApiKeyRead``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.records import ApiKeyRecord, UserPageRecord, UserRecord
from flowql.schema.types.pagination import PageInfo, page_info


@strawberry.type(name="User", description="A user account (as REST GET /api/v1/users/whoami).")
class User:
    """A user account. Mirrors Langflow ``GET /api/v1/users/whoami``."""

    id: strawberry.ID
    username: str
    is_active: bool
    is_superuser: bool
    profile_image: str | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    optins: JSON | None

    @classmethod
    def from_record(cls, user: UserRecord) -> User:
        """Shape a stored user."""
        optins: Any = user.optins
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            is_active=user.is_active,
            is_superuser=user.is_superuser,
            profile_image=user.profile_image,
            created_at=user.created_at,
            updated_at=user.updated_at,
            last_login_at=user.last_login_at,
            optins=optins,
        )


@strawberry.type(
    name="ApiKey",
    description="One of the caller's API keys (as REST GET /api/v1/api_key/); never the secret.",
)
class ApiKey:
    """An API key: ``prefix`` is the secret's first characters, shown to recognise it."""

    id: strawberry.ID
    name: str | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    total_uses: int

    @classmethod
    def from_record(cls, key: ApiKeyRecord) -> ApiKey:
        """Shape a stored key."""
        return cls(
            id=strawberry.ID(str(key.id)),
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            total_uses=key.total_uses,
        )


@strawberry.type(
    name="CreatedApiKey",
    description="A new API key and its secret, shown this once (as REST POST /api/v1/api_key/).",
)
class CreatedApiKey:
    """The key and its ``secret``."""

    api_key: ApiKey
    secret: str


@strawberry.type(description="A user with its opaque keyset cursor.")
class UserEdge:
    """A user with its opaque keyset cursor."""

    cursor: str
    node: User


@strawberry.type(description="A keyset page of users, oldest first (superusers only).")
class UserConnection:
    """A page of users."""

    edges: list[UserEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: UserPageRecord) -> UserConnection:
        """Shape a ``users_page`` result."""
        edges = [UserEdge(cursor=cursor, node=User.from_record(user)) for cursor, user in page.items]
        return cls(
            edges=edges,
            page_info=page_info(edges, page.has_next_page),
            total_count=page.total_count,
        )


@strawberry.type(
    name="AuthTokens",
    description="An access and a refresh token (as REST POST /api/v1/login); the refresh token "
    "works once, with refreshToken.",
)
class AuthTokens:
    """Langflow's ``Token``: ``tokenType`` is ``bearer``."""

    access_token: str
    refresh_token: str
    token_type: str


@strawberry.type(name="Version", description="The server's version (as REST GET /api/v1/version).")
class Version:
    """FlowQL's version and package name."""

    version: str
    package: str


@strawberry.input(
    name="UserPatch",
    description="Changes to a user (as REST UserUpdate); absent or null fields stay as they are. "
    "isActive, isSuperuser and password need a superuser.",
)
class UserPatch:
    """Changes to a user; mirrors Langflow ``UserUpdate`` (``PATCH /api/v1/users/{user_id}``).
    ``password`` (superusers only) sets another user's password without the current one."""

    username: str | None = strawberry.UNSET
    profile_image: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    is_superuser: bool | None = strawberry.UNSET
    optins: JSON | None = strawberry.UNSET
    password: str | None = strawberry.UNSET

    def to_values(self) -> dict[str, Any]:
        """The ``values`` for ``resolvers.users.update_user`` (UserUpdate field names); absent
        and null fields are left out."""
        raw: dict[str, Any] = {
            "username": self.username,
            "profile_image": self.profile_image,
            "is_active": self.is_active,
            "is_superuser": self.is_superuser,
            "optins": self.optins,
            "password": self.password,
        }
        return {k: v for k, v in raw.items() if v is not None and v is not strawberry.UNSET}
