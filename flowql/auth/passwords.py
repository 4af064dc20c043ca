"""Password hashing with argon2 (argon2-cffi).

argon2 is deliberately slow (tens of milliseconds of CPU per call), so the async entry points
:func:`hash_password_async` and :func:`verify_password_async` run it in worker threads, at most
:data:`MAX_CONCURRENT_HASHES` at a time: a burst of logins queues instead of stalling the event
loop that serves every other request.
"""

from __future__ import annotations

import hashlib

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a failed login costs the same either way.
_DUMMY_HASH = _hasher.hash("flowql-dummy-password")
#: argon2 computations running at once in worker threads.
MAX_CONCURRENT_HASHES = 2
_limiter: anyio.CapacityLimiter | None = None


def _threads() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(MAX_CONCURRENT_HASHES)
    return _limiter


def hash_password(password: str) -> str:
    """An argon2id hash string of ``password`` (blocking; see :func:`hash_password_async`)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash``; a ``None`` hash verifies a dummy (False).
    A password that cannot be encoded (a lone surrogate) matches nothing. Blocking."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError, UnicodeError):
        return False


async def hash_password_async(password: str) -> str:
    """:func:`hash_password` in a worker thread."""
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_threads())


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    """:func:`verify_password` in a worker thread."""
    return await anyio.to_thread.run_sync(verify_password, password, password_hash, limiter=_threads())


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a stored hash, carried in tokens (claim ``pwd``) so that changing the
    password ends every session issued before: tokens whose fingerprint no longer matches the
    user's current hash are refused. The hash is salted, so the digest says nothing about the
    password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
