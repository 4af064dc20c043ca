"""In-process locks keyed by an id, for read-modify-write steps the database cannot make atomic
portably (the server is one process: ``flowql.jobs.server_lock`` refuses a second one).

Entries are weakly held, so a key's lock disappears once nobody holds or waits for it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Hashable


class KeyedLocks:
    """``locks.get(key)`` → the one ``asyncio.Lock`` for ``key`` (not re-entrant)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = weakref.WeakValueDictionary()

    def get(self, key: Hashable) -> asyncio.Lock:
        """The lock of ``key``, created on first use."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock
