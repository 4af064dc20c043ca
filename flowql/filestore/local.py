"""A :class:`~flowql.filestore.base.FileStore` on a local directory (``FLOWQL_DATA_DIR/files``).

Layout: ``{root}/{owner}/{32 hex}{.ext}`` for published objects and ``{root}/.tmp/`` for pending
writes, which are renamed into place (``os.replace``, atomic on one filesystem) on commit and
deleted on abort. Disk work runs in worker threads so the event loop never blocks on it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from anyio import to_thread

from flowql.filestore.base import (
    CHUNK_SIZE,
    InvalidStoreKey,
    KeyLocks,
    StoredObjectMissing,
    new_key,
    parse_key,
)

TMP_DIR = ".tmp"


class LocalFileStore:
    """Files under ``root``; see the module docstring. ``provider`` is ``None`` (as the peer
    reports local files)."""

    provider: str | None = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks = KeyLocks()

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """See :meth:`FileStore.lock <flowql.filestore.base.FileStore.lock>`."""
        return self._locks.hold(key)

    def path_of(self, key: str) -> Path:
        """The file behind a well-formed key (InvalidStoreKey otherwise). Built from the parsed
        key's two parts only, which :data:`~flowql.filestore.base.KEY_PATTERN` limits to hex
        digits, dashes and a safe extension."""
        owner, name = parse_key(key)
        return self.root / owner / name

    def writer(
        self,
        owner: uuid.UUID,
        *,
        extension: str = "",
        append_to: str | None = None,
        replace: str | None = None,
    ) -> LocalWriter:
        """See :meth:`FileStore.writer <flowql.filestore.base.FileStore.writer>`."""
        existing = append_to if append_to is not None else replace
        if existing is not None:
            if parse_key(existing)[0] != str(owner):
                raise InvalidStoreKey("the object to write to belongs to another owner")
            key = existing
        else:
            key = new_key(owner, extension)
        return LocalWriter(self, key, append=append_to is not None)

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """See :meth:`FileStore.stream <flowql.filestore.base.FileStore.stream>`."""
        path = self.path_of(key)
        try:
            handle: BinaryIO = await to_thread.run_sync(path.open, "rb")
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await to_thread.run_sync(handle.read, chunk_size):
                    yield chunk
            finally:
                handle.close()

        return chunks()

    async def read_bytes(self, key: str) -> bytes:
        """See :meth:`FileStore.read_bytes <flowql.filestore.base.FileStore.read_bytes>`."""
        path = self.path_of(key)
        try:
            return await to_thread.run_sync(path.read_bytes)
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc

    async def delete(self, key: str) -> bool:
        """See :meth:`FileStore.delete <flowql.filestore.base.FileStore.delete>`."""
        path = self.path_of(key)
        try:
            await to_thread.run_sync(path.unlink)
        except FileNotFoundError:
            return False
        return True


class LocalWriter:
    """A pending write into a :class:`LocalFileStore` (see
    :class:`~flowql.filestore.base.StoreWriter`). The temporary file is created on the first
    :meth:`write` (or at :meth:`commit` for an empty object)."""

    def __init__(self, store: LocalFileStore, key: str, *, append: bool) -> None:
        self._store = store
        self._key = key
        self._append = append
        self._target = store.path_of(key)
        self._tmp = store.root / TMP_DIR / f"{uuid.uuid4().hex}.part"
        self._handle: BinaryIO | None = None
        self._size = 0
        self._done = False

    @property
    def key(self) -> str:
        """The key the object is published under."""
        return self._key

    @property
    def size(self) -> int:
        """Bytes in the pending object (an append counts the existing ones)."""
        return self._size

    def _open(self) -> BinaryIO:
        self._tmp.parent.mkdir(parents=True, exist_ok=True)
        if self._append:
            try:
                shutil.copyfile(self._target, self._tmp)
            except FileNotFoundError as exc:
                self._tmp.unlink(missing_ok=True)
                raise StoredObjectMissing(self._key) from exc
            handle = self._tmp.open("ab")
            self._size = handle.tell()
            return handle
        return self._tmp.open("xb")

    async def _ensure_open(self) -> BinaryIO:
        if self._done:
            raise RuntimeError("this write is already committed or aborted")
        if self._handle is None:
            self._handle = await to_thread.run_sync(self._open)
        return self._handle

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the temporary file."""
        handle = await self._ensure_open()
        if data:
            await to_thread.run_sync(handle.write, data)
            self._size += len(data)

    def _publish(self, handle: BinaryIO) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        self._target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self._target)

    async def commit(self) -> int:
        """Rename the temporary file onto the key's file; returns the object's size."""
        handle = await self._ensure_open()
        try:
            await to_thread.run_sync(self._publish, handle)
        except BaseException:
            await self.abort()
            raise
        self._done = True
        return self._size

    def _discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._tmp.unlink(missing_ok=True)

    async def abort(self) -> None:
        """Close and delete the temporary file (the key keeps its old object, if any)."""
        if self._done:
            return
        self._done = True
        # Shielded: a cancelled request must still remove its partial file.
        await to_thread.run_sync(self._discard, abandon_on_cancel=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._done:
            await self.abort()
