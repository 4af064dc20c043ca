"""Job enums: ``JobStatus`` and ``JobKind`` (the ``job.status`` / ``job.kind`` columns)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where a job is: queued, running, or ended (completed, failed, cancelled).")
class JobStatus(Enum):
    """A job's status (``job.status``)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.enum(
    description="What started a job: a build (buildFlow), a run, a workflow, a webhook, a response."
)
class JobKind(Enum):
    """A job's kind (``job.kind``)."""

    BUILD = "build"
    RUN = "run"
    WORKFLOW = "workflow"
    WEBHOOK = "webhook"
    RESPONSE = "response"


ENDED_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


def job_status(value: object) -> JobStatus | None:
    """The enum member for a stored status string, else ``None``."""
    try:
        return JobStatus(value)
    except ValueError:
        return None


def job_kind(value: str) -> JobKind:
    """The enum member for a stored kind (unknown kinds read as ``BUILD``)."""
    try:
        return JobKind(value)
    except ValueError:
        return JobKind.BUILD
