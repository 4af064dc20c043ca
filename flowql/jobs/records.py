"""The job event record shared by the job runner, the event bus and the resolvers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The v1 name of the event that ends every job's stream.
TERMINAL_EVENT = "end"

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
#: Job statuses after which nothing more happens.
ENDED_STATUSES = frozenset({COMPLETED, FAILED, CANCELLED})
#: Job statuses of a job that has not ended.
ACTIVE_STATUSES = frozenset({QUEUED, RUNNING})


@dataclass(frozen=True)
class JobEventRecord:
    """One stored event of a job (a ``job_event`` row).

    ``sequence`` is 1, 2, 3 ... per job: the cursor for replay and polling. ``event`` is the v1
    name (``vertices_sorted``, ``build_start``, ``add_message``, ``token``, ``end_vertex``,
    ``error``, ``end``); ``data`` is exactly the peer's ``data`` object for that event.
    """

    job_id: uuid.UUID
    sequence: int
    event: str
    data: dict[str, Any]
    created_at: datetime

    @property
    def terminal(self) -> bool:
        """True for the ``end`` event, the last one of every job."""
        return self.event == TERMINAL_EVENT
