"""Projects as MCP servers: a project's tools (its flows with ``mcp_enabled``), their settings and
``auth_settings``, who may reach the project's MCP endpoint, and running a tool through the one
run resolver.

Mirrors Langflow's ``/api/v1/mcp/project/{project_id}`` routes. A tool is named by the flow's
``action_name`` when that is a valid MCP tool name, else by a slug of it or of the flow's name;
names are given among enabled flows first: an explicit name is the tool's name (the oldest of two
enabled flows sharing one keeps it), generated names get ``_2``, ``_3``, ... (at most 128
characters). Its description is the
flow's ``action_description``, else its description, else its name. Secrets in ``auth_settings``
(``oauth_client_secret``, ``api_key``, any ``*_secret``/``*_key``/``*password``) are answered as
:data:`MASK`; a masked value sent back keeps the stored secret.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import Flow, Project, User
from flowql.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFound, Unauthenticated
from flowql.resolvers.auth_settings import auth_type, merge_auth_settings
from flowql.resolvers.flow_db import FLOW_NOT_FOUND, PROJECT_NOT_FOUND, naming_lock
from flowql.resolvers.flow_jobs import outcome_text
from flowql.resolvers.input_checks import text_problem
from flowql.resolvers.runs import RunParams, run_flow

#: Longest MCP tool name.
TOOL_NAME_MAX = 128
#: A valid MCP tool name (the MCP spec's characters and length).
TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
#: Longest slug made from a flow name.
SLUG_MAX = 64
DESCRIPTION_MAX = 10_000
UNKNOWN_TOOL = "Unknown tool"

InputKind = Literal["chat", "text", "any"]


def tool_slug(text: str) -> str:
    """A valid tool name made from ``text``: lower case, runs of other characters as ``_``."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:SLUG_MAX].strip("_")
    return slug or "flow"


def input_kind(flow: Flow) -> InputKind:
    """Which input the flow takes: ``chat`` (a Chat Input), else ``text`` (a Text Input), else ``any``."""
    types: set[str] = set()
    for node in (flow.data or {}).get("nodes") or []:
        data = node.get("data") if isinstance(node, dict) else None
        if isinstance(data, dict) and isinstance(data.get("type"), str):
            types.add(data["type"])
    if "ChatInput" in types:
        return "chat"
    if "TextInput" in types:
        return "text"
    return "any"


def input_schema(flow: Flow) -> dict[str, Any]:
    """The tool's JSON Schema: ``input_value`` (the flow's chat or text input; required when it
    has one) and an optional ``session_id``."""
    kind = input_kind(flow)
    described = {
        "chat": "The message for the flow's Chat Input",
        "text": "The text for the flow's Text Input",
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "input_value": {"type": "string", "description": described.get(kind, "The flow's input")},
            "session_id": {
                "type": "string",
                "description": "The conversation to continue (default: the flow id)",
            },
        },
    }
    if kind != "any":
        schema["required"] = ["input_value"]
    return schema


@dataclass
class McpTool:
    """One flow of a project as an MCP tool (Langflow ``MCPSettings`` plus ``input_schema``)."""

    flow: Flow
    name: str
    description: str
    enabled: bool
    input_schema: dict[str, Any]


def _suffixed(base: str, n: int) -> str:
    """``base_n``, ``base`` shortened so the result stays a valid (at most 128 characters) name."""
    suffix = f"_{n}"
    return base[: TOOL_NAME_MAX - len(suffix)] + suffix


def _assign_names(flows: list[Flow], taken: set[str]) -> dict[uuid.UUID, str]:
    """Names for ``flows`` (oldest first) avoiding ``taken`` (updated): first every explicit
    valid ``action_name`` (the oldest flow keeps a shared one), then generated names (a slug of
    the action name or flow name, or a shared explicit name) with the first free ``_2``, ``_3``."""
    names: dict[uuid.UUID, str] = {}
    for flow in flows:
        wanted = flow.action_name or ""
        if TOOL_NAME.match(wanted) and wanted not in taken:
            names[flow.id] = wanted
            taken.add(wanted)
    for flow in flows:
        if flow.id in names:
            continue
        wanted = flow.action_name or ""
        base = wanted if TOOL_NAME.match(wanted) else tool_slug(wanted or flow.name)
        name, n = base, 1
        while name in taken:
            n += 1
            name = _suffixed(base, n)
        names[flow.id] = name
        taken.add(name)
    return names


def project_tools(flows: list[Flow]) -> list[McpTool]:
    """The tools of a project's flows, in the order given (oldest first). Enabled flows are
    named first, among themselves: an explicit valid ``action_name`` is the tool's name (the
    oldest enabled flow keeps a name two share); generated names get ``_2``, ``_3``, ... Disabled
    flows then get the names they are shown with, avoiding the enabled ones."""
    taken: set[str] = set()
    names = _assign_names([f for f in flows if f.mcp_enabled], taken)
    names |= _assign_names([f for f in flows if not f.mcp_enabled], taken)
    return [
        McpTool(
            flow,
            names[flow.id],
            flow.action_description or flow.description or flow.name,
            bool(flow.mcp_enabled),
            input_schema(flow),
        )
        for flow in flows
    ]


async def _owned_project(ctx: Context, project_id: uuid.UUID) -> tuple[Project, list[Flow]]:
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        project = await session.scalar(
            select(Project).where(Project.id == project_id, Project.user_id == principal.user_id)
        )
        if project is None:
            raise NotFound(PROJECT_NOT_FOUND)
        flows = await session.scalars(
            select(Flow)
            .where(
                Flow.folder_id == project.id, Flow.user_id == principal.user_id, Flow.is_component.is_(False)
            )
            .order_by(Flow.created_at, Flow.id)
        )
        return project, list(flows)


async def list_project_tools(
    ctx: Context, *, project_id: uuid.UUID, enabled_only: bool = True
) -> tuple[Project, list[McpTool]]:
    """The caller's project and its tools: its flows (components left out) oldest first, only
    those with ``mcp_enabled`` unless ``enabled_only`` is false (Langflow
    ``GET /api/v1/mcp/project/{project_id}?mcp_enabled=``), named by :func:`project_tools`.
    Raises Unauthenticated, NotFound("Project not found")."""
    project, flows = await _owned_project(ctx, project_id)
    tools = project_tools(flows)
    return project, [t for t in tools if t.enabled or not enabled_only]


def _check_setting(index: int, setting: dict[str, Any]) -> tuple[uuid.UUID, dict[str, Any]]:
    """The flow id and the column changes of one ``settings`` entry; InvalidInput when bad."""
    path = f"settings.{index}"
    try:
        flow_id = uuid.UUID(str(setting.get("id")))
    except ValueError:
        raise InvalidInput(
            f"{path}.id must be a flow id", [FieldProblem(f"{path}.id", "must be a UUID")]
        ) from None
    changes: dict[str, Any] = {}
    enabled = setting.get("mcp_enabled")
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise InvalidInput(
                f"{path}.mcp_enabled must be a boolean",
                [FieldProblem(f"{path}.mcp_enabled", "must be a boolean")],
            )
        changes["mcp_enabled"] = enabled
    if "action_name" in setting:
        name = setting["action_name"]
        if name is not None and (not isinstance(name, str) or not TOOL_NAME.match(name)):
            problem = "must be 1 to 128 letters, digits, '_', '-' or '.'"
            raise InvalidInput(
                f"{path}.action_name {problem}", [FieldProblem(f"{path}.action_name", problem)]
            )
        changes["action_name"] = name or None
    if "action_description" in setting:
        text = setting["action_description"]
        why = "must be a string" if not isinstance(text, str | None) else None
        why = why or (text_problem(text, DESCRIPTION_MAX) if isinstance(text, str) else None)
        if why is not None:
            raise InvalidInput(
                f"{path}.action_description {why}", [FieldProblem(f"{path}.action_description", why)]
            )
        changes["action_description"] = text
    return flow_id, changes


def _clashes(flows: list[Flow]) -> set[tuple[str, frozenset[uuid.UUID]]]:
    """Every pair of enabled flows sharing an explicit ``action_name``, with that name."""
    enabled = [f for f in flows if f.mcp_enabled and f.action_name]
    return {
        (a.action_name, frozenset((a.id, b.id)))
        for i, a in enumerate(enabled)
        for b in enabled[i + 1 :]
        if a.action_name and a.action_name == b.action_name
    }


async def update_project_mcp_settings(
    ctx: Context,
    *,
    project_id: uuid.UUID,
    settings: list[dict[str, Any]],
    auth_settings: object = None,
    set_auth: bool = False,
) -> tuple[Project, list[McpTool]]:
    """Apply per-flow MCP settings and (``set_auth``) the project's ``auth_settings`` (Langflow
    ``PATCH /api/v1/mcp/project/{project_id}``). Each entry names a flow ``id`` of the project;
    ``mcp_enabled`` (null: unchanged), ``action_name`` and ``action_description`` change when
    present (null clears); ``name``/``description`` are ignored, as Langflow does. All or
    nothing; the check and the change hold the owner's naming lock (no two PATCHes race).
    Returns the project and all its tools.

    Raises Unauthenticated, NotFound("Project not found"), NotFound("Flow not found") for an id
    that is not a flow of this project, InvalidInput (bad entry or auth_settings), Conflict when
    the change makes two enabled flows of the project share an ``action_name`` (a clash already
    stored, e.g. through the flows API, blocks nothing else; :func:`project_tools` names it).
    """
    principal = ctx.require_principal()
    if not isinstance(settings, list):
        raise InvalidInput("settings must be a list", [FieldProblem("settings", "must be a list")])
    checked: dict[uuid.UUID, dict[str, Any]] = {}
    for i, entry in enumerate(settings):
        if not isinstance(entry, dict):
            raise InvalidInput(
                f"settings.{i} must be an object", [FieldProblem(f"settings.{i}", "must be an object")]
            )
        flow_id, changes = _check_setting(i, entry)
        checked.setdefault(flow_id, {}).update(changes)
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        project = await session.scalar(
            select(Project).where(Project.id == project_id, Project.user_id == principal.user_id)
        )
        if project is None:
            raise NotFound(PROJECT_NOT_FOUND)
        flows = list(
            await session.scalars(
                select(Flow)
                .where(
                    Flow.folder_id == project.id,
                    Flow.user_id == principal.user_id,
                    Flow.is_component.is_(False),
                )
                .order_by(Flow.created_at, Flow.id)
            )
        )
        by_id = {f.id: f for f in flows}
        if any(flow_id not in by_id for flow_id in checked):
            raise NotFound(FLOW_NOT_FOUND)
        before = _clashes(flows)
        for flow_id, changes in checked.items():
            for key, value in changes.items():
                setattr(by_id[flow_id], key, value)
        new = sorted(name for name, _ in _clashes(flows) - before)
        if new:
            raise Conflict(f"Action name '{new[0]}' is used by two enabled flows of this project")
        if set_auth:
            project.auth_settings = (
                None if auth_settings is None else merge_auth_settings(auth_settings, project.auth_settings)
            )
        await session.commit()
    return project, project_tools(flows)


async def mcp_principal(ctx: Context, *, project_id: uuid.UUID) -> Principal:
    """Whom the project's MCP endpoint runs tools as: the project's owner, when the caller
    (``ctx.principal``, maybe none) may reach it per ``auth_settings``: ``apikey`` (the default)
    and ``oauth`` need the owner's credentials (an API key or access token); ``none`` needs none.

    Raises Unauthenticated without credentials (unless ``none``), NotFound("Project not found")
    for a missing project or another user's (unless ``none``)."""
    async with ctx.sessions() as session:
        if ctx.principal is not None:
            owned = await session.scalar(
                select(Project.id).where(Project.id == project_id, Project.user_id == ctx.principal.user_id)
            )
            if owned is not None:
                return ctx.principal
        row = (
            await session.execute(
                select(Project.auth_settings, User)
                .join(User, User.id == Project.user_id)
                .where(Project.id == project_id, User.is_active.is_(True))
            )
        ).first()
    if row is not None and auth_type(row[0]) == "none":
        owner = row[1]
        return Principal(owner.id, owner.username, owner.is_superuser, "local")
    if ctx.principal is None:
        raise Unauthenticated("Not authenticated")
    raise NotFound(PROJECT_NOT_FOUND)


@dataclass
class ToolCallResult:
    """What ``tools/call`` answers: the run's output text, or the error's message with ``is_error``."""

    text: str
    is_error: bool = False


async def call_project_tool(
    ctx: Context, *, project_id: uuid.UUID, name: str, arguments: dict[str, Any] | None
) -> ToolCallResult:
    """Run the enabled tool ``name`` of the caller's project through
    :func:`flowql.resolvers.runs.run_flow` with ``arguments`` (``input_value``, ``session_id``;
    others ignored) and answer the run's output text. A failed run (component error, bad input,
    unsupported component) is a :class:`ToolCallResult` with ``is_error`` and the error's message.

    Raises Unauthenticated, NotFound("Project not found"), NotFound("Unknown tool: <name>") for a
    name that is no enabled tool of the project (nothing runs)."""
    _, tools = await list_project_tools(ctx, project_id=project_id)
    tool = next((t for t in tools if t.name == name), None)
    if tool is None:
        raise NotFound(f"{UNKNOWN_TOOL}: {name}")
    args = arguments or {}
    input_value, session_id = args.get("input_value"), args.get("session_id")
    for key, value in (("input_value", input_value), ("session_id", session_id)):
        if value is not None and not isinstance(value, str):
            return ToolCallResult(f"{key} must be a string", is_error=True)
    params = RunParams(
        input_value=input_value,
        input_type=input_kind(tool.flow),
        output_type="any",
        session_id=session_id,
    )
    try:
        outcome = await run_flow(ctx, flow_id_or_name=str(tool.flow.id), params=params)
    except DomainError as exc:
        return ToolCallResult(exc.message, is_error=True)
    return ToolCallResult(outcome_text(outcome))
