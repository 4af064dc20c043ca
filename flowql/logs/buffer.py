"""The in-memory ring buffer of (already redacted) log records behind ``GET /logs``,
``GET /logs-stream`` and the GraphQL ``logs`` subscription.

Records are appended from any thread (the logging handler runs where the record is logged) and
read from the event loop. Each :class:`LogEntry` has a ``timestamp`` in epoch milliseconds,
never ahead of the clock and never decreasing within the buffer (several records may share a
millisecond: ``GET /logs`` answers them under one key, their lines joined), and a unique ``seq``
number for followers. The buffer is bounded by a record count and by a byte budget (the oldest
records go first). It is per process, like the logging it mirrors.
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
#: Characters kept at most, over all stored records (lines, messages and fields).
DEFAULT_MAX_CHARS = 32 * 1024 * 1024


@dataclass(frozen=True)
class LogEntry:
    """One stored record: ``timestamp`` epoch ms (non-decreasing), ``level`` (``info``,
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
    #: The record's weight against the buffer's budget, in characters (see :func:`weigh`).
    weight: int = 0

    @property
    def time(self) -> datetime:
        """``timestamp`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)


def weigh(message: str, line: str, fields: dict[str, Any]) -> int:
    """A record's weight in characters: its line, its message and its fields' text (plus a
    fixed overhead per value)."""
    return len(message) + len(line) + sum(len(str(k)) + len(str(v)) + 16 for k, v in fields.items()) + 64


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
    """A buffer of :class:`LogEntry` bounded by ``size`` records and ``max_chars`` characters
    (oldest dropped first; the newest record is always kept), with live followers."""

    def __init__(self, size: int = DEFAULT_SIZE, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self._lock = threading.RLock()
        self._entries: deque[LogEntry] = deque(maxlen=max(1, size))
        self._max_chars = max(1, max_chars)
        self._chars = 0
        self._seq = 0
        self._last_ts = 0
        self._followers: set[_Follower] = set()

    @property
    def size(self) -> int:
        """The most records kept."""
        return self._entries.maxlen or 0

    @property
    def chars(self) -> int:
        """The stored records' weight, in characters."""
        with self._lock:
            return self._chars

    def resize(self, size: int, max_chars: int | None = None) -> None:
        """Keep at most ``size`` records (and ``max_chars`` characters, when given) from now
        on (the newest are kept)."""
        with self._lock:
            self._entries = deque(self._entries, maxlen=max(1, size))
            if max_chars is not None:
                self._max_chars = max(1, max_chars)
            self._chars = sum(e.weight for e in self._entries)
            self._trim()

    def _trim(self) -> None:
        while self._chars > self._max_chars and len(self._entries) > 1:
            self._chars -= self._entries.popleft().weight

    def append(
        self, *, time_ms: int, level: str, logger: str, message: str, line: str, fields: dict[str, Any]
    ) -> LogEntry:
        """Store one redacted record and wake the followers; returns the stored entry."""
        weight = weigh(message, line, fields)
        with self._lock:
            self._seq += 1
            self._last_ts = max(time_ms, self._last_ts)
            entry = LogEntry(self._seq, self._last_ts, level, logger, message, line, fields, weight)
            if len(self._entries) == self._entries.maxlen:
                self._chars -= self._entries[0].weight
            self._entries.append(entry)
            self._chars += weight
            self._trim()
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
