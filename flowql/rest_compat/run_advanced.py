"""Langflow's ``POST /api/v1/run/advanced/{flow_id_or_name}``: several ``inputs`` (each for the
``components`` it names), an ``outputs`` selection, ``tweaks``, ``session_id`` and ``stream``.

The answer is ``/run``'s ``RunResponse``; with ``stream`` it is ``/run?stream=true``'s event
stream (raw JSON lines, ``end``'s ``data.result`` the whole run response).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from flowql.resolvers import flow_jobs, jobs, runs
from flowql.rest_compat import job_stream
from flowql.rest_compat.deps import Ctx

router = APIRouter(prefix="/api/v1", tags=["Base"])


class AdvancedInputIn(BaseModel):
    """Langflow ``InputValueRequest``: ``input_value`` for ``components`` (ids or display names;
    none: every input vertex of ``type``), ``session`` the run's session."""

    model_config = ConfigDict(extra="forbid")

    components: list[str] | None = None
    input_value: str | None = None
    session: str | None = None
    type: Literal["chat", "text", "any"] | None = "any"
    client_request_time: int | None = None


class AdvancedRunBody(BaseModel):
    """Langflow's ``Body_experimental_run_flow_api_v1_run_advanced__flow_id_or_name__post``."""

    inputs: list[AdvancedInputIn] | None = None
    outputs: list[str] | None = None
    tweaks: dict[str, Any] | None = None
    stream: bool = False
    session_id: str | None = None


def advanced_run_line(record: jobs.JobEventRecord) -> dict[str, Any] | None:
    """``/run?stream=true`` framing of a run job whose result is ``flow_jobs.outcome_result``:
    ``end`` carries ``{"result": <the run response>}``."""
    if record.event == jobs.TERMINAL_EVENT:
        result = record.data.get("result")
        return {"event": record.event, "data": {"result": result["run"]} if isinstance(result, dict) else {}}
    return job_stream.run_line(record)


@router.post("/run/advanced/{flow_id_or_name}")
async def experimental_run_flow(
    ctx: Ctx, flow_id_or_name: str, body: Annotated[AdvancedRunBody | None, Body()] = None
) -> Response:
    """Run the caller's flow (by id or its own ``endpoint_name``) with several inputs; answers
    ``{"session_id", "outputs": [{"inputs", "outputs": [...]}]}`` holding the ``outputs`` asked
    for (all output vertices when none), or with ``stream`` the ``/run`` event stream.

    422 for an unknown component in ``inputs[].components`` or ``outputs``, a bad tweak key,
    two inputs naming no component; 404 ``Flow not found`` (also another user's flow).
    """
    given = body or AdvancedRunBody()
    inputs = [
        runs.AdvancedInput(
            input_value=i.input_value,
            components=list(i.components or []),
            session=i.session,
            type=i.type or "any",
        )
        for i in given.inputs or []
    ]
    if given.stream:
        flow = await runs.find_runnable_flow(ctx, flow_id_or_name)
        params = runs.advanced_params(
            flow, inputs=inputs, outputs=given.outputs, tweaks=given.tweaks, session_id=given.session_id
        )
        job = await flow_jobs.start_flow_job(ctx, flow=flow, params=params, kind="run", outputs=given.outputs)
        return await job_stream.stream_response(
            ctx,
            job_id=job.id,
            media_type=job_stream.EVENT_STREAM,
            shape=advanced_run_line,
            cancel_on_drop=True,
        )
    outcome = await runs.run_flow_advanced(
        ctx,
        flow_id_or_name=flow_id_or_name,
        inputs=inputs,
        outputs=given.outputs,
        tweaks=given.tweaks,
        session_id=given.session_id,
    )
    return JSONResponse(runs.run_response_body(outcome))
