"""The file store interface: where uploaded bytes live, under names the server chooses.

A *store key* is ``{owner uuid}/{32 hex digits}{.ext}``: it is what the ``file`` table keeps in
``path`` and what the peer answers as a file's ``path`` (design.md "Errors"). Keys are minted by
the store (:meth:`FileStore.writer`) and checked against :data:`KEY_PATTERN` before any use, so no
client string ever becomes part of a filesystem path or object name.

:class:`~flowql.filestore.local.LocalFileStore` keeps them under a directory; an S3 backend would
implement the same Protocol with multipart uploads (``writer``) and ranged GETs (``stream``).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

#: A store key: the owner's UUID, a slash, 32 lowercase hex digits and an optional safe extension.
KEY_PATTERN = re.compile(
    r"(?P<owner>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"/(?P<name>[0-9a-f]{32}(?:\.[A-Za-z0-9]{1,16})?)"
)
#: An extension a store key may carry (without its dot).
EXTENSION_PATTERN = re.compile(r"[A-Za-z0-9]{1,16}")
#: Bytes per chunk when streaming a stored object.
CHUNK_SIZE = 64 * 1024


class StoredObjectMissing(LookupError):
    """The key is well-formed but nothing is stored under it."""


class InvalidStoreKey(ValueError):
    """The string is not a key this store mints (never looked up)."""


def new_key(owner: uuid.UUID, extension: str = "") -> str:
    """A fresh key for ``owner``: ``{owner}/{uuid4 hex}.{extension}``; an ``extension`` that is
    not 1-16 ASCII letters or digits is dropped."""
    suffix = f".{extension}" if EXTENSION_PATTERN.fullmatch(extension) else ""
    return f"{owner}/{uuid.uuid4().hex}{suffix}"


def parse_key(key: str) -> tuple[str, str]:
    """``(owner, stored name)`` of a well-formed key, else :class:`InvalidStoreKey`."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        raise InvalidStoreKey("not a store key")
    return match["owner"], match["name"]


@dataclass
class _HeldLock:
    lock: asyncio.Lock
    users: int = 0


class KeyLocks:
    """One :class:`asyncio.Lock` per string key, for work that must not interleave on one key
    (appends to one object, choosing a user's next free name). The server is one process, so an
    in-memory lock suffices; an entry exists only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._held: dict[str, _HeldLock] = {}

    def __len__(self) -> int:
        """Keys currently held or waited for."""
        return len(self._held)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the ``async with`` block (waiting for earlier holders)."""
        entry = self._held.get(key)
        if entry is None:
            entry = self._held[key] = _HeldLock(asyncio.Lock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._held[key]


class StoreWriter(Protocol):
    """One pending write. Bytes go to a temporary object; :meth:`commit` publishes them under
    :attr:`key` atomically, :meth:`abort` (or leaving the ``async with`` block without
    committing, e.g. on an exception) removes every trace of them."""

    @property
    def key(self) -> str:
        """The key the bytes will be published under."""
        ...

    @property
    def size(self) -> int:
        """Bytes the object will hold if committed now (an append counts the existing ones)."""
        ...

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the pending object."""
        ...

    async def commit(self) -> int:
        """Publish the object under :attr:`key` (replacing what was there); returns its size."""
        ...

    async def abort(self) -> None:
        """Discard the pending object; the key keeps what it held before. Idempotent."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class FileStore(Protocol):
    """Byte storage keyed by server-chosen keys (see the module docstring).

    ``provider`` is what the peer reports as a file's ``provider`` (``None`` for local files).
    """

    provider: str | None

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold ``key`` exclusively for an ``async with`` block: appends to one object take it
        so that each copies the bytes the previous one published."""
        ...

    def writer(
        self,
        owner: uuid.UUID,
        *,
        extension: str = "",
        append_to: str | None = None,
        replace: str | None = None,
    ) -> StoreWriter:
        """A writer for a new object of ``owner`` (``extension`` without its dot), or, with
        ``append_to``, for new bytes after the existing object under that key (which must be
        ``owner``'s: InvalidStoreKey otherwise; StoredObjectMissing when it is gone), or, with
        ``replace``, for bytes replacing the object under that key (``owner``'s too) on commit."""
        ...

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The object's bytes in chunks. The object is opened before this returns, so a
        missing one raises StoredObjectMissing here, never halfway through a response."""
        ...

    async def read_bytes(self, key: str) -> bytes:
        """The whole object. Raises StoredObjectMissing, InvalidStoreKey."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove the object; False when there was none. Raises InvalidStoreKey."""
        ...
