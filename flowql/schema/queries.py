"""Query field implementations: parse arguments → one resolver call → shape."""

from __future__ import annotations

import strawberry

from flowql.errors import NotFound
from flowql.resolvers import api_keys, catalog, flows, users
from flowql.schema.context import Info
from flowql.schema.inputs import parse_uuid
from flowql.schema.types.catalog import ComponentType
from flowql.schema.types.flows import Flow, FlowConnection
from flowql.schema.types.users import ApiKey, User


async def me(info: Info) -> User:
    """``me``: the calling user (``users.get_me``)."""
    return User.from_record(await users.get_me(info.context.ctx))


async def api_key_list(info: Info) -> list[ApiKey]:
    """``apiKeys``: the caller's keys, oldest first (``api_keys.list_api_keys``)."""
    return [ApiKey.from_record(k) for k in await api_keys.list_api_keys(info.context.ctx)]


async def flow(info: Info, id: strawberry.ID) -> Flow | None:
    """``flow(id)``: the caller's flow, null when missing or not the caller's. A malformed id is
    an error with code INVALID_INPUT."""
    flow_id = parse_uuid(id, "id")
    try:
        return Flow.from_record(await flows.get_flow(info.context.ctx, flow_id=flow_id))
    except NotFound:
        return None


async def flows_connection(
    info: Info, first: int | None = 50, after: str | None = strawberry.UNSET
) -> FlowConnection:
    """``flows(first, after)``: a keyset page of the caller's flows (``flows.flows_page``).
    ``first`` out of 1..100 or a foreign cursor is an error with code INVALID_INPUT."""
    page = await flows.flows_page(info.context.ctx, first=50 if first is None else first, after=after or None)
    return FlowConnection.from_page(page)


async def component_types(info: Info) -> list[ComponentType]:
    """``componentTypes``: every component type FlowQL can run (``catalog.list_component_types``)."""
    return [ComponentType.from_record(t) for t in catalog.list_component_types(info.context.ctx)]
