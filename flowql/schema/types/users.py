"""``User``: the account behind the caller (Langflow ``UserRead``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.records import UserRecord


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
