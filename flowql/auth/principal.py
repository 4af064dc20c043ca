"""The authenticated caller."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, authenticated by an access token (header or cookie) or an API key.

    ``via == "cookie"`` matters for CSRF checks on state-changing requests.
    """

    user_id: uuid.UUID
    username: str
    is_superuser: bool
    via: Literal["token", "cookie", "api_key", "local"]
