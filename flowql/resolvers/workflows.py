"""Langflow's v2 workflows (``POST /api/v2/workflows``, ``GET /api/v2/workflows?job_id=``,
``POST /api/v2/workflows/stop``) on the one run resolver: every workflow run is a job of kind
``workflow`` (sync waits for it, stream follows its events, background answers at once).

Bodies are Langflow's: the status / execution answer is
``{flow_id, job_id, object, created_timestamp, status, errors, inputs, outputs, session_id, output}``
(``status`` queued|in_progress|completed|failed|cancelled), a background answer
``{job_id, flow_id, object: "job", created_timestamp, status, links, errors}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any, Literal

from flowql.context import Context
from flowql.db.models import Job
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers import flow_jobs, jobs, runs

WorkflowMode = Literal["sync", "stream", "background"]
#: FlowQL job status → Langflow v2 ``JobStatus``.
V2_STATUS = {
    "queued": "queued",
    "running": "in_progress",
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
}
STOPPED_MESSAGE = "Job cancelled successfully"
ALREADY_ENDED_MESSAGE = "Job has already finished"


def seed_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The seed form's ``inputs`` (``{"component_id.param": value}``) as ``(tweaks, session_id)``:
    ``X.session_id`` names the session, every other key tweaks ``param`` of component ``X``
    (an input vertex's ``input_value`` included). Raises InvalidInput for a key without a dot."""
    tweaks: dict[str, dict[str, Any]] = {}
    session: str | None = None
    problems: list[FieldProblem] = []
    for key, value in inputs.items():
        component, dot, param = str(key).rpartition(".")
        if not dot or not component or not param:
            problems.append(FieldProblem(f"inputs.{key}", "keys are 'component_id.param'"))
        elif param == "session_id":
            if not isinstance(value, str):
                problems.append(FieldProblem(f"inputs.{key}", "must be a string"))
            else:
                session = value
        else:
            tweaks.setdefault(component, {})[param] = value
    if problems:
        detail = "; ".join(f"{p.path} {p.message}" for p in problems)
        raise InvalidInput(f"Invalid workflow request: {detail}", problems)
    return dict(tweaks), session


def _timestamp(job: Job) -> str:
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=UTC)
    return created.isoformat()


def _errors(job: Job) -> list[dict[str, Any]]:
    if job.status == "failed":
        return [{"error": job.error or "Run failed", "code": "FAILED", "details": None}]
    if job.status == "cancelled":
        return [{"error": job.error or "Run cancelled", "code": "CANCELLED", "details": None}]
    return []


def status_body(job: Job) -> dict[str, Any]:
    """Langflow's workflow status / execution answer for ``job`` (see the module docstring)."""
    result = job.result if isinstance(job.result, dict) else {}
    run = result.get("run")
    groups = run.get("outputs") if isinstance(run, dict) else None
    groups = groups if isinstance(groups, list) else []
    inputs = groups[0].get("inputs", {}) if groups and isinstance(groups[0], dict) else {}
    text = result.get("text") if job.status == "completed" else None
    return {
        "flow_id": str(job.flow_id),
        "job_id": str(job.id),
        "object": "response",
        "created_timestamp": _timestamp(job),
        "status": V2_STATUS.get(job.status, job.status),
        "errors": _errors(job),
        "inputs": inputs,
        "outputs": result.get("outputs") or {},
        "session_id": result.get("session_id"),
        "output": {"text": text, "reason": None if text is not None else job.status},
    }


def job_body(job: Job) -> dict[str, Any]:
    """Langflow's ``WorkflowJobResponse`` for a background workflow ``job``."""
    return {
        "job_id": str(job.id),
        "flow_id": str(job.flow_id),
        "object": "job",
        "created_timestamp": _timestamp(job),
        "status": V2_STATUS.get(job.status, job.status),
        "links": {"status": f"/api/v2/workflows?job_id={job.id}"},
        "errors": [],
    }


async def start_workflow(
    ctx: Context, *, flow_id: str, params: runs.RunParams, all_events: bool = False
) -> Job:
    """Start the caller's flow ``flow_id`` (an id or their own ``endpoint_name``) as a
    ``workflow`` job (background and stream modes). ``all_events`` records every build event
    (the stream carries FlowQL's events), else the run events. Raises Unauthenticated,
    NotFound("Flow not found"), InvalidInput (bad params, a flow without data) before anything
    is stored."""
    flow = await runs.find_runnable_flow(ctx, flow_id)
    keep = None if all_events else flow_jobs.RUN_EVENTS
    return await flow_jobs.start_flow_job(ctx, flow=flow, params=params, kind="workflow", keep=keep)


async def run_workflow_sync(ctx: Context, *, flow_id: str, params: runs.RunParams) -> dict[str, Any]:
    """``mode: sync``: run the workflow, wait for its end and answer :func:`status_body`
    (``status`` completed, or failed / cancelled with ``errors``). Raises as
    :func:`start_workflow`."""
    job = await start_workflow(ctx, flow_id=flow_id, params=params)
    return status_body(await flow_jobs.wait_for_job(ctx, job.id))


async def run_workflow_job(
    ctx: Context, *, flow_id: str, params: runs.RunParams, background: bool = False
) -> Job:
    """GraphQL ``runWorkflow``: start the workflow job and return it at once (``background``)
    or once it has ended. Raises as :func:`start_workflow`."""
    job = await start_workflow(ctx, flow_id=flow_id, params=params)
    return job if background else await flow_jobs.wait_for_job(ctx, job.id)


def _job_uuid(job_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(jobs.JOB_NOT_FOUND) from None


async def workflow_status(ctx: Context, *, job_id: str) -> dict[str, Any]:
    """``GET /api/v2/workflows?job_id=``: :func:`status_body` of the caller's job (any kind).
    Raises Unauthenticated; NotFound("Job not found") for a malformed, unknown or foreign id."""
    return status_body(await jobs.get_job(ctx, job_id=_job_uuid(job_id)))


async def stop_workflow(ctx: Context, *, job_id: str) -> dict[str, Any]:
    """``POST /api/v2/workflows/stop``: cancel the caller's queued or running job and answer
    ``{job_id, message}`` (a job that has already ended is left alone, and said so).
    Raises as :func:`workflow_status`."""
    cancelled = await jobs.cancel_job(ctx, job_id=_job_uuid(job_id))
    return {"job_id": str(job_id), "message": STOPPED_MESSAGE if cancelled else ALREADY_ENDED_MESSAGE}
