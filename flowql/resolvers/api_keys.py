"""The caller's API keys: list and delete (create is :func:`flowql.resolvers.auth.create_api_key`).
Only a key's hash and display prefix are stored, so no listing can show a secret."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from flowql.context import Context
from flowql.db.models import ApiKey
from flowql.errors import NotFound

API_KEY_NOT_FOUND = "API Key not found"
#: Length of the masked key shown in listings (Langflow shows the prefix, then asterisks).
MASKED_LENGTH = 46


def masked(key: ApiKey) -> str:
    """The key as listings show it: its stored prefix padded with ``*`` (``sk-W2lA0*****…``)."""
    return key.prefix + "*" * max(MASKED_LENGTH - len(key.prefix), 0)


async def list_api_keys(ctx: Context) -> list[ApiKey]:
    """The caller's API keys, oldest first (Langflow ``GET /api/v1/api_key/``). Raises
    Unauthenticated."""
    principal = ctx.require_principal()
    if ctx.key_usage is not None:  # the counts include every use so far
        await ctx.key_usage.flush()
    query = select(ApiKey).where(ApiKey.user_id == principal.user_id).order_by(ApiKey.created_at, ApiKey.id)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


async def delete_api_key(ctx: Context, *, key_id: uuid.UUID) -> None:
    """Delete the caller's key ``key_id`` (Langflow ``DELETE /api/v1/api_key/{api_key_id}``); the
    owner is part of the DELETE itself. Raises Unauthenticated; NotFound("API Key not found")
    when it is missing or another user's (that key keeps working)."""
    principal = ctx.require_principal()
    statement = delete(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == principal.user_id)
    async with ctx.sessions() as session:
        result = await session.execute(statement)
        await session.commit()
    if getattr(result, "rowcount", 0) != 1:
        raise NotFound(API_KEY_NOT_FOUND)
