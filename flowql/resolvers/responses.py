"""The OpenAI Responses API on a flow (Langflow ``POST /api/v1/responses``): ``model`` is the
caller's flow id (or ``endpoint_name``), ``input`` the text given to its input vertices.

Every response is a job of kind ``response`` on the one run resolver; the response id is the
job id and a new conversation's session is that id, so ``previous_response_id`` continues the
previous response's session. Bodies follow OpenAI's ``Response`` object
(``output[0].content[0].text``, ``usage`` with ``input_tokens`` / ``output_tokens`` /
``total_tokens``, null when no model reported tokens).
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import Job
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.jobs import COMPLETED
from flowql.resolvers import flow_jobs, runs
from flowql.resolvers.input_checks import check_text

RESPONSE_NOT_FOUND = "Response not found"


def previous_response_missing(previous_id: str) -> NotFound:
    """The NotFound of an unknown, foreign or unfinished ``previous_response_id``."""
    return NotFound(f"Previous response with id '{previous_id}' not found.")


async def _previous_session(ctx: Context, previous_id: str) -> str:
    principal = ctx.require_principal()
    try:
        job_id = uuid.UUID(previous_id.removeprefix("resp_"))
    except ValueError:
        raise previous_response_missing(previous_id) from None
    query = select(Job.result).where(
        Job.id == job_id, Job.user_id == principal.user_id, Job.kind == "response", Job.status == COMPLETED
    )
    async with ctx.sessions() as session:
        result = await session.scalar(query)
    session_id = result.get("session_id") if isinstance(result, dict) else None
    if not isinstance(session_id, str):
        raise previous_response_missing(previous_id)
    return session_id


async def start_response(
    ctx: Context,
    *,
    model: str,
    input_text: str,
    previous_response_id: str | None = None,
    tools: list[Any] | None = None,
    background: bool = False,
) -> Job:
    """Start a response job: run the caller's flow ``model`` on ``input_text`` (``chat`` input),
    in the session of ``previous_response_id`` when given, else a new session (the job id).

    Raises Unauthenticated; InvalidInput for non-empty ``tools`` or ``background`` (not
    supported: FlowQL has no ``GET /responses/{id}`` to poll, so an SDK user would wait for
    nothing; OpenAI answers a 400 for what it cannot do), for ``input`` that is not storable
    text (param ``input``); NotFound ("Flow not found") for a missing or foreign flow; NotFound
    for an unknown, foreign or unfinished previous response; InvalidInput as the run would
    (bad tweak, no data, :func:`flowql.resolvers.runs.preflight`) — all before anything is
    stored.
    """
    ctx.require_principal()
    if tools:
        raise InvalidInput("Tools are not supported yet", [FieldProblem("tools", "not supported")])
    if background:
        message = "Background responses are not supported yet"
        raise InvalidInput(message, [FieldProblem("background", "not supported")])
    check_text(input_text, "input")
    flow = await runs.find_runnable_flow(ctx, model)
    session = await _previous_session(ctx, previous_response_id) if previous_response_id else None
    params = runs.RunParams(input_value=input_text, input_type="chat", output_type="chat", session_id=session)
    return await flow_jobs.start_flow_job(ctx, flow=flow, params=params, kind="response", session_is_job=True)


def _created(job: Job) -> int:
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=UTC)
    return int(created.timestamp())


def openai_usage(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's ``ResponseUsage`` from a run's token counts (None stays None)."""
    if not usage:
        return None
    return {
        "input_tokens": usage.get("input_tokens", 0),
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.get("output_tokens", 0),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.get("total_tokens", 0),
    }


def message_item(response_id: str, text: str | None, status: str = "completed") -> dict[str, Any]:
    """The assistant ``message`` output item holding ``text`` (no content while ``None``)."""
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    return {
        "type": "message",
        "id": f"msg_{response_id}",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def response_object(
    job: Job, *, model: str, previous_response_id: str | None = None, in_progress: bool = False
) -> dict[str, Any]:
    """OpenAI's ``Response`` object for response job ``job`` (``status`` in_progress while
    ``in_progress``, else completed / failed / cancelled from the job)."""
    result = job.result if isinstance(job.result, dict) else {}
    response_id = str(job.id)
    if in_progress:
        status, output, error = "in_progress", [], None
    elif job.status == COMPLETED:
        status, output, error = "completed", [message_item(response_id, str(result.get("text") or ""))], None
    else:
        status, output = ("cancelled" if job.status == "cancelled" else "failed"), []
        error = {"code": "server_error", "message": job.error or "Run failed"}
    return {
        "id": response_id,
        "object": "response",
        "created_at": _created(job),
        "status": status,
        "error": error,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": previous_response_id,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None if in_progress else openai_usage(result.get("usage")),
        "user": None,
        "metadata": {},
    }


async def run_response(
    ctx: Context,
    *,
    model: str,
    input_text: str,
    previous_response_id: str | None = None,
    tools: list[Any] | None = None,
    background: bool = False,
) -> Job:
    """Run :func:`start_response` to its end and return the ended job (its ``result`` holds
    ``text``, ``session_id`` and ``usage`` when it completed). Raises as :func:`start_response`."""
    job = await start_response(
        ctx,
        model=model,
        input_text=input_text,
        previous_response_id=previous_response_id,
        tools=tools,
        background=background,
    )
    return await flow_jobs.wait_for_job(ctx, job.id)


async def create_response(
    ctx: Context,
    *,
    model: str,
    input_text: str,
    previous_response_id: str | None = None,
    tools: list[Any] | None = None,
    background: bool = False,
) -> dict[str, Any]:
    """:func:`run_response` answered as :func:`response_object` (Langflow
    ``POST /api/v1/responses`` without ``stream``). Raises as :func:`start_response`."""
    ended = await run_response(
        ctx,
        model=model,
        input_text=input_text,
        previous_response_id=previous_response_id,
        tools=tools,
        background=background,
    )
    return response_object(ended, model=model, previous_response_id=previous_response_id)
