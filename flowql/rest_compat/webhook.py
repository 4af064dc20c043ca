"""Langflow's ``POST /api/v1/webhook/{flow_id_or_name}``: the raw body starts a background run
(see :mod:`flowql.resolvers.webhook`); the answer is 202
``{"message", "status": "in progress", "job_id"}`` and the job is read through the jobs API
(``GET /api/v1/build/{job_id}/events``, ``GET /api/v2/workflows?job_id=``, GraphQL ``job``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from flowql.resolvers import webhook
from flowql.rest_compat.deps import OptionalCtx

router = APIRouter(prefix="/api/v1", tags=["Base"])

STARTED_MESSAGE = "Task started in the background"


class WebhookAnswer(BaseModel):
    """The 202 answer of a webhook."""

    message: str
    status: str
    job_id: str


def credentials_given(request: Request) -> bool:
    """Whether ``request`` carries any credential FlowQL reads (a bearer token, an
    ``x-api-key`` header or query parameter, the ``access_token_lf`` cookie), valid or not."""
    return bool(
        request.headers.get("authorization")
        or request.headers.get("x-api-key")
        or request.query_params.get("x-api-key")
        or request.cookies.get("access_token_lf")
    )


@router.post("/webhook/{flow_id_or_name}", status_code=202, response_model=WebhookAnswer)
async def webhook_run_flow(ctx: OptionalCtx, flow_id_or_name: str, request: Request) -> WebhookAnswer:
    """Run the flow in the background with the raw request body as the payload of its Webhook
    component (or the input of its Chat/Text inputs when it has none). 401 without credentials
    unless ``FLOWQL_WEBHOOK_AUTH=false``, and always for wrong credentials; 404 ``Flow not
    found`` (also another user's flow; anonymously, a flow named by anything but its id);
    422 for a body that is not UTF-8 text, holds NUL, is JSON FlowQL cannot store (lone
    surrogate escapes, non-finite numbers, too deep), or a flow that cannot run."""
    job = await webhook.start_webhook(
        ctx,
        flow_id_or_name=flow_id_or_name,
        body=await request.body(),
        credentials_given=credentials_given(request),
    )
    return WebhookAnswer(message=STARTED_MESSAGE, status="in progress", job_id=str(job.id))
