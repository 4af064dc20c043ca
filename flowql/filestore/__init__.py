"""File storage: the :class:`FileStore` interface, its local-directory implementation, display
names and download headers (:mod:`.names`) and the bundled profile pictures
(:mod:`.profile_pictures`).

Resolvers get their store from :func:`store_for`; the engine's File and Save to File components
reach stored files only through :mod:`flowql.resolvers.files`, by file id or store key.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flowql.filestore.base import (
    CHUNK_SIZE,
    FileStore,
    InvalidStoreKey,
    KeyLocks,
    StoredObjectMissing,
    StoreWriter,
    new_key,
    parse_key,
)
from flowql.filestore.local import LocalFileStore
from flowql.settings import Settings

__all__ = [
    "CHUNK_SIZE",
    "FileStore",
    "InvalidStoreKey",
    "KeyLocks",
    "LocalFileStore",
    "StoreWriter",
    "StoredObjectMissing",
    "new_key",
    "parse_key",
    "store_dir",
    "store_for",
]


def store_dir(settings: Settings) -> Path:
    """Where the local store keeps files: ``FLOWQL_DATA_DIR/files``."""
    return settings.data_dir / "files"


def store_for(settings: Settings) -> FileStore:
    """The file store these settings describe (today always the local directory
    :func:`store_dir`; an S3 backend would be chosen here). One object per directory, so every
    request shares its locks (:meth:`FileStore.lock`)."""
    return _local_store(store_dir(settings))


@functools.cache
def _local_store(root: Path) -> LocalFileStore:
    return LocalFileStore(root)
