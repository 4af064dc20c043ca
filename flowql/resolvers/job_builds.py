"""Starting jobs: builds (``POST /api/v1/build/{flow_id}/flow``, public builds) and run jobs
(``POST /api/v1/run?stream=true``). Re-exported by :mod:`flowql.resolvers.jobs`.

Everything a caller can get wrong is checked before the job exists (nothing is stored for a
bad request); the run itself happens in the background on the process's job runner.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flowql import engine
from flowql.context import Context
from flowql.db.models import Flow, Job
from flowql.engine.types import EventSink, InputType, RunRequest
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.jobs import QUEUED
from flowql.resolvers.flow_db import FLOW_NOT_FOUND
from flowql.resolvers.input_checks import check_json, text_problem
from flowql.resolvers.run_records import RunOwner, run_and_record
from flowql.resolvers.runs import (
    INPUT_TYPES,
    SESSION_ID_MAX,
    RunParams,
    check_run_params,
    find_runnable_flow,
    flow_data,
    run_request,
    run_services,
)

#: The events a run job records: the ``/api/v1/run?stream=true`` stream's events.
RUN_STREAM_EVENTS = frozenset({"add_message", "token", "remove_message", "error", "end"})


@dataclass
class BuildParams:
    """Langflow ``POST /api/v1/build/{flow_id}/flow``: query + body.

    ``input_value`` / ``input_type`` / ``session_id``: body ``inputs.input_value`` /
    ``inputs.type`` (chat|text|any) / ``inputs.session``; ``data``: body ``data``, a graph to
    build instead of the stored one (owner only); ``files``: a non-empty list is InvalidInput
    until the files issue; ``start_component_id`` / ``stop_component_id`` / ``log_builds`` /
    ``flow_name``: query parameters.
    """

    input_value: str | None = None
    input_type: str = "chat"
    session_id: str | None = None
    data: dict[str, Any] | None = None
    files: list[str] | None = None
    start_component_id: str | None = None
    stop_component_id: str | None = None
    log_builds: bool = True
    flow_name: str | None = None


def _check_build(params: BuildParams, graph: dict[str, Any]) -> None:
    problems: list[FieldProblem] = []
    if params.input_type not in INPUT_TYPES:
        problems.append(FieldProblem("inputs.type", f"must be one of {', '.join(INPUT_TYPES)}"))
    if params.input_value is not None and not isinstance(params.input_value, str):
        problems.append(FieldProblem("inputs.input_value", "must be a string"))
    if params.files:
        problems.append(FieldProblem("files", "file references are not supported yet"))
    node_ids = {n.get("id") for n in graph.get("nodes") or [] if isinstance(n, dict)}
    for name in ("start_component_id", "stop_component_id"):
        value = getattr(params, name)
        if value is not None and value not in node_ids:
            problems.append(FieldProblem(name, f"'{value}' is not a component of this flow"))
    for name, limit in (("input_value", None), ("session_id", SESSION_ID_MAX), ("flow_name", 255)):
        value = getattr(params, name)
        if isinstance(value, str) and (problem := text_problem(value, limit)) is not None:
            problems.append(FieldProblem(f"inputs.{name}" if name != "flow_name" else name, problem))
    if problems:
        detail = "; ".join(f"{p.path} {p.message}" for p in problems)
        raise InvalidInput(f"Invalid build request: {detail}", problems)


def _build_graph(flow: Flow, params: BuildParams) -> dict[str, Any]:
    if params.data is None:
        return flow_data(flow)
    if not isinstance(params.data, dict):
        raise InvalidInput("data must be an object", [FieldProblem("data", "must be an object")])
    check_json(params.data, "data")
    engine.validate_flow_data(params.data)
    return params.data


async def create_job(
    ctx: Context, *, user_id: uuid.UUID, flow_id: uuid.UUID, kind: str, client_id: str | None = None
) -> Job:
    """Store a queued job of ``kind`` (build|run|workflow|webhook|response) owned by ``user_id``
    (and, for a public build, ``client_id``). Raises NotFound("Flow not found") when the flow
    was deleted since it was read (the job's foreign key fails), never a 500."""
    job = Job(user_id=user_id, flow_id=flow_id, kind=kind, status=QUEUED, poll_cursor=0, client_id=client_id)
    try:
        async with ctx.sessions() as session:
            session.add(job)
            await session.commit()
    except IntegrityError as exc:
        raise NotFound(FLOW_NOT_FOUND) from exc
    return job


async def _launch_build(
    ctx: Context, flow: Flow, params: BuildParams, *, user_id: uuid.UUID, client_id: str | None
) -> Job:
    graph = _build_graph(flow, params)
    _check_build(params, graph)
    jobs = ctx.require_jobs()
    job = await create_job(ctx, user_id=user_id, flow_id=flow.id, kind="build", client_id=client_id)
    request = RunRequest(
        flow_id=str(flow.id),
        session_id=params.session_id or str(flow.id),
        input_value=params.input_value,
        input_type=cast(InputType, params.input_type),
        output_type="any",
        flow_name=params.flow_name or flow.name,
        start_component_id=params.start_component_id,
        stop_component_id=params.stop_component_id,
    )
    owner = RunOwner(user_id, flow.id, request.flow_name or flow.name, job.id, log_builds=params.log_builds)

    # A public build's anonymous client reads back only its own session (memory tools included).
    scope = request.session_id if client_id is not None else None

    async def work(emit: EventSink) -> dict[str, Any] | None:
        services = run_services(ctx, user_id=user_id, flow_id=flow.id, emit=emit, session_scope=scope)
        await run_and_record(ctx.sessions, graph, request, services, owner)
        return None

    jobs.runner.start(job.id, work, sessions=ctx.sessions)
    return job


async def start_build(ctx: Context, *, flow_id: uuid.UUID, params: BuildParams) -> Job:
    """Start a build job of the caller's flow ``flow_id`` (Langflow ``POST /api/v1/build/{flow_id}/flow``)
    and return the job (status ``queued``) at once; the build runs in the background.

    ``params.data`` builds that graph instead of the stored one. Events: ``vertices_sorted``,
    ``build_start``, ``add_message``/``end_vertex`` per vertex, ``error`` on failure, ``end``
    (``{"build_duration"}``). Raises Unauthenticated; NotFound("Flow not found") for a missing
    or foreign flow; InvalidInput for bad params (named), a bad ``data`` graph, a flow without
    data, non-empty ``files``, an unknown start/stop component id.
    """
    principal = ctx.require_principal()
    flow = await find_runnable_flow(ctx, str(flow_id))
    return await _launch_build(ctx, flow, params, user_id=principal.user_id, client_id=None)


async def start_public_build(ctx: Context, *, flow_id: uuid.UUID, params: BuildParams, client_id: str) -> Job:
    """Start a build of a PUBLIC flow without credentials (Langflow
    ``POST /api/v1/build_public_tmp/{flow_id}/flow``). It runs as the flow's owner (messages are
    theirs); the job remembers ``client_id``, which then grants access to it.

    Raises NotFound("Flow not found") when the flow is missing or not PUBLIC; InvalidInput when
    ``params.data`` is given (public builds run the stored graph only), for an empty
    ``client_id`` and as :func:`start_build`. The session is :func:`public_session_id`.
    """
    if params.data is not None:
        raise InvalidInput("A public build runs the stored flow only", [FieldProblem("data", "not allowed")])
    if not client_id or text_problem(client_id, 255) is not None:
        raise InvalidInput("A client_id is required", [FieldProblem("client_id", "missing or invalid")])
    async with ctx.sessions() as session:
        flow = await session.scalar(select(Flow).where(Flow.id == flow_id, Flow.access_type == "PUBLIC"))
    if flow is None:
        raise NotFound(FLOW_NOT_FOUND)
    params = dataclasses.replace(params, session_id=public_session_id(client_id, flow.id, params.session_id))
    return await _launch_build(ctx, flow, params, user_id=flow.user_id, client_id=client_id)


#: Longest ``inputs.session`` of a public build (the stored id adds a 37-character prefix).
PUBLIC_SESSION_MAX = 255 - 37


def public_session_id(client_id: str, flow_id: uuid.UUID, requested: str | None) -> str:
    """The session of a public build: the client's virtual flow id (Langflow's
    ``uuid5(NAMESPACE_DNS, f"{client_id}_{flow_id}")``), or ``"<virtual id>:<requested>"`` when
    the client names one, so anonymous clients never write into the owner's or each other's
    sessions."""
    virtual = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{client_id}_{flow_id}"))
    if requested and len(requested) > PUBLIC_SESSION_MAX:
        problem = f"must be at most {PUBLIC_SESSION_MAX} characters in a public build"
        raise InvalidInput(f"inputs.session {problem}", [FieldProblem("inputs.session", problem)])
    return f"{virtual}:{requested}" if requested else virtual


async def start_run_job(ctx: Context, *, flow_id_or_name: str, params: RunParams) -> Job:
    """Start :func:`flowql.resolvers.runs.run_flow` as a background job of kind ``run``
    (Langflow ``POST /api/v1/run/{flow_id_or_name}?stream=true``) and return it at once.

    Its events are the run stream's: ``add_message``, ``token``, ``error`` and ``end`` whose
    data is ``{"result": <the whole run response>}`` (``{}`` after a failure). The job's
    ``result`` holds the run response too. Raises as ``run_flow`` does before anything runs
    (Unauthenticated, NotFound, InvalidInput for bad params or a flow without data).
    """
    principal = ctx.require_principal()
    check_run_params(params)
    flow = await find_runnable_flow(ctx, flow_id_or_name)
    graph = flow_data(flow)
    jobs = ctx.require_jobs()
    job = await create_job(ctx, user_id=principal.user_id, flow_id=flow.id, kind="run", client_id=None)
    request = run_request(flow, params)
    owner = RunOwner(principal.user_id, flow.id, flow.name, job.id)

    async def work(emit: EventSink) -> dict[str, Any] | None:
        services = run_services(ctx, user_id=principal.user_id, flow_id=flow.id, emit=emit)
        outcome = await run_and_record(ctx.sessions, graph, request, services, owner)
        return engine.run_response(outcome)

    jobs.runner.start(job.id, work, sessions=ctx.sessions, keep=RUN_STREAM_EVENTS, result_in_end=True)
    return job
