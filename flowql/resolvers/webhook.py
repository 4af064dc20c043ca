"""Langflow's ``POST /api/v1/webhook/{flow_id_or_name}``: the raw request body starts a
background run (a job of kind ``webhook``, visible through the jobs API) of the flow.

The body goes to the ``data`` field of every ``Webhook`` component of the flow or, when it has
none, is the ``input_value`` of its Chat/Text inputs. Credentials are required unless
``FLOWQL_WEBHOOK_AUTH=false``; then the flow is found by id (or by an ``endpoint_name`` only
one user has) and runs as its owner.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import Flow, Job, User
from flowql.errors import FieldProblem, InvalidInput, NotFound, Unauthenticated
from flowql.resolvers import flow_jobs, runs
from flowql.resolvers.flow_db import FLOW_NOT_FOUND
from flowql.resolvers.input_checks import text_problem
from flowql.settings import Settings

log = logging.getLogger("flowql.webhook")

WEBHOOK_TYPE = "Webhook"
OPEN_WARNING = "FLOWQL_WEBHOOK_AUTH is false: anyone who knows a flow id can run it through its webhook"


def warn_if_open(settings: Settings) -> None:
    """Log a warning (at start) when webhooks take no credentials."""
    if not settings.webhook_auth:
        log.warning(OPEN_WARNING)


async def _open_flow(ctx: Context, flow_id_or_name: str) -> tuple[Flow, Principal]:
    """Without credentials: the flow by id, or by an endpoint name only one user has; its owner."""
    if text_problem(flow_id_or_name, 255) is not None:
        raise NotFound(FLOW_NOT_FOUND)
    query = select(Flow)
    try:
        query = query.where(Flow.id == uuid.UUID(flow_id_or_name))
    except ValueError:
        query = query.where(Flow.endpoint_name == flow_id_or_name)
    async with ctx.sessions() as session:
        flows = list((await session.scalars(query.limit(2))).all())
        if len(flows) != 1:
            raise NotFound(FLOW_NOT_FOUND)
        owner = await session.get(User, flows[0].user_id)
    if owner is None or not owner.is_active:
        raise NotFound(FLOW_NOT_FOUND)
    return flows[0], Principal(owner.id, owner.username, owner.is_superuser, "local")


def webhook_params(flow: Flow, body: str) -> runs.RunParams:
    """``body`` in the ``data`` field of each Webhook component, else as the input value."""
    nodes = (flow.data or {}).get("nodes") or []
    hooks = [
        str(n.get("id"))
        for n in nodes
        if isinstance(n, dict) and isinstance(n.get("data"), dict) and n["data"].get("type") == WEBHOOK_TYPE
    ]
    if hooks:
        return runs.RunParams(input_value=None, output_type="any", tweaks={h: {"data": body} for h in hooks})
    return runs.RunParams(input_value=body, input_type="any", output_type="any")


async def start_webhook(ctx: Context, *, flow_id_or_name: str, body: bytes) -> Job:
    """Start the webhook run of ``flow_id_or_name`` with ``body`` and return its job (queued).

    Raises Unauthenticated without credentials (unless ``webhook_auth`` is off); NotFound
    ("Flow not found") for a missing or foreign flow; InvalidInput for a body that is not UTF-8
    text or a flow that cannot run — all before anything runs.
    """
    if ctx.principal is not None:
        flow = await runs.find_runnable_flow(ctx, flow_id_or_name)
        run_ctx = ctx
    elif ctx.settings.webhook_auth:
        raise Unauthenticated("Not authenticated")
    else:
        flow, owner = await _open_flow(ctx, flow_id_or_name)
        run_ctx = Context(
            settings=ctx.settings,
            sessions=ctx.sessions,
            principal=owner,
            global_vars=ctx.global_vars,
            jobs=ctx.jobs,
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The webhook body must be UTF-8 text", [FieldProblem("body", "not UTF-8")]
        ) from None
    return await flow_jobs.start_flow_job(
        run_ctx, flow=flow, params=webhook_params(flow, text), kind="webhook"
    )
