"""GraphQL ``runWorkflow`` (as REST ``POST /api/v2/workflows``) and ``createResponse`` (as REST
``POST /api/v1/responses``): parse arguments → one resolver call → shape."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.errors import DomainError, FieldProblem, InvalidInput
from flowql.resolvers import responses, runs, workflows
from flowql.schema.context import Info
from flowql.schema.errors import job_error
from flowql.schema.job_fields import JobResult
from flowql.schema.types.jobs import Job
from flowql.schema.types.runs import TokenUsage


@strawberry.type(description="An OpenAI-style response of a flow (as REST POST /api/v1/responses).")
class ResponseObject:
    """The answer of ``createResponse``: its id (pass it as ``previousResponseId`` to continue
    the session), ``status`` (completed, failed or cancelled), the flow's text and token usage;
    ``error`` says why a failed or cancelled run gave no text (null when completed), as OpenAI's
    ``Response.error.message``."""

    id: strawberry.ID
    status: str
    output_text: str
    session_id: str
    usage: TokenUsage | None
    error: str | None = None


def _seed_params(inputs: Any, session_id: str | None) -> runs.RunParams:
    if inputs is not None and not isinstance(inputs, dict):
        message = "inputs must be an object keyed 'component_id.param'"
        raise InvalidInput(message, [FieldProblem("inputs", message)])
    tweaks, session = workflows.seed_inputs(inputs or {})
    return runs.RunParams(
        input_value=None, tweaks=tweaks, session_id=session_id or session, output_type="any"
    )


def _echo(inputs: Any) -> workflows.WorkflowRequest:
    return workflows.WorkflowRequest(inputs=dict(inputs) if isinstance(inputs, dict) else None)


async def run_workflow(
    info: Info,
    flow_id: strawberry.ID,
    inputs: JSON | None = None,
    background: bool = False,
    session_id: str | None = None,
) -> JobResult:
    """``runWorkflow``: run the caller's flow as a workflow job; ``inputs`` is keyed
    ``"component_id.param"`` (an input's ``input_value`` included, ``X.session_id`` names the
    session). Returns the ended job, or with ``background`` the queued one at once."""
    try:
        params = _seed_params(inputs, session_id)
        job = await workflows.run_workflow_job(
            info.context.ctx,
            flow_id=str(flow_id),
            params=params,
            background=background,
            request=_echo(inputs),
        )
    except DomainError as exc:
        return job_error(exc)
    return Job.from_record(job)


async def create_response(
    info: Info, model: strawberry.ID, input: str, previous_response_id: strawberry.ID | None = None
) -> ResponseObject:
    """``createResponse``: run the caller's flow ``model`` on ``input`` (continuing the session
    of ``previousResponseId``) and wait for its answer. Errors: NOT_FOUND (flow or previous
    response), INVALID_INPUT."""
    job = await responses.run_response(
        info.context.ctx,
        model=str(model),
        input_text=input,
        previous_response_id=str(previous_response_id) if previous_response_id else None,
    )
    result = job.result if isinstance(job.result, dict) else {}
    usage = result.get("usage") if isinstance(result.get("usage"), dict) else None
    return ResponseObject(
        id=strawberry.ID(str(job.id)),
        status=job.status,
        output_text=str(result.get("text") or ""),
        session_id=str(result.get("session_id") or job.id),
        error=None if job.status == "completed" else (job.error or f"Run {job.status}"),
        usage=TokenUsage(
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
            total_tokens=usage.get("total_tokens"),
        )
        if usage
        else None,
    )
