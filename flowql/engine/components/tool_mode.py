"""Components an Agent calls as tools (Langflow "tool mode").

A node in tool mode has the single output ``component_as_tool`` (method ``to_toolkit``, type
``Tool``), wired into an Agent's ``tools`` field. Its ``template.tools_metadata.value`` lists the
tools it offers, each ``{"name", "description", "args", "status", ...}``: ``name`` and
``description`` are what the model sees, ``args`` the JSON schema of the arguments (``{arg:
{"type", "description", "default"?, "enum"?, ...}}``), a false ``status`` (``false``,
``"false"``, ``0``..., read as :func:`~flowql.engine.values.to_bool`; absent or empty: on) hides
the tool. An
argument without ``default`` is required. When the field is absent or empty, the class's
:attr:`ToolModeComponent.tool_name` / ``tool_description`` / ``tool_args`` apply.

A call sets the component's fields of the same names to the call's arguments for that call only
(Langflow's ``tool_mode`` inputs) and runs :meth:`ToolModeComponent.call_tool`, whose text the
model reads. A :class:`~flowql.engine.tools.ToolError` from it goes back to the model as
``"Error: ..."``; it never ends the run.

Subclasses implement ``call_tool`` and, for nodes not in tool mode, may override
:meth:`ToolModeComponent.run_outputs` (default: the tool's text as output ``text``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from flowql.engine.components.base import Component, ComponentResult
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.tools import Tool
from flowql.engine.values import to_bool
from flowql.errors import FieldProblem, InvalidInput

#: The output a tool-mode node feeds an Agent's ``tools`` with.
TOOL_OUTPUT = "component_as_tool"
#: OpenAI's rule for function names.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _problem(vertex: Vertex, message: str) -> InvalidInput:
    return InvalidInput(
        f"Component '{vertex.display_name}' ({vertex.id}): tools_metadata: {message}",
        [FieldProblem(f"{vertex.id}.tools_metadata", message)],
    )


def tool_entries(vertex: Vertex, default: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The enabled tool entries of ``vertex``: ``tools_metadata.value`` items whose ``status`` is
    not false (:func:`~flowql.engine.values.to_bool`, default on), each checked to have a valid
    ``name`` (OpenAI function-name rule), a string ``description`` and an object ``args``;
    ``[default]`` when the field is absent or empty. The components offer one action each, so at
    most one entry may be enabled.

    Raises InvalidInput naming the vertex and ``tools_metadata`` for a malformed entry or more
    than one enabled entry."""
    value = (vertex.template.get("tools_metadata") or {}).get("value")
    if value in (None, "", []):
        return [dict(default)]
    if not isinstance(value, list):
        raise _problem(vertex, "tools_metadata must be a list of tool entries")
    entries: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, Mapping):
            raise _problem(vertex, "each tools_metadata entry must be an object")
        if not to_bool(item.get("status"), True):
            continue
        name, description = item.get("name"), item.get("description", "")
        args = item.get("args", default.get("args", {}))
        if not isinstance(name, str) or not _NAME.match(name):
            raise _problem(vertex, f"tool name {name!r} must be 1-64 letters, digits, '_' or '-'")
        if not isinstance(description, str):
            raise _problem(vertex, f"tool '{name}': description must be text")
        if not isinstance(args, Mapping) or not all(isinstance(s, Mapping) for s in args.values()):
            raise _problem(vertex, f"tool '{name}': args must map argument names to JSON schemas")
        entries.append(
            {"name": name, "description": description, "args": {k: dict(v) for k, v in args.items()}}
        )
    if len(entries) > 1:  # each tool-mode component offers one action
        names = ", ".join(e["name"] for e in entries)
        raise _problem(vertex, f"enables {len(entries)} tools ({names}); this component offers one")
    return entries


def with_arguments(ctx: ComponentContext, arguments: Mapping[str, Any]) -> ComponentContext:
    """A copy of ``ctx`` whose fields named by ``arguments`` take the call's values."""
    return dataclasses.replace(ctx, inputs={**ctx.inputs, **arguments}, used_fields=set())


class ToolModeComponent(Component):
    """Base class of components usable as agent tools; see the module docstring.

    Class attributes: ``tool_name``, ``tool_description`` and ``tool_args`` (JSON schema per
    argument) describe the tool when the node carries no ``tools_metadata``.
    """

    tool_name: ClassVar[str] = ""
    tool_description: ClassVar[str] = ""
    tool_args: ClassVar[dict[str, dict[str, Any]]] = {}

    @classmethod
    def default_entry(cls) -> dict[str, Any]:
        """The tool entry used when the node has no ``tools_metadata``."""
        return {"name": cls.tool_name, "description": cls.tool_description, "args": cls.tool_args}

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A tool-mode node's ``tools_metadata`` must be well formed (InvalidInput otherwise)."""
        if TOOL_OUTPUT in vertex.outputs:
            tool_entries(vertex, cls.default_entry())

    async def call_tool(self, ctx: ComponentContext) -> str:
        """Run one tool call; ``ctx`` carries the call's arguments as fields. Returns the text
        the model reads; raises ToolError for a failure the model should see."""
        raise NotImplementedError

    async def run_outputs(self, ctx: ComponentContext) -> ComponentResult:
        """The outputs of a node not in tool mode (default: ``{"text": call_tool(ctx)}``)."""
        return ComponentResult({"text": await self.call_tool(ctx)})

    def toolkit(self, ctx: ComponentContext) -> list[Tool]:
        """One :class:`Tool` per enabled entry of the node's ``tools_metadata``."""
        tools = []
        for entry in tool_entries(ctx.vertex, self.default_entry()):
            args = entry["args"]

            async def func(arguments: dict[str, Any]) -> str:
                return await self.call_tool(with_arguments(ctx, arguments))

            required = tuple(name for name, schema in args.items() if "default" not in schema)
            tools.append(Tool(entry["name"], entry["description"], args, func, required=required))
        return tools

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """In tool mode: ``{"component_as_tool": [Tool, ...]}``; else :meth:`run_outputs`."""
        if TOOL_OUTPUT in ctx.vertex.outputs:
            return ComponentResult({TOOL_OUTPUT: self.toolkit(ctx)})
        return await self.run_outputs(ctx)
