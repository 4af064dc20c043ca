"""``User``: the account behind the caller (Langflow ``UserRead``); ``ApiKey`` /
``CreatedApiKey``: the caller's API keys (Langflow ``ApiKeyRead`` / ``UnmaskedApiKeyRead``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.records import ApiKeyRecord, UserRecord


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
