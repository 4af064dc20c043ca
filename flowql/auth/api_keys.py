"""API key secrets: generated once, stored as a SHA-256 hash plus a short display prefix.

A secret looks like ``sk-<43 url-safe chars>``; 256 bits of entropy make a fast hash safe.
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "sk-"


def generate_api_key() -> str:
    """A new random API key secret."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_api_key(secret: str) -> str:
    """The stored hash of ``secret`` (hex SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The part of the secret shown in listings (``sk-abcd…``)."""
    return secret[:8]
