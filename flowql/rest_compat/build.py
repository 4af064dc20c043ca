"""Langflow's build routes: ``POST /api/v1/build/{flow_id}/flow``,
``GET /api/v1/build/{job_id}/events`` and ``POST /api/v1/build/{job_id}/cancel``.

A build is a background job (``resolvers.jobs``); its events are read by streaming, by polling or,
with ``event_delivery=direct``, in the POST answer itself. Framing: ``rest_compat.job_stream``.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response

from flowql.context import Context
from flowql.resolvers import jobs
from flowql.rest_compat import job_stream
from flowql.rest_compat.build_models import (
    ALREADY_FINISHED_MESSAGE,
    CANCELLED_MESSAGE,
    BuildBody,
    BuildInputs,
    CancelFlowResponse,
    EventDelivery,
)
from flowql.rest_compat.deps import Ctx

router = APIRouter(prefix="/api/v1", tags=["Chat"])


def build_params(
    inputs: BuildInputs | None,
    *,
    data: dict[str, object] | None = None,
    files: list[str] | None = None,
    start_component_id: str | None = None,
    stop_component_id: str | None = None,
    log_builds: bool = True,
    flow_name: str | None = None,
) -> jobs.BuildParams:
    """The resolver's BuildParams from the query and body (``inputs.type`` defaults to ``any``,
    as in Langflow)."""
    given = inputs or BuildInputs()
    return jobs.BuildParams(
        input_value=given.input_value,
        input_type=given.type or "any",
        session_id=given.session,
        data=data,
        files=files,
        start_component_id=start_component_id,
        stop_component_id=stop_component_id,
        log_builds=log_builds,
        flow_name=flow_name,
    )


async def started_response(
    ctx: Context, job_id: uuid.UUID, delivery: EventDelivery, client_id: str | None = None
) -> Response:
    """``{"job_id"}`` for ``polling``/``streaming``; for ``direct`` the NDJSON stream itself
    (dropping that stream cancels the job: its id was never handed out)."""
    if delivery == "direct":
        return await job_stream.stream_response(ctx, job_id=job_id, client_id=client_id, cancel_on_drop=True)
    return JSONResponse({"job_id": str(job_id)})


def cancel_answer(cancelled: bool) -> CancelFlowResponse:
    """``success`` is true both when the job was cancelled and when it had already ended
    (Langflow: "cancellation succeeded or wasn't needed"); the message tells which."""
    return CancelFlowResponse(
        success=True, message=CANCELLED_MESSAGE if cancelled else ALREADY_FINISHED_MESSAGE
    )


@router.post("/build/{flow_id}/flow")
async def build_flow(
    ctx: Ctx,
    flow_id: uuid.UUID,
    body: Annotated[BuildBody | None, Body()] = None,
    start_component_id: str | None = None,
    stop_component_id: str | None = None,
    log_builds: bool = True,
    flow_name: str | None = None,
    event_delivery: EventDelivery = "polling",
) -> Response:
    """Start building the caller's flow (or the body's ``data`` graph in its place).

    Answers ``{"job_id"}`` (``polling``, the default, and ``streaming``) or, with ``direct``, the
    NDJSON event stream. 404 ``Flow not found`` (missing or another user's flow); 422 for a bad
    graph, an unknown ``start_component_id``/``stop_component_id`` or a non-empty ``files``.
    """
    given = body or BuildBody()
    params = build_params(
        given.inputs,
        data=given.data.model_dump() if given.data is not None else None,
        files=given.files,
        start_component_id=start_component_id,
        stop_component_id=stop_component_id,
        log_builds=log_builds,
        flow_name=flow_name,
    )
    job = await jobs.start_build(ctx, flow_id=flow_id, params=params)
    return await started_response(ctx, job.id, event_delivery)


@router.get("/build/{job_id}/events")
async def get_build_events(
    ctx: Ctx, job_id: uuid.UUID, event_delivery: EventDelivery = "streaming"
) -> Response:
    """The job's events: ``streaming`` (default) NDJSON until the terminal event (dropping it
    does not cancel the job); ``polling`` the events since the previous poll in one NDJSON body,
    or the terminal event again once the job has ended. 404 for an unknown or foreign job."""
    return await job_stream.events_response(ctx, job_id=job_id, delivery=event_delivery)


@router.post("/build/{job_id}/cancel", response_model=CancelFlowResponse)
async def cancel_build(ctx: Ctx, job_id: uuid.UUID) -> CancelFlowResponse:
    """Cancel the caller's job: its stream ends with ``error`` then ``end``. A job that has
    already ended answers ``success: true`` too (harmless). 404 for an unknown or foreign job."""
    return cancel_answer(await jobs.cancel_job(ctx, job_id=job_id))
