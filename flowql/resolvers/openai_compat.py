"""OpenAI's Chat Completions and Models APIs on flows (beyond the peer): ``GET /api/v1/models``
lists the caller's flows as models, ``POST /api/v1/chat/completions`` runs the flow named by
``model`` on the last user message, so OpenAI SDKs and chat front ends can talk to any flow.

A plain completion is a run (:func:`flowql.resolvers.runs.run_flow`), a streamed one a job of
kind ``response`` on the same resolver; each in a new session of its own (OpenAI's chat API is
stateless: earlier messages of the request are not replayed).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import Flow, Job
from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import flow_jobs, runs
from flowql.resolvers.input_checks import check_text

#: Longest list of models answered (the caller's most recently updated flows).
MODELS_LIMIT = 1000


def _epoch(value: datetime | None) -> int:
    if value is None:
        return 0
    return int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp())


async def list_models(ctx: Context) -> list[dict[str, Any]]:
    """The caller's flows (not components) as OpenAI ``model`` objects: ``{"id": flow id,
    "object": "model", "created": epoch seconds, "owned_by": username}``. Raises
    Unauthenticated."""
    principal = ctx.require_principal()
    query = (
        select(Flow.id, Flow.updated_at)
        .where(Flow.user_id == principal.user_id, Flow.is_component.is_not(True))
        .order_by(Flow.updated_at.desc(), Flow.id)
        .limit(MODELS_LIMIT)
    )
    async with ctx.sessions() as session:
        rows = (await session.execute(query)).all()
    return [
        {"id": str(flow_id), "object": "model", "created": _epoch(updated), "owned_by": principal.username}
        for flow_id, updated in rows
    ]


async def get_model(ctx: Context, model_id: str) -> dict[str, Any]:
    """OpenAI's ``GET /v1/models/{model}``: the caller's flow ``model_id`` (an id, or one of
    their ``endpoint_name``\\ s) as a ``model`` object (:func:`list_models`). Raises
    Unauthenticated; NotFound("Flow not found") for a missing or foreign flow (answered as
    OpenAI's ``model_not_found``)."""
    principal = ctx.require_principal()
    flow = await runs.find_runnable_flow(ctx, model_id)
    return {
        "id": model_id,
        "object": "model",
        "created": _epoch(flow.updated_at),
        "owned_by": principal.username,
    }


def _content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        texts = [p for p in parts if isinstance(p, str)]
        return "".join(texts) if texts else None
    return None


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last ``user`` message (a string, or its ``text`` parts joined).
    Raises InvalidInput (param ``messages``) when there is none or it is not storable text
    (NUL, lone surrogate)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = _content_text(message.get("content"))
            if text is not None:
                check_text(text, "messages")
                return text
    raise InvalidInput(
        "messages must contain a user message with text", [FieldProblem("messages", "no user message")]
    )


def check_options(*, tools: list[Any] | None = None, n: int | None = None) -> None:
    """Refuse the chat-completion options a flow cannot honour, as OpenAI refuses a bad request
    (a 400, rather than silently answering something else): non-empty ``tools`` (the flow
    decides its own tools) and ``n`` other than 1 (a flow gives one answer)."""
    if tools:
        raise InvalidInput("Tools are not supported yet", [FieldProblem("tools", "not supported")])
    if n is not None and n != 1:
        message = "Only n=1 is supported: a flow gives one answer"
        raise InvalidInput(message, [FieldProblem("n", "must be 1")])


async def start_chat_completion(ctx: Context, *, model: str, messages: list[dict[str, Any]]) -> Job:
    """Start the caller's flow ``model`` on the last user message of ``messages`` (a new session).
    Raises Unauthenticated; InvalidInput (no user message, or as the run would, including
    :func:`flowql.resolvers.runs.preflight`); NotFound ("Flow not found") — all before anything
    is stored."""
    ctx.require_principal()
    text = last_user_text(messages)
    flow = await runs.find_runnable_flow(ctx, model)
    params = runs.RunParams(input_value=text, input_type="chat", output_type="chat")
    return await flow_jobs.start_flow_job(ctx, flow=flow, params=params, kind="response", session_is_job=True)


def completion_usage(usage: dict[str, Any] | None) -> dict[str, int] | None:
    """OpenAI's ``CompletionUsage`` from a run's token counts (None when none were reported)."""
    if not usage:
        return None
    return {
        "prompt_tokens": int(usage.get("input_tokens", 0)),
        "completion_tokens": int(usage.get("output_tokens", 0)),
        "total_tokens": int(usage.get("total_tokens", 0)),
    }


def completion_id(job_or_run_id: Job | str) -> str:
    """``chatcmpl-<hex>`` of a completion job (streamed) or run id (plain)."""
    raw = job_or_run_id.id.hex if isinstance(job_or_run_id, Job) else str(job_or_run_id).replace("-", "")
    return f"chatcmpl-{raw}"


def completion_object(
    *, completion: str, created: int, model: str, text: str, usage: dict[str, Any] | None
) -> dict[str, Any]:
    """OpenAI's ``chat.completion`` holding ``text`` (``finish_reason`` stop)."""
    return {
        "id": completion,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": completion_usage(usage),
    }


async def create_chat_completion(
    ctx: Context, *, model: str, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """Run the caller's flow ``model`` on the last user message in a new session through
    :func:`flowql.resolvers.runs.run_flow` and answer :func:`completion_object`. Raises
    Unauthenticated; InvalidInput (no user message, or as the run does); NotFound("Flow not
    found"); ComponentError when a vertex fails."""
    ctx.require_principal()
    text = last_user_text(messages)
    params = runs.RunParams(
        input_value=text, input_type="chat", output_type="chat", session_id=str(uuid.uuid4())
    )
    outcome = await runs.run_flow(ctx, flow_id_or_name=model, params=params)
    return completion_object(
        completion=completion_id(outcome.run_id),
        created=int(datetime.now(UTC).timestamp()),
        model=model,
        text=flow_jobs.outcome_text(outcome),
        usage=await flow_jobs.run_usage(ctx, outcome.run_id),
    )
