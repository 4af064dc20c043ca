"""Run jobs of any kind (workflow, webhook, response, run): the one run resolver
(:func:`flowql.resolvers.runs.run_flow`'s pieces) as background work, with a result every run
surface can shape.

A job's ``result`` (and its ``end`` event's ``data.result``) is :func:`outcome_result`:
``{"run": <the /api/v1/run response>, "outputs": {component_id: {...}}, "text", "session_id",
"usage"}``. What the caller asked for (v2 workflows: the echoed inputs, the session and
``output_ids``) is kept apart, in the job's ``params``, from the start.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select, update

from flowql import engine
from flowql.context import Context
from flowql.db.models import Flow, Job, Span
from flowql.engine.types import EventSink, RunOutcome
from flowql.resolvers import jobs, runs
from flowql.resolvers.job_builds import create_job
from flowql.resolvers.run_records import RunOwner, run_and_record

#: The events a run-like job records by default (the ``/api/v1/run?stream=true`` events).
RUN_EVENTS = frozenset({"add_message", "token", "remove_message", "error", "end"})


async def run_usage(ctx: Context, run_id: str) -> dict[str, int] | None:
    """The model tokens a finished run used, from its trace's vertex spans:
    ``{"input_tokens", "output_tokens", "total_tokens"}``, or None when no model reported any."""
    try:
        trace_id = uuid.UUID(run_id)
    except ValueError:
        return None
    query = select(Span.token_usage).where(Span.trace_id == trace_id, Span.parent_span_id.is_(None))
    async with ctx.sessions() as session:
        usages = [u for u in await session.scalars(query) if isinstance(u, dict)]
    if not usages:
        return None
    totals = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    for usage in usages:
        for key in totals:
            value = usage.get(key)
            totals[key] += value if isinstance(value, int) else 0
    if not totals["total_tokens"]:
        totals["total_tokens"] = totals["input_tokens"] + totals["output_tokens"]
    return totals


def outcome_text(outcome: RunOutcome) -> str:
    """The run's answer: the text of its last output vertex that has one (``""`` when none)."""
    texts = [o.text for o in outcome.outputs if o.text is not None]
    return texts[-1] if texts else ""


def component_outputs(outcome: RunOutcome) -> dict[str, dict[str, Any]]:
    """Langflow v2 ``outputs``: ``{component_id: {type, status, display_name, content, metadata}}``."""
    return {
        o.component_id: {
            "type": "message" if o.message is not None else "text",
            "status": "completed",
            "display_name": o.display_name,
            "content": o.text,
            "metadata": {"component_type": o.component_type, "output_name": o.output_name},
        }
        for o in outcome.outputs
    }


async def outcome_result(ctx: Context, outcome: RunOutcome) -> dict[str, Any]:
    """What a run job keeps as its result (see the module docstring)."""
    return {
        "run": engine.run_response(outcome),
        "outputs": component_outputs(outcome),
        "text": outcome_text(outcome),
        "session_id": outcome.session_id,
        "usage": await run_usage(ctx, outcome.run_id),
    }


async def _keep_params(ctx: Context, job: Job, params: dict[str, Any]) -> None:
    job.params = params
    async with ctx.sessions() as session:
        await session.execute(update(Job).where(Job.id == job.id).values(params=params))
        await session.commit()


async def start_flow_job(
    ctx: Context,
    *,
    flow: Flow,
    params: runs.RunParams,
    kind: str,
    keep: Collection[str] | None = RUN_EVENTS,
    session_is_job: bool = False,
    outputs: list[str] | None = None,
    echo: dict[str, Any] | None = None,
) -> Job:
    """Start ``flow`` (already found for the caller) with ``params`` as a background job of
    ``kind`` owned by the caller and return it (status ``queued``). Its ``end`` event carries
    ``{"result": outcome_result}``; ``keep`` limits the recorded events (None: all build
    events). ``outputs`` keeps only those output vertices (see
    :func:`flowql.resolvers.runs.select_outputs`). ``session_is_job`` makes the job id the
    session when ``params`` names none. ``echo``, when given, is kept as the job's ``params``
    (with ``"session_id"``, the session the run uses) before the run starts.
    Raises InvalidInput for bad params, a flow without data or anything
    :func:`flowql.resolvers.runs.preflight` refuses (UnsupportedComponent included), before
    anything is stored."""
    principal = ctx.require_principal()
    runs.check_run_params(params)
    graph = runs.flow_data(flow)
    runs.preflight(graph, runs.run_request(flow, params))
    job = await create_job(ctx, user_id=principal.user_id, flow_id=flow.id, kind=kind)
    if session_is_job and not params.session_id:
        params = dataclasses.replace(params, session_id=str(job.id))
    request = runs.run_request(flow, params)
    owner = RunOwner(principal.user_id, flow.id, flow.name, job.id)
    if echo is not None:
        await _keep_params(ctx, job, {**echo, "session_id": request.session_id})

    async def work(emit: EventSink) -> dict[str, Any] | None:
        services = runs.run_services(ctx, user_id=principal.user_id, flow_id=flow.id, emit=emit)
        outcome = await run_and_record(ctx.sessions, graph, request, services, owner)
        return await outcome_result(ctx, runs.select_outputs(outcome, outputs))

    ctx.require_jobs().runner.start(job.id, work, sessions=ctx.sessions, keep=keep, result_in_end=True)
    return job


async def wait_for_job(ctx: Context, job_id: uuid.UUID) -> Job:
    """Follow the caller's job until its terminal event, then return the ended job row."""
    async for record in jobs.watch_job(ctx, job_id=job_id):
        if record.terminal:
            break
    return await jobs.get_job(ctx, job_id=job_id)
