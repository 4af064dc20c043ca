"""Jobs: the job runner and the event bus (design.md "Events", "Delivery").

- :class:`~flowql.jobs.records.JobEventRecord` — one stored event (the cursor is ``sequence``).
- :class:`~flowql.jobs.bus.EventBus` — publish/subscribe interface; in-process backend now.
- :class:`~flowql.jobs.runner.JobRunner` — runs a job's work as a cancellable task, stores each
  event (batched, :mod:`flowql.jobs.writer`) and publishes it.
- :class:`~flowql.jobs.runner.JobServices` — bus + runner, one per process (``AppServices.jobs``).
"""

from flowql.jobs.bus import EventBus, InProcessEventBus, Subscription
from flowql.jobs.records import (
    ACTIVE_STATUSES,
    CANCELLED,
    COMPLETED,
    ENDED_STATUSES,
    FAILED,
    QUEUED,
    RUNNING,
    TERMINAL_EVENT,
    JobEventRecord,
)
from flowql.jobs.runner import JobRunner, JobServices, Work

__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLED",
    "COMPLETED",
    "ENDED_STATUSES",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "TERMINAL_EVENT",
    "EventBus",
    "InProcessEventBus",
    "JobEventRecord",
    "JobRunner",
    "JobServices",
    "Subscription",
    "Work",
]
