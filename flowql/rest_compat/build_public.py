"""Langflow's public build routes (no credentials): ``POST /api/v1/build_public_tmp/{flow_id}/flow``,
``GET /api/v1/build_public_tmp/{job_id}/events`` and ``POST /api/v1/build_public_tmp/{job_id}/cancel``.

Only flows whose ``access_type`` is ``PUBLIC`` build here, always from the stored graph. The
caller is identified by the ``client_id`` cookie: one is generated (and set on the answer) when
the request has none, and a job's events and cancel answer only to the cookie that started it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Cookie
from fastapi.responses import Response

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import jobs
from flowql.rest_compat import job_stream
from flowql.rest_compat.build import build_params, cancel_answer, started_response
from flowql.rest_compat.build_models import CancelFlowResponse, EventDelivery, PublicBuildBody
from flowql.rest_compat.deps import PublicCtx

router = APIRouter(prefix="/api/v1", tags=["Chat"])

CLIENT_ID_COOKIE = "client_id"
#: How long a generated ``client_id`` cookie lives (one year, in seconds).
CLIENT_ID_MAX_AGE = 365 * 24 * 3600
DATA_REFUSED = "A public build runs the stored flow: 'data' is not accepted"

ClientId = Annotated[str | None, Cookie(alias=CLIENT_ID_COOKIE)]


@router.post("/build_public_tmp/{flow_id}/flow")
async def build_public_flow(
    ctx: PublicCtx,
    flow_id: uuid.UUID,
    client_id: ClientId = None,
    body: Annotated[PublicBuildBody | None, Body()] = None,
    start_component_id: str | None = None,
    stop_component_id: str | None = None,
    log_builds: bool = True,
    flow_name: str | None = None,
    event_delivery: EventDelivery = "polling",
) -> Response:
    """Build a PUBLIC flow as its owner, for the caller's ``client_id`` cookie.

    Answers like ``POST /api/v1/build/{flow_id}/flow`` (``{"job_id"}`` or the ``direct`` stream).
    404 ``Flow not found`` when the flow is missing or not PUBLIC; 422 when the body carries a
    ``data`` graph or a non-empty ``files``.
    """
    given = body or PublicBuildBody()
    if given.data is not None:
        raise InvalidInput(DATA_REFUSED, [FieldProblem("data", "not accepted by the public build")])
    cookie = client_id or str(uuid.uuid4())
    params = build_params(
        given.inputs,
        files=given.files,
        start_component_id=start_component_id,
        stop_component_id=stop_component_id,
        log_builds=log_builds,
        flow_name=flow_name,
    )
    job = await jobs.start_public_build(ctx, flow_id=flow_id, params=params, client_id=cookie)
    response = await started_response(ctx, job.id, event_delivery, client_id=cookie)
    if client_id is None:
        response.set_cookie(
            CLIENT_ID_COOKIE, cookie, max_age=CLIENT_ID_MAX_AGE, path="/", httponly=True, samesite="lax"
        )
    return response


@router.get("/build_public_tmp/{job_id}/events")
async def get_public_build_events(
    ctx: PublicCtx, job_id: uuid.UUID, client_id: ClientId = None, event_delivery: EventDelivery = "streaming"
) -> Response:
    """The events of a public job started with this ``client_id`` cookie (as
    ``GET /api/v1/build/{job_id}/events``); 404 for any other job or without the cookie."""
    owner = job_stream.require_client_id(client_id)
    return await job_stream.events_response(ctx, job_id=job_id, delivery=event_delivery, client_id=owner)


@router.post("/build_public_tmp/{job_id}/cancel", response_model=CancelFlowResponse)
async def cancel_public_build(
    ctx: PublicCtx, job_id: uuid.UUID, client_id: ClientId = None
) -> CancelFlowResponse:
    """Cancel a public job started with this ``client_id`` cookie (as
    ``POST /api/v1/build/{job_id}/cancel``); 404 for any other job or without the cookie."""
    owner = job_stream.require_client_id(client_id)
    return cancel_answer(await jobs.cancel_job(ctx, job_id=job_id, client_id=owner))
