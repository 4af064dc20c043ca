"""Langflow's ``POST /api/v1/run/{flow_id_or_name}``, plain or streamed.

The body's fields come flat (what clients send) or wrapped in ``input_request`` (the OpenAPI
form). With ``?stream=true`` or ``"stream": true`` (Langflow's Python SDK sends it in the body)
the run is a background job whose ``add_message``, ``token``, ``error`` and ``end`` events are
streamed as ``text/event-stream`` in the peer's raw JSON lines (no ``data:`` prefix); ``end``'s
``data.result`` is the whole run response. Dropping that connection cancels the run.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response

from flowql.resolvers import jobs, runs
from flowql.rest_compat import job_stream
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import RunBody

router = APIRouter(prefix="/api/v1", tags=["Base"])


@router.post("/run/{flow_id_or_name}")
async def simplified_run_flow(
    ctx: Ctx,
    flow_id_or_name: str,
    body: Annotated[RunBody | None, Body()] = None,
    stream: bool = False,
) -> Response:
    """Run the caller's flow by id or by its own ``endpoint_name`` and answer Langflow's
    ``RunResponse`` (``{"session_id", "outputs": [{"inputs", "outputs": [...]}]}``), or with
    ``stream`` its event stream (see the module docstring).

    422: bad ``input_type``/``output_type``, an unknown tweak key (named), a component FlowQL
    does not implement (node id and type named); 404 ``Flow not found``.
    """
    request = (body or RunBody()).effective()
    params = runs.RunParams(
        input_value=request.input_value,
        input_type=request.input_type or "chat",
        output_type=request.output_type or "chat",
        output_component=request.output_component or None,
        tweaks=dict(request.tweaks or {}),
        session_id=request.session_id,
    )
    if stream or request.stream or (body is not None and body.stream):
        job = await jobs.start_run_job(ctx, flow_id_or_name=flow_id_or_name, params=params)
        return await job_stream.stream_response(
            ctx,
            job_id=job.id,
            media_type=job_stream.EVENT_STREAM,
            shape=job_stream.run_line,
            cancel_on_drop=True,
        )
    outcome = await runs.run_flow(ctx, flow_id_or_name=flow_id_or_name, params=params)
    return JSONResponse(runs.run_response_body(outcome))
