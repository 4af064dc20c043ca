"""The caller's MCP server configurations (Langflow ``/api/v2/mcp/servers``): list, read, add,
update, delete, by name; one row per (user, name).

A config is Langflow's ``MCPServerConfig``: ``command``, ``args``, ``env``, ``headers``, ``url``
plus any extra keys, stored as given. Answers go through :func:`masked_config`: every value of
``env`` and ``headers`` and every secret-named extra key reads :data:`MASK`; a masked value sent
back in an update keeps the stored one. FlowQL never connects to these servers.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from flowql.context import Context
from flowql.db.models import McpServer
from flowql.errors import Conflict, FieldProblem, InvalidInput, NotFound
from flowql.resolvers.auth_settings import MASK, is_secret_key
from flowql.resolvers.input_checks import check_json, text_problem

SERVER_NOT_FOUND = "MCP server not found"
NAME_MAX = 255
#: Largest number of servers one user keeps.
MAX_SERVERS = 200
SECRET_MAPS = ("env", "headers")


def masked_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as answers show it: ``env`` and ``headers`` values and secret-named extra keys
    (:func:`~flowql.resolvers.auth_settings.is_secret_key`) replaced by :data:`MASK`."""
    shown: dict[str, Any] = {}
    for key, value in config.items():
        if key in SECRET_MAPS and isinstance(value, dict):
            shown[key] = {k: MASK for k in value}
        elif key not in SECRET_MAPS and is_secret_key(key) and value not in (None, ""):
            shown[key] = MASK
        else:
            shown[key] = value
    return shown


def server_mode(config: dict[str, Any]) -> str:
    """Langflow's ``mode`` of a config: ``STDIO`` with a command, else ``Streamable_HTTP``
    (``SSE`` when the url ends in ``/sse``), else ``""``."""
    if config.get("command"):
        return "STDIO"
    url = config.get("url")
    if isinstance(url, str) and url:
        return "SSE" if url.rstrip("/").endswith("/sse") else "Streamable_HTTP"
    return ""


def check_name(name: str) -> str:
    """InvalidInput unless ``name`` is a non-blank text of at most 255 characters."""
    problem = text_problem(name, NAME_MAX) if isinstance(name, str) else "must be a string"
    if problem is None and not name.strip():
        problem = "must not be blank"
    if problem is not None:
        raise InvalidInput(f"server_name {problem}", [FieldProblem("server_name", problem)])
    return name


def _problem(path: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{path} {problem}", [FieldProblem(path, problem)])


def check_config(config: object, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """A config to store: ``command``/``url`` strings (one of them given), ``args`` a list of
    strings, ``env``/``headers`` objects of strings (a :data:`MASK` value keeps ``stored``'s),
    extra keys any JSON. Raises InvalidInput naming the field."""
    if not isinstance(config, dict):
        raise _problem("body", "must be an object")
    check_json(config, "body")
    checked = dict(config)
    for key in ("command", "url"):
        value = checked.get(key)
        if value is not None and (not isinstance(value, str) or text_problem(value, 4096) is not None):
            raise _problem(key, "must be a string of at most 4096 characters")
    if not checked.get("command") and not checked.get("url"):
        raise _problem("command", "a command or a url is required")
    args = checked.get("args")
    if args is not None and not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
        raise _problem("args", "must be a list of strings")
    for key in SECRET_MAPS:
        value = checked.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _problem(key, "must be an object of strings")
        before = (stored or {}).get(key)
        before = before if isinstance(before, dict) else {}
        checked[key] = {k: before.get(k, v) if v == MASK else v for k, v in value.items()}
        if any(v == MASK for v in checked[key].values()):
            raise _problem(key, "a masked value can only keep a value already stored")
    return checked


async def _find(ctx: Context, name: str) -> McpServer:
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.user_id == principal.user_id, McpServer.name == name)
        )
    if row is None:
        raise NotFound(SERVER_NOT_FOUND)
    return row


async def list_servers(ctx: Context) -> list[McpServer]:
    """The caller's MCP server configs by name (Langflow ``GET /api/v2/mcp/servers``).
    Raises Unauthenticated."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(McpServer).where(McpServer.user_id == principal.user_id).order_by(McpServer.name)
        )
        return list(rows)


async def get_server(ctx: Context, *, name: str) -> McpServer:
    """The caller's config ``name`` (Langflow ``GET /api/v2/mcp/servers/{server_name}``).
    Raises Unauthenticated, NotFound("MCP server not found")."""
    if not isinstance(name, str) or text_problem(name, NAME_MAX) is not None:
        ctx.require_principal()
        raise NotFound(SERVER_NOT_FOUND)
    return await _find(ctx, name)


async def add_server(ctx: Context, *, name: str, config: object) -> list[McpServer]:
    """Add config ``name`` for the caller (Langflow ``POST /api/v2/mcp/servers/{server_name}``);
    returns all the caller's configs. Raises Unauthenticated, InvalidInput (name or config),
    Conflict when the caller has that name already or keeps :data:`MAX_SERVERS` configs."""
    principal = ctx.require_principal()
    check_name(name)
    checked = check_config(config)
    async with ctx.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(McpServer).where(McpServer.user_id == principal.user_id)
        )
        if int(count or 0) >= MAX_SERVERS:
            raise Conflict(f"At most {MAX_SERVERS} MCP servers can be configured")
        session.add(McpServer(id=uuid.uuid4(), user_id=principal.user_id, name=name, config=checked))
        try:
            await session.commit()
        except IntegrityError:
            raise Conflict(f"An MCP server named '{name}' already exists") from None
    return await list_servers(ctx)


async def update_server(ctx: Context, *, name: str, config: object) -> list[McpServer]:
    """Replace config ``name`` of the caller (Langflow ``PATCH /api/v2/mcp/servers/{server_name}``);
    masked ``env``/``headers`` values keep the stored ones. Returns all the caller's configs.
    Raises Unauthenticated, NotFound("MCP server not found"), InvalidInput."""
    principal = ctx.require_principal()
    current = await get_server(ctx, name=name)
    checked = check_config(config, current.config)
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.id == current.id, McpServer.user_id == principal.user_id)
        )
        if row is None:
            raise NotFound(SERVER_NOT_FOUND)
        row.config = checked
        await session.commit()
    return await list_servers(ctx)


async def delete_server(ctx: Context, *, name: str) -> list[McpServer]:
    """Delete config ``name`` of the caller (Langflow ``DELETE /api/v2/mcp/servers/{server_name}``);
    returns the configs left. Raises Unauthenticated, NotFound("MCP server not found")."""
    principal = ctx.require_principal()
    current = await get_server(ctx, name=name)
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.id == current.id, McpServer.user_id == principal.user_id)
        )
        if row is None:
            raise NotFound(SERVER_NOT_FOUND)
        await session.delete(row)
        await session.commit()
    return await list_servers(ctx)
