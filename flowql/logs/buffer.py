"""The in-memory ring buffer of (already redacted) log records behind ``GET /logs``,
``GET /logs-stream`` and the GraphQL ``logs`` subscription.

Records are appended from any thread (the logging handler runs where the record is logged) and
read from the event loop. Each :class:`LogEntry` has a ``timestamp`` in epoch milliseconds that
is unique and increasing within the buffer (a record logged in the same millisecond as the
previous one gets the next millisecond), so Langflow's ``{timestamp: line}`` answer never loses
a line to a key collision, and a ``seq`` number for followers. The buffer is per process, like
the logging it mirrors.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Records kept when no size is configured (Langflow's ``LANGFLOW_LOG_RETRIEVER_BUFFER_SIZE``).
DEFAULT_SIZE = 10_000


@dataclass(frozen=True)
class LogEntry:
    """One stored record: ``timestamp`` epoch ms (unique, increasing), ``level`` (``info``,
    ``warning``, …), ``logger`` name, ``message`` (the event text), ``fields`` (the other
    structured key-values, exception text under ``exception``) and ``line``: the whole record
    rendered as one line of text. Every value is already redacted."""

    seq: int
    timestamp: int
    level: str
    logger: str
    message: str
    line: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def time(self) -> datetime:
        """``timestamp`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)


class _Follower:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.wake = asyncio.Event()

    def notify(self) -> bool:
        """Wake the follower from any thread; False when its loop is gone."""
        try:
            self.loop.call_soon_threadsafe(self.wake.set)
        except RuntimeError:
            return False
        return True


class LogBuffer:
    """A bounded buffer of :class:`LogEntry` (oldest dropped first) with live followers."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._lock = threading.RLock()
        self._entries: deque[LogEntry] = deque(maxlen=max(1, size))
        self._seq = 0
        self._last_ts = 0
        self._followers: set[_Follower] = set()

    @property
    def size(self) -> int:
        """The most records kept."""
        return self._entries.maxlen or 0

    def resize(self, size: int) -> None:
        """Keep at most ``size`` records from now on (the newest are kept)."""
        with self._lock:
            self._entries = deque(self._entries, maxlen=max(1, size))

    def append(
        self, *, time_ms: int, level: str, logger: str, message: str, line: str, fields: dict[str, Any]
    ) -> LogEntry:
        """Store one redacted record and wake the followers; returns the stored entry."""
        with self._lock:
            self._seq += 1
            self._last_ts = max(time_ms, self._last_ts + 1)
            entry = LogEntry(self._seq, self._last_ts, level, logger, message, line, fields)
            self._entries.append(entry)
            followers = list(self._followers)
        gone = [f for f in followers if not f.notify()]
        if gone:
            with self._lock:
                self._followers.difference_update(gone)
        return entry

    def entries(self) -> list[LogEntry]:
        """Every stored record, oldest first."""
        with self._lock:
            return list(self._entries)

    def last(self, lines: int) -> list[LogEntry]:
        """The newest ``lines`` records, oldest first."""
        if lines <= 0:
            return []
        with self._lock:
            return list(self._entries)[-lines:]

    def before(self, timestamp: int, lines: int) -> list[LogEntry]:
        """The ``lines`` newest records strictly older than ``timestamp`` (ms), oldest first."""
        older = [e for e in self.entries() if e.timestamp < timestamp]
        return older[-lines:] if lines > 0 else []

    def after(self, timestamp: int, lines: int) -> list[LogEntry]:
        """The ``lines`` oldest records at or after ``timestamp`` (ms), oldest first."""
        newer = [e for e in self.entries() if e.timestamp >= timestamp]
        return newer[:lines] if lines > 0 else []

    def since(self, seq: int) -> list[LogEntry]:
        """The stored records with a ``seq`` above ``seq``, oldest first (when records were
        dropped meanwhile, from the oldest still stored)."""
        newer: list[LogEntry] = []
        with self._lock:
            for entry in reversed(self._entries):  # newest first: stop at the first one seen
                if entry.seq <= seq:
                    break
                newer.append(entry)
        newer.reverse()
        return newer

    @property
    def last_seq(self) -> int:
        """The ``seq`` of the newest record ever appended (0: none yet)."""
        with self._lock:
            return self._seq

    async def follow(self, *, after: int | None = None) -> AsyncIterator[LogEntry]:
        """The records appended after ``seq`` ``after`` (default: from now on), live, until the
        consumer stops iterating. Wakes on each append; never polls."""
        follower = _Follower(asyncio.get_running_loop())
        with self._lock:
            seen = self._seq if after is None else after
            self._followers.add(follower)
        try:
            while True:
                follower.wake.clear()
                for entry in self.since(seen):
                    seen = entry.seq
                    yield entry
                if not self.since(seen):
                    await follower.wake.wait()
        finally:
            with self._lock, contextlib.suppress(KeyError):
                self._followers.remove(follower)
