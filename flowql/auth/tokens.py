"""JWT access and refresh tokens (PyJWT, HS256) with typed claims.

Claims: ``sub`` (user id), ``type`` ("access" | "refresh"), ``jti`` (token id), ``pwd`` (the
fingerprint of the user's password hash when the token was issued), ``iat``, ``exp``.
Only the refresh operation accepts ``type == "refresh"``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

TokenType = Literal["access", "refresh"]
ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    """Decoded, verified claims of a FlowQL token."""

    user_id: uuid.UUID
    type: TokenType
    jti: str
    expires_at: datetime
    password_fingerprint: str


def create_token(
    secret: str, user_id: uuid.UUID, token_type: TokenType, minutes: int, password_fingerprint: str
) -> str:
    """A signed token for ``user_id`` valid ``minutes`` minutes; ``password_fingerprint`` is
    :func:`flowql.auth.passwords.password_fingerprint` of the user's current hash."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "type": token_type,
        "jti": uuid.uuid4().hex,
        "pwd": password_fingerprint,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str, expected: TokenType) -> TokenClaims | None:
    """Verified claims when ``token`` is valid, unexpired and of type ``expected``; else ``None``."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "jti", "pwd"]}
        )
        if claims.get("type") != expected:
            return None
        return TokenClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            type=expected,
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            password_fingerprint=str(claims["pwd"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
