"""Langflow's ``POST /api/v1/run/{flow_id_or_name}`` (non-streaming).

The body's fields come flat (what clients send) or wrapped in ``input_request`` (the OpenAPI
form). Streaming (``?stream=true`` or ``"stream": true``) is not implemented yet and answers 422
rather than silently returning a non-streamed body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import runs
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import RunBody

router = APIRouter(prefix="/api/v1", tags=["Base"])

STREAMING_UNSUPPORTED = "streaming is not supported yet: send stream=false (or omit it)"


@router.post("/run/{flow_id_or_name}")
async def simplified_run_flow(
    ctx: Ctx,
    flow_id_or_name: str,
    body: Annotated[RunBody | None, Body()] = None,
    stream: bool = False,
) -> JSONResponse:
    """Run the caller's flow by id or by its own ``endpoint_name`` and answer Langflow's
    ``RunResponse`` (``{"session_id", "outputs": [{"inputs", "outputs": [...]}]}``).

    422: bad ``input_type``/``output_type``, an unknown tweak key (named), ``stream`` requested,
    a component FlowQL does not implement (node id and type named); 404 ``Flow not found``.
    """
    request = (body or RunBody()).effective()
    if stream or request.stream:
        raise InvalidInput(STREAMING_UNSUPPORTED, [FieldProblem("stream", "not supported yet")])
    params = runs.RunParams(
        input_value=request.input_value,
        input_type=request.input_type or "chat",
        output_type=request.output_type or "chat",
        output_component=request.output_component or None,
        tweaks=dict(request.tweaks or {}),
        session_id=request.session_id,
    )
    outcome = await runs.run_flow(ctx, flow_id_or_name=flow_id_or_name, params=params)
    return JSONResponse(runs.run_response_body(outcome))
