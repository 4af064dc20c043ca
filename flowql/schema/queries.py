"""Query field implementations: parse arguments → one resolver call → shape."""

from __future__ import annotations

from flowql.resolvers import api_keys, catalog, users
from flowql.schema.context import Info
from flowql.schema.types.catalog import ComponentType
from flowql.schema.types.users import ApiKey, User


async def me(info: Info) -> User:
    """``me``: the calling user (``users.get_me``)."""
    return User.from_record(await users.get_me(info.context.ctx))


async def api_key_list(info: Info) -> list[ApiKey]:
    """``apiKeys``: the caller's keys, oldest first (``api_keys.list_api_keys``)."""
    return [ApiKey.from_record(k) for k in await api_keys.list_api_keys(info.context.ctx)]


async def component_types(info: Info) -> list[ComponentType]:
    """``componentTypes``: every component type FlowQL can run (``catalog.list_component_types``)."""
    return [ComponentType.from_record(t) for t in catalog.list_component_types(info.context.ctx)]
