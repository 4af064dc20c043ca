"""Mutation field implementations: parse arguments → one resolver call → shape; expected
failures become union members through :mod:`flowql.schema.errors`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from flowql.errors import DomainError, NotFound
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
    info.context.reset_flow_loaders()
    try:
        values = input.to_values()
        return Flow.from_record(await flows.create_flow(info.context.ctx, values=values))
    except DomainError as exc:
        return flow_error(exc)


async def run_flow(info: Info, flow_id: strawberry.ID, input: RunInput) -> RunFlowResult:
    """``runFlow``: ``runs.run_flow`` (the same resolver as REST ``/api/v1/run``). ``flowId`` is
    a flow id or one of the caller's endpoint names."""
    try:
        params = input.to_params()
        outcome = await runs.run_flow(info.context.ctx, flow_id_or_name=str(flow_id), params=params)
    except DomainError as exc:
        return run_error(exc)
    return RunResult.from_outcome(outcome)
