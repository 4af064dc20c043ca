"""Mutation field implementations: parse arguments → one resolver call → shape; expected
failures become union members through :mod:`flowql.schema.errors`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from flowql.errors import DomainError, FieldProblem, InvalidInput, NotFound, TooLarge
from flowql.resolvers import api_keys, auth, flows, runs
from flowql.schema.context import Info
from flowql.schema.errors import (
    ComponentError,
    ConflictError,
    NotFoundError,
    ValidationError,
    flow_error,
    run_error,
)
from flowql.schema.inputs import FlowInput, RunInput, parse_uuid
from flowql.schema.permissions import refuse_cookie_only_upload
from flowql.schema.types.flows import Flow
from flowql.schema.types.runs import RunResult
from flowql.schema.types.users import ApiKey, CreatedApiKey

FlowResult = Annotated[Flow | NotFoundError | ValidationError | ConflictError, strawberry.union("FlowResult")]
RunFlowResult = Annotated[
    RunResult | NotFoundError | ValidationError | ComponentError, strawberry.union("RunFlowResult")
]


async def create_api_key(info: Info, name: str | None = None) -> CreatedApiKey:
    """``createApiKey``: ``auth.create_api_key``; the secret is in the answer only."""
    created = await auth.create_api_key(info.context.ctx, name=name)
    return CreatedApiKey(api_key=ApiKey.from_record(created.key), secret=created.secret)


async def delete_api_key(info: Info, id: strawberry.ID) -> bool:
    """``deleteApiKey``: true when the caller's key was deleted, false when it is missing or
    another user's (which keeps working). A malformed id is an error with code INVALID_INPUT."""
    try:
        await api_keys.delete_api_key(info.context.ctx, key_id=parse_uuid(id, "id"))
    except NotFound:
        return False
    return True


async def create_flow(info: Info, input: FlowInput) -> FlowResult:
    """``createFlow``: ``flows.create_flow``; ValidationError names the broken node or edge."""
    try:
        values = input.to_values()
        return Flow.from_record(await flows.create_flow(info.context.ctx, values=values))
    except DomainError as exc:
        return flow_error(exc)


async def _read_json_upload(file: object, max_mb: int) -> object:
    """The parsed JSON of an uploaded file. Raises TooLarge over ``max_mb`` megabytes and
    InvalidInput for anything that is not JSON."""
    limit = max_mb * 1024 * 1024
    if isinstance(file, UploadFile):
        raw = await file.read(limit + 1)
    elif isinstance(file, bytes):
        raw = file
    else:
        raise InvalidInput("file must be an uploaded file", [FieldProblem("file", "not a file")])
    if len(raw) > limit:
        raise TooLarge(f"The file exceeds the upload limit of {max_mb} MB")
    return flows.parse_flow_file(raw)


async def import_flow(
    info: Info, file: Upload, project_id: strawberry.ID | None = strawberry.UNSET
) -> list[FlowResult]:
    """``importFlow``: ``flows.import_flows`` on the uploaded JSON (one flow or
    ``{"flows": [...]}``), all or none: the stored flows in file order, or one error member.
    Refused (code FORBIDDEN) when authenticated only by the session cookie."""
    refuse_cookie_only_upload(info.context)
    ctx = info.context.ctx
    try:
        folder_id = parse_uuid(project_id, "projectId") if project_id else None
        payload = await _read_json_upload(file, ctx.settings.max_file_size_upload)
        stored = await flows.import_flows(ctx, payload=payload, folder_id=folder_id)
    except DomainError as exc:
        return [flow_error(exc)]
    return [Flow.from_record(flow) for flow in stored]


async def run_flow(info: Info, flow_id: strawberry.ID, input: RunInput) -> RunFlowResult:
    """``runFlow``: ``runs.run_flow`` (the same resolver as REST ``/api/v1/run``). ``flowId`` is
    a flow id or one of the caller's endpoint names."""
    try:
        params = input.to_params()
        outcome = await runs.run_flow(info.context.ctx, flow_id_or_name=str(flow_id), params=params)
    except DomainError as exc:
        return run_error(exc)
    return RunResult.from_outcome(outcome)
