"""MCP client configs: ``install`` writes a project's server entry into the config file of
Cursor, Windsurf or Claude Desktop, ``installed`` says which of them have it (Langflow
``POST /api/v1/mcp/project/{project_id}/install`` and ``GET .../installed``).

Files live only under ``FLOWQL_MCP_CONFIG_DIR`` (``Settings.resolved_mcp_config_dir``), one
fixed relative path per client in :data:`CLIENT_FILES`; a client string only ever selects one of
those entries, it never becomes part of a path.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from flowql.auth.api_keys import hash_api_key
from flowql.context import Context
from flowql.db.models import ApiKey, Project
from flowql.errors import Conflict, FieldProblem, InvalidInput, PermissionDenied
from flowql.resolvers.auth import create_api_key
from flowql.resolvers.auth_settings import auth_type
from flowql.resolvers.locks import KeyedLocks
from flowql.resolvers.mcp_projects import tool_slug
from flowql.resolvers.projects import get_project

#: Config file of each supported client, relative to the config directory.
CLIENT_FILES: dict[str, tuple[str, str]] = {
    "cursor": ("cursor", "mcp.json"),
    "windsurf": ("windsurf", "mcp_config.json"),
    "claude": ("claude", "claude_desktop_config.json"),
}
#: Display names used in answers.
CLIENT_NAMES = {"cursor": "Cursor", "windsurf": "Windsurf", "claude": "Claude"}
#: The one transport FlowQL serves (the legacy ``sse`` is refused).
TRANSPORT = "streamablehttp"
#: Largest config file read back (bytes).
MAX_CONFIG_BYTES = 1024 * 1024
#: One lock per config file: read, change and write of one file never interleave.
_file_locks = KeyedLocks()


def project_paths(project_id: uuid.UUID) -> tuple[str, str]:
    """The project's MCP endpoint paths: (streamable HTTP, legacy SSE)."""
    base = f"/api/v1/mcp/project/{project_id}"
    return f"{base}/streamable", f"{base}/sse"


def _config_file(ctx: Context, client: str) -> Path:
    """The config file of ``client`` (one of :data:`CLIENT_FILES`; InvalidInput otherwise)."""
    entry = CLIENT_FILES.get(client)
    if entry is None:
        problem = f"must be one of {', '.join(CLIENT_FILES)}"
        raise InvalidInput(f"client {problem}", [FieldProblem("client", problem)])
    folder, name = entry
    return ctx.settings.resolved_mcp_config_dir / folder / name


def _read_config(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` when there is no file; Conflict when it is not a
    JSON object FlowQL can merge into."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError:
        raise Conflict("The client's existing MCP config cannot be read") from None
    try:
        parsed = json.loads(raw) if len(raw) <= MAX_CONFIG_BYTES else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("mcpServers", {}), dict):
        raise Conflict("The client's existing MCP config is not a JSON object with an mcpServers object")
    return parsed


def _write_config(path: Path, config: dict[str, Any]) -> None:
    """Write ``config`` atomically, readable by the owner only (it may hold an API key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".flowql-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(config, out, indent=2)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def server_name(project_name: str) -> str:
    """The entry name of a project in a client config: ``lf-<slug>`` (as Langflow names it)."""
    return f"lf-{tool_slug(project_name)[:26]}"


def _entry_name(project: Project, servers: dict[str, Any]) -> str:
    """:func:`server_name`, suffixed with the project id's first 8 hex digits (then all 32)
    when another entry of ``servers`` holds it already."""
    base = server_name(project.name)
    for name in (base, f"{base}-{project.id.hex[:8]}", f"lf-{project.id.hex}"):
        if name not in servers:
            return name
    return f"lf-{project.id.hex}-{uuid.uuid4().hex[:8]}"


def _entry_keys(entry: object) -> list[str]:
    """The API keys an entry FlowQL wrote passes (``--headers x-api-key <key>``)."""
    args = entry.get("args") if isinstance(entry, dict) else None
    if not isinstance(args, list):
        return []
    return [
        value
        for name, value in itertools.pairwise(args)
        if isinstance(name, str) and name.lower() == "x-api-key" and isinstance(value, str)
    ]


async def _delete_keys(ctx: Context, secrets: list[str]) -> None:
    """Delete the caller's API keys among ``secrets`` (others' keys are left alone)."""
    if not secrets:
        return
    principal = ctx.require_principal()
    hashes = [hash_api_key(s) for s in secrets]
    async with ctx.sessions() as session:
        await session.execute(
            delete(ApiKey).where(ApiKey.user_id == principal.user_id, ApiKey.key_hash.in_(hashes))
        )
        await session.commit()


@dataclass
class Installed:
    """One client of ``installed``: whether its config has the project, and whether FlowQL can
    write its config (always: the folder is created on install)."""

    name: str
    installed: bool
    available: bool = True


async def install_project(ctx: Context, *, project_id: uuid.UUID, client: str, transport: str | None) -> str:
    """Add the caller's project to ``client``'s config (created, or merged into the existing
    ``mcpServers``) as an ``mcp-proxy`` command reaching the project's streamable HTTP endpoint
    under ``Settings.resolved_public_url`` (never the request's Host). With API-key auth a new
    API key of the caller ("MCP Server <project>") is written into the file (mode 0600), as
    Langflow does; it is never part of the answer. An entry of this project already in the file
    is replaced and the caller's API key it held is deleted. The entry is named
    ``lf-<slug>``, suffixed with the project id when another entry has that name. Read, change
    and write hold a lock per config file (one process). Returns a message.

    Raises Unauthenticated; PermissionDenied unless the caller is a superuser; NotFound("Project
    not found"); InvalidInput for a client other than cursor/windsurf/claude or a transport other
    than streamablehttp (``sse``, the legacy transport, is not served); Conflict when the
    existing file is not a config object.
    """
    principal = ctx.require_principal()
    if not principal.is_superuser:
        raise PermissionDenied("Only superusers may install MCP client configurations")
    path = _config_file(ctx, client)
    chosen = transport or TRANSPORT
    if chosen == "sse":
        problem = "'sse' is not supported: FlowQL serves MCP over streamable HTTP only"
        raise InvalidInput(f"transport {problem}", [FieldProblem("transport", problem)])
    if chosen != TRANSPORT:
        problem = f"must be {TRANSPORT}"
        raise InvalidInput(f"transport {problem}", [FieldProblem("transport", problem)])
    project = await get_project(ctx, project_id=project_id)
    streamable, _sse = project_paths(project.id)
    url = ctx.settings.resolved_public_url + streamable
    async with _file_locks.get(path):
        config = await asyncio.to_thread(_read_config, path) or {}
        servers = dict(config.get("mcpServers") or {})
        previous = [name for name, entry in servers.items() if _names_project(entry, project.id)]
        old_keys = [key for name in previous for key in _entry_keys(servers[name])]
        for name in previous:
            del servers[name]  # one entry per project, whatever it was called before
        args = ["mcp-proxy", "--transport", chosen]
        created = None
        if auth_type(project.auth_settings) != "none":
            created = await create_api_key(ctx, name=f"MCP Server {project.name}"[:255])
            args += ["--headers", "x-api-key", created.secret]
        servers[_entry_name(project, servers)] = {"command": "uvx", "args": [*args, url]}
        try:
            await asyncio.to_thread(_write_config, path, {**config, "mcpServers": servers})
        except Exception:
            await _delete_keys(ctx, [created.secret] if created else [])
            raise
        await _delete_keys(ctx, old_keys)
    return f"Successfully installed MCP configuration for {CLIENT_NAMES[client]}"


def _names_project(entry: object, project_id: uuid.UUID) -> bool:
    """Whether a config entry reaches this project's endpoint."""
    if not isinstance(entry, dict):
        return False
    texts = [entry.get("url"), *(entry.get("args") or [] if isinstance(entry.get("args"), list) else [])]
    marker = f"/api/v1/mcp/project/{project_id}/"
    return any(isinstance(t, str) and marker in t for t in texts)


async def installed_clients(ctx: Context, *, project_id: uuid.UUID) -> list[Installed]:
    """For each client, whether its config under the config folder reaches the caller's project
    (Langflow ``GET /api/v1/mcp/project/{project_id}/installed``). An unreadable file counts as
    not installed. Raises Unauthenticated, NotFound("Project not found")."""
    project = await get_project(ctx, project_id=project_id)
    found: list[Installed] = []
    for client in CLIENT_FILES:
        try:
            config = await asyncio.to_thread(_read_config, _config_file(ctx, client)) or {}
        except Conflict:
            config = {}
        servers = config.get("mcpServers") or {}
        found.append(Installed(client, any(_names_project(e, project.id) for e in servers.values())))
    return found
