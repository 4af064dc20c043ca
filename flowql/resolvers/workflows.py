"""Langflow's v2 workflows (``POST /api/v2/workflows``, ``GET /api/v2/workflows?job_id=``,
``POST /api/v2/workflows/stop``) on the one run resolver: every workflow run is a job of kind
``workflow`` (sync waits for it, stream follows its events, background answers at once).

Bodies are Langflow's: the status / execution answer is
``{flow_id, job_id, object, created_timestamp, status, errors, has_errors, inputs, outputs,
session_id, output: {reason, text, source}}`` (``status`` queued|in_progress|completed|failed|
cancelled), a background answer
``{job_id, flow_id, object: "job", created_timestamp, status, links, errors}``.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Literal

from flowql.context import Context
from flowql.db.models import Flow, Job
from flowql.engine.components import registry
from flowql.engine.graph import parse_flow
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers import flow_jobs, jobs, runs
from flowql.resolvers.input_checks import text_problem

WorkflowMode = Literal["sync", "stream", "background"]
#: FlowQL job status → Langflow v2 ``JobStatus``.
V2_STATUS = {
    "queued": "queued",
    "running": "in_progress",
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
}
#: Output components (their ``output_kind``) a workflow answers.
OUTPUT_KINDS = ("chat", "text")
GLOBAL_NAME_MAX = 256
GLOBAL_VALUE_MAX = 65536
STOPPED_MESSAGE = "Job cancelled successfully"
ALREADY_ENDED_MESSAGE = "Job has already finished"


@dataclass
class WorkflowRequest:
    """A parsed ``POST /api/v2/workflows`` (either form) beyond its run params: ``inputs`` the
    request's inputs echoed in every status (None: ``{"input_value"}`` of the run params),
    ``output_ids`` the outputs ``output.text`` resolves among (sync answers), ``globals``
    request-level global variables (they win over ``X-LANGFLOW-GLOBAL-VAR-*`` headers)."""

    inputs: dict[str, Any] | None = None
    output_ids: list[str] | None = None
    globals: dict[str, str] = field(default_factory=dict)


def _invalid(problems: list[FieldProblem]) -> InvalidInput:
    detail = "; ".join(f"{p.path} {p.message}" for p in problems)
    return InvalidInput(f"Invalid workflow request: {detail}", problems)


def seed_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The seed form's ``inputs`` (``{"component_id.param": value}``) as ``(tweaks, session_id)``:
    ``X.session_id`` names the session, every other key tweaks ``param`` of component ``X``
    (an input vertex's ``input_value`` included). Raises InvalidInput for a key without a dot
    or that is not storable text (NUL, lone surrogate: not echoed)."""
    tweaks: dict[str, dict[str, Any]] = {}
    session: str | None = None
    problems: list[FieldProblem] = []
    for key, value in inputs.items():
        if (problem := text_problem(str(key), 255)) is not None:
            problems.append(FieldProblem("inputs", f"a key {problem}"))
            continue
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
        raise _invalid(problems)
    return dict(tweaks), session


def check_globals(values: dict[str, Any]) -> dict[str, str]:
    """Langflow's ``globals``: names of 1..256 characters, string values of at most 65536
    characters, all storable text. Raises InvalidInput naming ``globals`` otherwise."""
    problems: list[FieldProblem] = []
    for name, value in values.items():
        if not name or (problem := text_problem(name, GLOBAL_NAME_MAX)) is not None:
            problems.append(
                FieldProblem("globals", f"a name must be 1 to {GLOBAL_NAME_MAX} characters of text")
            )
        elif not isinstance(value, str):
            problems.append(FieldProblem(f"globals.{name}", "must be a string"))
        elif (problem := text_problem(value, GLOBAL_VALUE_MAX)) is not None:
            problems.append(FieldProblem(f"globals.{name}", problem))
    if problems:
        raise _invalid(problems)
    return dict(values)


def output_vertex_ids(flow: Flow) -> list[str]:
    """The ids of ``flow``'s output vertices (Chat/Text outputs: what ``outputs`` can hold)."""
    graph = parse_flow(runs.flow_data(flow))
    ids: list[str] = []
    for vertex in graph.vertices.values():
        cls = registry.get(vertex.type)
        if cls is not None and cls.output_kind in OUTPUT_KINDS:
            ids.append(vertex.id)
    return ids


def _check_output_ids(flow: Flow, output_ids: list[str]) -> None:
    known = set(output_vertex_ids(flow))
    problems: list[FieldProblem] = []
    for name in output_ids:
        if (problem := text_problem(name, 255)) is not None:
            problems.append(FieldProblem("output_ids", problem))
        elif name not in known:
            problems.append(FieldProblem("output_ids", f"'{name}' is not an output of this flow"))
    if problems:
        raise _invalid(problems)


def _timestamp(job: Job) -> str:
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=UTC)
    return created.isoformat()


def _errors(job: Job) -> list[dict[str, Any]]:
    if job.status == "failed":
        return [{"error": job.error or "Run failed", "code": "FAILED", "details": None}]
    if job.status == "cancelled":
        return [{"error": job.error or "Run cancelled", "code": "CANCELLED", "details": None}]
    return []


def workflow_output(job: Job, output_ids: list[str] | None = None) -> dict[str, Any]:
    """Langflow's ``WorkflowOutput`` of ``job``: ``{"reason", "text", "source"}``. ``reason`` is
    ``single`` (``text`` is the one output's text, ``source`` its component id), ``multiple``
    (several outputs: read ``outputs``), ``none`` (no output, or the job has not ended or was
    cancelled), ``non_string`` (the one output holds no text) or ``failed``; ``output_ids``
    narrows the outputs considered (Langflow's sync ``output_ids``)."""
    if job.status == "failed":
        return {"reason": "failed", "text": None, "source": None}
    result = job.result if isinstance(job.result, dict) else {}
    outputs = result.get("outputs") if job.status == "completed" else None
    items = list(outputs.items()) if isinstance(outputs, dict) else []
    if output_ids is not None:
        items = [(cid, out) for cid, out in items if cid in output_ids]
    if not items:
        return {"reason": "none", "text": None, "source": None}
    if len(items) > 1:
        return {"reason": "multiple", "text": None, "source": None}
    source, out = items[0]
    content = out.get("content") if isinstance(out, dict) else None
    if not isinstance(content, str):
        return {"reason": "non_string", "text": None, "source": None}
    return {"reason": "single", "text": content, "source": source}


def _asked(job: Job) -> tuple[dict[str, Any] | None, str | None, list[str] | None]:
    """The ``(inputs, session_id, output_ids)`` ``job`` was started with (its ``params``)."""
    params = job.params if isinstance(job.params, dict) else {}
    inputs, session, output_ids = params.get("inputs"), params.get("session_id"), params.get("output_ids")
    return (
        inputs if isinstance(inputs, dict) else None,
        session if isinstance(session, str) else None,
        [str(i) for i in output_ids] if isinstance(output_ids, list) else None,
    )


def status_body(job: Job, output_ids: list[str] | None = None) -> dict[str, Any]:
    """Langflow's ``WorkflowExecutionResponse`` for ``job`` (see the module docstring):
    ``has_errors`` mirrors ``errors``, ``output`` is :func:`workflow_output` among
    ``output_ids`` (default: those the request gave), ``inputs`` and ``session_id`` the
    request's (the seed form's ``component_id.param`` keys as given) in every status; a job
    started elsewhere (a run, a webhook) answers its run's."""
    result = job.result if isinstance(job.result, dict) else {}
    inputs, session, asked_ids = _asked(job)
    if not isinstance(inputs, dict):
        run = result.get("run")
        groups = run.get("outputs") if isinstance(run, dict) else None
        groups = groups if isinstance(groups, list) else []
        inputs = groups[0].get("inputs", {}) if groups and isinstance(groups[0], dict) else {}
    errors = _errors(job)
    return {
        "flow_id": str(job.flow_id),
        "job_id": str(job.id),
        "object": "response",
        "created_timestamp": _timestamp(job),
        "status": V2_STATUS.get(job.status, job.status),
        "errors": errors,
        "has_errors": bool(errors),
        "inputs": inputs,
        "outputs": result.get("outputs") or {},
        "session_id": result.get("session_id") or session,
        "output": workflow_output(job, output_ids if output_ids is not None else asked_ids),
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
    ctx: Context,
    *,
    flow_id: str,
    params: runs.RunParams,
    all_events: bool = False,
    request: WorkflowRequest | None = None,
) -> Job:
    """Start the caller's flow ``flow_id`` (an id or their own ``endpoint_name``) as a
    ``workflow`` job. ``all_events`` records every build event (the stream carries FlowQL's
    events), else the run events. ``request`` adds the echoed inputs, checks ``output_ids``
    against the flow's outputs and runs with ``globals`` (in every mode: FlowQL can honour them
    in the background too, which is what a caller sending them expects); the inputs, session
    and ``output_ids`` are kept on the job for every later status. Raises
    Unauthenticated, NotFound("Flow not found"), InvalidInput (bad params, a flow without
    data, an unknown output id, anything :func:`flowql.resolvers.runs.preflight` refuses)
    before anything is stored."""
    extra = request or WorkflowRequest()
    flow = await runs.find_runnable_flow(ctx, flow_id)
    if extra.output_ids is not None:
        _check_output_ids(flow, extra.output_ids)
    if extra.globals:
        ctx = dataclasses.replace(ctx, global_vars={**ctx.global_vars, **extra.globals})
    keep = None if all_events else flow_jobs.RUN_EVENTS
    inputs = extra.inputs if extra.inputs is not None else {"input_value": params.input_value}
    echo = {"inputs": inputs, "output_ids": extra.output_ids}
    return await flow_jobs.start_flow_job(
        ctx, flow=flow, params=params, kind="workflow", keep=keep, echo=echo
    )


async def run_workflow_sync(
    ctx: Context, *, flow_id: str, params: runs.RunParams, request: WorkflowRequest | None = None
) -> dict[str, Any]:
    """``mode: sync``: run the workflow, wait for its end and answer :func:`status_body`
    (``status`` completed, or failed / cancelled with ``errors``; ``output.text`` among
    ``request.output_ids`` when given). Raises as :func:`start_workflow`."""
    job = await start_workflow(ctx, flow_id=flow_id, params=params, request=request)
    return status_body(await flow_jobs.wait_for_job(ctx, job.id))


async def run_workflow_job(
    ctx: Context,
    *,
    flow_id: str,
    params: runs.RunParams,
    background: bool = False,
    request: WorkflowRequest | None = None,
) -> Job:
    """GraphQL ``runWorkflow``: start the workflow job and return it at once (``background``)
    or once it has ended. Raises as :func:`start_workflow`."""
    job = await start_workflow(ctx, flow_id=flow_id, params=params, request=request)
    return job if background else await flow_jobs.wait_for_job(ctx, job.id)


def _job_uuid(job_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(jobs.JOB_NOT_FOUND) from None


async def workflow_status(ctx: Context, *, job_id: str) -> dict[str, Any]:
    """``GET /api/v2/workflows?job_id=``: :func:`status_body` of the caller's job (any kind;
    ``output`` among the ``output_ids`` its request gave).
    Raises Unauthenticated; NotFound("Job not found") for a malformed, unknown or foreign id."""
    return status_body(await jobs.get_job(ctx, job_id=_job_uuid(job_id)))


async def stop_workflow(ctx: Context, *, job_id: str) -> dict[str, Any]:
    """``POST /api/v2/workflows/stop``: cancel the caller's queued or running job and answer
    ``{job_id, message}`` with the job id in its canonical form (a job that has already ended
    is left alone, and said so).
    Raises as :func:`workflow_status`."""
    job_uuid = _job_uuid(job_id)
    cancelled = await jobs.cancel_job(ctx, job_id=job_uuid)
    return {"job_id": str(job_uuid), "message": STOPPED_MESSAGE if cancelled else ALREADY_ENDED_MESSAGE}
