"""Langflow's v2 workflow routes: ``POST /api/v2/workflows`` (sync, stream as SSE, background),
``GET /api/v2/workflows?job_id=`` and ``POST /api/v2/workflows/stop``.

``POST`` accepts both request forms (design.md): the seed's (``background``, ``stream``,
``inputs`` keyed ``"component_id.param"``) and Langflow 1.13's (``input_value``, ``tweaks``,
``session_id``, ``mode`` sync|stream|background, ``stream_protocol`` ``langflow``,
``output_ids``, ``globals``), told apart by their keys; mixing them is a 422. As Langflow's
``WorkflowRunRequest`` (``additionalProperties: false``) an unknown key is a 422, so a typo such
as ``tweak`` is never silently dropped; the 1.13 fields FlowQL cannot honour yet (``data``,
``files``, ``start_component_id``, ``stop_component_id``, ``idempotency_key``,
``expose_graph_state: false``) are a 422 "not supported" when given a value (null is absent).
A stream is SSE (``event: <name>`` / ``data: <json>``) carrying every FlowQL event of the run
and ending with ``end``; each ``data`` is Langflow's ``WorkflowStreamEvent``
``{type, run_id, timestamp, raw_event}`` (``type`` the event name, ``run_id`` the job id that
``GET /api/v2/workflows?job_id=`` and ``POST /api/v2/workflows/stop`` take, ``timestamp`` the
event's time in milliseconds since the epoch, ``raw_event`` the FlowQL event's data), and the
answer's ``X-Job-Id`` header carries the job id before any event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import jobs, runs, workflows
from flowql.resolvers.input_checks import text_problem
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.sse import job_sse, sse

router = APIRouter(prefix="/api/v2", tags=["Workflow"])

SEED_KEYS = frozenset({"background", "stream", "inputs"})
#: 1.13 fields FlowQL does not honour yet: a 422 when given a value.
UNSUPPORTED_KEYS = ("data", "files", "start_component_id", "stop_component_id", "idempotency_key")
V113_KEYS = frozenset(
    {"input_value", "tweaks", "session_id", "mode", "stream_protocol", "output_ids", "globals"}
    | {"expose_graph_state", *UNSUPPORTED_KEYS}
)
STREAM_PROTOCOLS = ("langflow",)


class WorkflowBody(BaseModel):
    """Both request forms of ``POST /api/v2/workflows`` (see the module docstring); unknown
    keys are a 422."""

    model_config = ConfigDict(extra="forbid")

    flow_id: str
    background: bool | None = None
    stream: bool | None = None
    inputs: dict[str, Any] | None = None
    input_value: str | None = None
    tweaks: dict[str, Any] | None = None
    session_id: str | None = None
    mode: Literal["sync", "stream", "background"] | None = None
    stream_protocol: str | None = None
    output_ids: list[str] | None = None
    globals: dict[str, str] | None = None
    expose_graph_state: bool | None = None
    data: dict[str, Any] | None = None
    files: list[str] | None = None
    start_component_id: str | None = None
    stop_component_id: str | None = None
    idempotency_key: str | None = None


class WorkflowStopBody(BaseModel):
    """Langflow ``WorkflowStopRequest``."""

    job_id: str


class WorkflowStopAnswer(BaseModel):
    """Langflow ``WorkflowStopResponse``."""

    job_id: str
    message: str | None = None


def _problem(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"Invalid workflow request: {path} {message}", [FieldProblem(path, message)])


def parse(body: WorkflowBody) -> tuple[runs.RunParams, workflows.WorkflowMode, workflows.WorkflowRequest]:
    """The run params, mode and the rest of the request (echoed inputs, ``output_ids``,
    ``globals``) of either request form."""
    given = body.model_fields_set
    if given & SEED_KEYS and given & V113_KEYS:
        keys = ", ".join(sorted(given & (SEED_KEYS | V113_KEYS)))
        raise _problem("body", f"mixes the two request forms ({keys})")
    if given & SEED_KEYS:
        if body.background and body.stream:
            raise _problem("background", "cannot be combined with stream")
        tweaks, session = workflows.seed_inputs(body.inputs or {})
        mode: workflows.WorkflowMode = (
            "background" if body.background else "stream" if body.stream else "sync"
        )
        params = runs.RunParams(input_value=None, tweaks=tweaks, session_id=session, output_type="any")
        return params, mode, workflows.WorkflowRequest(inputs=dict(body.inputs or {}))
    for key in UNSUPPORTED_KEYS:
        if getattr(body, key) is not None:
            raise _problem(key, "is not supported by FlowQL yet")
    if body.expose_graph_state is False:
        raise _problem(
            "expose_graph_state", "false is not supported (the langflow stream carries every event)"
        )
    protocol = body.stream_protocol or "langflow"
    if (problem := text_problem(protocol, 255)) is not None:
        raise _problem("stream_protocol", problem)
    if protocol not in STREAM_PROTOCOLS:
        message = "is not supported (available: langflow)"
        raise _problem("stream_protocol", f"'{protocol}' {message}")
    params = runs.RunParams(
        input_value=body.input_value if body.input_value is not None else "",
        tweaks=dict(body.tweaks or {}),
        session_id=body.session_id,
        output_type="any",
    )
    request = workflows.WorkflowRequest(
        output_ids=list(body.output_ids) if body.output_ids is not None else None,
        globals=workflows.check_globals(body.globals or {}),
    )
    return params, body.mode or "sync", request


JOB_ID_HEADER = "X-Job-Id"


def stream_event(record: jobs.JobEventRecord) -> dict[str, Any]:
    """Langflow's ``WorkflowStreamEvent`` of one job event (see the module docstring)."""
    created = record.created_at if record.created_at.tzinfo else record.created_at.replace(tzinfo=UTC)
    return {
        "type": record.event,
        "run_id": str(record.job_id),
        "timestamp": int(created.timestamp() * 1000),
        "raw_event": record.data,
    }


def render_event(record: jobs.JobEventRecord) -> Iterable[str]:
    """Every job event as ``event: <name>`` / ``data: <WorkflowStreamEvent json>``."""
    return [sse(stream_event(record), event=record.event)]


@router.post(
    "/workflows",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The answer, the job or its events"}
    },
)
async def execute_workflow(ctx: Ctx, body: WorkflowBody) -> Response:
    """Run the caller's flow ``flow_id``: ``sync`` answers the status shape with ``status``
    completed (or failed / cancelled with ``errors``) and the outputs; ``stream`` answers SSE of
    the run's events ending with ``end`` (each a ``WorkflowStreamEvent`` whose ``run_id`` is the
    job id, also in the ``X-Job-Id`` header); ``background`` answers the job at once. 404 ``Flow
    not found`` (also another user's flow); 422 for a bad body, an unknown tweak key, an
    unsupported ``stream_protocol`` (``agui`` included), an unknown key, an unknown
    ``output_ids`` entry, a component FlowQL does not implement or the two forms mixed — all
    before anything is stored."""
    params, mode, request = parse(body)
    if mode == "sync":
        answer = await workflows.run_workflow_sync(ctx, flow_id=body.flow_id, params=params, request=request)
        return JSONResponse(answer)
    job = await workflows.start_workflow(
        ctx, flow_id=body.flow_id, params=params, all_events=mode == "stream", request=request
    )
    if mode == "background":
        return JSONResponse(workflows.job_body(job))
    return await job_sse(ctx, job.id, render_event, headers={JOB_ID_HEADER: str(job.id)})


@router.get("/workflows")
async def get_workflow_status(ctx: Ctx, job_id: str) -> dict[str, Any]:
    """The caller's job: ``{flow_id, job_id, object, created_timestamp, status, errors,
    has_errors, inputs, outputs, session_id, output}``. 404 ``Job not found`` (unknown,
    malformed or not yours)."""
    return await workflows.workflow_status(ctx, job_id=job_id)


@router.post("/workflows/stop", response_model=WorkflowStopAnswer)
async def stop_workflow(ctx: Ctx, body: WorkflowStopBody) -> WorkflowStopAnswer:
    """Cancel the caller's queued or running job: ``{job_id, message}``. 404 ``Job not found``."""
    return WorkflowStopAnswer(**await workflows.stop_workflow(ctx, job_id=body.job_id))
