"""Langflow's ``POST /api/v1/webhook/{flow_id_or_name}``: the raw request body starts a
background run (a job of kind ``webhook``, visible through the jobs API) of the flow.

The body goes to the ``data`` field of every ``Webhook`` component of the flow or, when it has
none, is the ``input_value`` of its Chat/Text inputs. Credentials are required unless
``FLOWQL_WEBHOOK_AUTH=false``; then a request without credentials names the flow by its id
only and runs it as its owner. An ``endpoint_name`` is unique per user only, so an anonymous
name lookup could not tell two users' flows apart: resolving it to "the oldest" or "the only"
flow would let another user disable a webhook (by taking the name too) or receive its payloads
(by taking it first). Wrong credentials are always a 401, never treated as no credentials.

The body is checked before anything is stored: UTF-8 text without NUL characters, and when it
is JSON, a document FlowQL can store and send back (no lone surrogate escapes, finite numbers,
at most :data:`~flowql.resolvers.input_checks.MAX_JSON_DEPTH` levels deep).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import Flow, Job, User
from flowql.errors import FieldProblem, InvalidInput, NotFound, Unauthenticated
from flowql.resolvers import flow_jobs, runs
from flowql.resolvers.flow_db import FLOW_NOT_FOUND
from flowql.resolvers.input_checks import MAX_JSON_DEPTH, check_json, text_problem
from flowql.settings import Settings

log = logging.getLogger("flowql.webhook")

WEBHOOK_TYPE = "Webhook"
OPEN_WARNING = "FLOWQL_WEBHOOK_AUTH is false: anyone who knows a flow id can run it through its webhook"
BODY = "body"


def warn_if_open(settings: Settings) -> None:
    """Log a warning (at start) when webhooks take no credentials."""
    if not settings.webhook_auth:
        log.warning(OPEN_WARNING)


async def _open_flow(ctx: Context, flow_id_or_name: str) -> tuple[Flow, Principal]:
    """Without credentials: the flow by its id only (see the module docstring) and its owner."""
    try:
        flow_id = uuid.UUID(flow_id_or_name)
    except ValueError:
        raise NotFound(FLOW_NOT_FOUND) from None
    async with ctx.sessions() as session:
        flow = await session.get(Flow, flow_id)
        owner = await session.get(User, flow.user_id) if flow is not None else None
    if flow is None or owner is None or not owner.is_active:
        raise NotFound(FLOW_NOT_FOUND)
    return flow, Principal(owner.id, owner.username, owner.is_superuser, "local")


def webhook_text(body: bytes) -> str:
    """The body as text, checked as the module docstring says. Raises InvalidInput naming
    ``body`` (with a plain message: no parser internals)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The webhook body must be UTF-8 text", [FieldProblem(BODY, "not UTF-8")]) from None
    if (problem := text_problem(text)) is not None:
        raise InvalidInput(f"The webhook body {problem}", [FieldProblem(BODY, problem)])
    try:
        value = json.loads(text)
    except RecursionError:
        problem = f"is nested deeper than {MAX_JSON_DEPTH} levels"
        raise InvalidInput(f"The webhook body {problem}", [FieldProblem(BODY, problem)]) from None
    except ValueError:
        return text  # not JSON: the payload is the text itself
    check_json(value, BODY)
    return text


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


async def start_webhook(
    ctx: Context, *, flow_id_or_name: str, body: bytes, credentials_given: bool = False
) -> Job:
    """Start the webhook run of ``flow_id_or_name`` with ``body`` and return its job (queued).

    ``credentials_given`` says the request carried credentials (valid or not). Raises
    Unauthenticated without a principal when credentials were given (wrong ones) or
    ``webhook_auth`` is on; NotFound("Flow not found") for a missing or foreign flow (and,
    anonymously, for a name); InvalidInput for a body :func:`webhook_text` refuses or a flow
    that cannot run (:func:`flowql.resolvers.runs.preflight`) — all before anything is stored.
    """
    if ctx.principal is not None:
        flow = await runs.find_runnable_flow(ctx, flow_id_or_name)
        run_ctx = ctx
    elif ctx.settings.webhook_auth or credentials_given:
        raise Unauthenticated("Not authenticated")
    else:
        flow, owner = await _open_flow(ctx, flow_id_or_name)
        run_ctx = dataclasses.replace(ctx, principal=owner)
    text = webhook_text(body)
    return await flow_jobs.start_flow_job(
        run_ctx, flow=flow, params=webhook_params(flow, text), kind="webhook"
    )
