"""Langflow's ``Agent``: a tool-calling loop over one chat model.

The model is resolved as the language model components do (``model`` ``""`` →
``FLOWQL_DEFAULT_MODEL``, ``api_key`` → ``OPENAI_API_KEY``; see
:func:`~flowql.engine.components.language_model.model_spec`). The model sees ``system_prompt``
(when not empty) and ``input_value``, and the tools:

- ``Tool`` objects delivered by edges into the ``tools`` input (a tool-providing component's
  ``component_as_tool`` output; a value may be one Tool or a list of them);
- the built-in calculator (``evaluate_expression``) when ``add_calculator_tool`` is on;
- the built-in current-date tool (``get_current_date``) when ``add_current_date_tool`` is on.

The loop makes at most ``max_iterations`` model calls: a reply without tool calls ends it and
its text is the ``response``; otherwise the assistant's tool-call turn and one ``tool`` message
per call (the tool's text; bad arguments or an unknown tool give ``"Error: ..."``, never ending
the run, design.md "Tools and errors in agents") are appended and the model is called again. A
model still calling tools after ``max_iterations`` calls ends the loop with the ``response``
:data:`MAX_ITERATIONS_TEXT` (LangChain's forced-stop answer, as Langflow shows it), not an error.
A provider failure ends the run with a ComponentError (as for the model components).

``response`` is a Message whose ``properties.source`` is ``{id: this vertex, display_name:
"Agent", source: model name}``, ``properties.usage`` the summed token counts, and whose
``content_blocks`` hold one "Agent Steps" block listing the input, each tool call (name, input,
output, error) and the output, shaped as Langflow's.

Not yet: the session's last ``n_messages`` as history, ``structured_response``, streaming.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.language_model import (
    MODEL_FIELD,
    check_model_fields,
    model_call_error,
    model_spec,
)
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ModelCallError, ModelReply, ToolCall
from flowql.engine.tools import Tool, ToolResult, calculator_tool, current_date_tool
from flowql.engine.values import to_text

#: The ``response`` text when the model still calls tools after ``max_iterations`` calls.
MAX_ITERATIONS_TEXT = "Agent stopped due to max iterations."
DEFAULT_MAX_ITERATIONS = 15
#: An upper bound on ``max_iterations`` whatever the flow says.
MAX_ITERATIONS_LIMIT = 100


def _iterations(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAX_ITERATIONS
    return min(max(number, 1), MAX_ITERATIONS_LIMIT)


def _edge_tools(value: Any) -> list[Tool]:
    """The Tool objects in an edge value (a Tool, or a possibly nested list of them)."""
    if isinstance(value, Tool):
        return [value]
    if isinstance(value, list | tuple):
        return [tool for item in value for tool in _edge_tools(item)]
    return []


def _add_usage(total: dict[str, int | None] | None, reply: ModelReply) -> dict[str, int | None] | None:
    if reply.usage is None:
        return total
    counts = reply.usage.as_dict()
    if total is None:
        return counts
    return {k: (total.get(k) or 0) + (v or 0) for k, v in counts.items()}


@registry.register("Agent")
class AgentComponent(Component):
    """Langflow's "Agent": ``model``, ``api_key``, ``system_prompt``, ``input_value``,
    ``max_iterations``, ``add_calculator_tool``, ``add_current_date_tool``, ``tools``; see the
    module docstring."""

    display_name = "Agent"
    description = "Define the agent's instructions, then enter a task to complete using tools."
    category = "agents"
    icon = "bot"
    field_specs = (
        MODEL_FIELD,
        FieldSpec("api_key", "API Key", input_type="SecretStrInput", info="Model Provider API key"),
        FieldSpec(
            "system_prompt",
            "Agent Instructions",
            input_type="MultilineInput",
            info="System Prompt: Initial instructions and context provided to guide the agent's behavior.",
            multiline=True,
        ),
        FieldSpec(
            "input_value",
            "Input",
            input_type="MessageTextInput",
            info="The input provided by the user for the agent to process.",
            input_types=("Message",),
        ),
        FieldSpec(
            "tools",
            "Tools",
            type="other",
            input_type="HandleInput",
            info="These are the tools that the agent can use to help with tasks.",
            input_types=("Tool",),
            list=True,
        ),
        FieldSpec(
            "max_iterations",
            "Max Iterations",
            type="int",
            input_type="IntInput",
            info="The maximum number of attempts the agent can make to complete its task before it stops.",
            default=15,
            advanced=True,
        ),
        FieldSpec(
            "add_calculator_tool",
            "Calculator",
            type="bool",
            input_type="BoolInput",
            info="If true, will add a tool to the agent that evaluates arithmetic expressions.",
            default=False,
            advanced=True,
        ),
        FieldSpec(
            "add_current_date_tool",
            "Current Date",
            type="bool",
            input_type="BoolInput",
            info="If true, will add a tool to the agent that returns the current date.",
            default=True,
            advanced=True,
        ),
        FieldSpec(
            "temperature", "Temperature", type="slider", input_type="SliderInput", default=0.1, advanced=True
        ),
        FieldSpec("max_tokens", "Max Tokens", type="int", input_type="IntInput", default=0, advanced=True),
    )
    output_specs = (OutputSpec("response", "Response", method="message_response"),)

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A malformed ``model`` value fails the run before anything runs (InvalidInput)."""
        check_model_fields(vertex, ("model",))

    def tools(self, ctx: ComponentContext) -> list[Tool]:
        """The tools the model may call: edge tools, then the enabled built-ins; a later tool of
        an already used name is dropped (names must be unique for the model)."""
        tools = _edge_tools(ctx.field("tools")) if ctx.is_fed("tools") else []
        if ctx.flag("add_calculator_tool", False):
            tools.append(calculator_tool())
        if ctx.flag("add_current_date_tool", True):
            tools.append(current_date_tool())
        unique: dict[str, Tool] = {}
        for tool in tools:
            unique.setdefault(tool.name, tool)
        return list(unique.values())

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Run the tool-calling loop; outputs ``response`` (Message)."""
        spec = model_spec(ctx, ("model",))
        tools = self.tools(ctx)
        by_name = {tool.name: tool for tool in tools}
        openai_tools = [tool.openai_spec() for tool in tools] or None
        max_iterations = _iterations(ctx.field("max_iterations", DEFAULT_MAX_ITERATIONS))
        user_text = to_text(ctx.field("input_value"))
        messages: list[dict[str, Any]] = []
        system = ctx.text("system_prompt")
        if system.strip():
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": user_text})
        steps: list[dict[str, Any]] = [
            {"type": "text", "text": user_text, "header": {"title": "Input", "icon": "MessageSquare"}}
        ]
        model = ctx.services.chat_models(spec)
        usage: dict[str, int | None] | None = None
        final: str | None = None
        for _ in range(max_iterations):
            try:
                reply = await model.complete(messages, stream=False, tools=openai_tools)
            except ModelCallError as exc:
                raise model_call_error(ctx, exc) from exc
            usage = _add_usage(usage, reply)
            if not reply.tool_calls:
                final = reply.text
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": reply.text or None,
                    "tool_calls": [call.as_openai() for call in reply.tool_calls],
                }
            )
            for call in reply.tool_calls:
                started = time.monotonic()
                result = await self._call(by_name, call)
                steps.append(
                    {
                        "type": "tool_use",
                        "name": call.name,
                        "tool_input": call.arguments,
                        "output": None if result.error else result.text,
                        "error": result.text if result.error else None,
                        "header": {"title": f"Executed **{call.name}**", "icon": "Hammer"},
                        "duration": int((time.monotonic() - started) * 1000),
                    }
                )
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result.text})
        text = final if final is not None else MAX_ITERATIONS_TEXT
        steps.append({"type": "text", "text": text, "header": {"title": "Output", "icon": "MessageSquare"}})
        source = {"id": ctx.vertex.id, "display_name": self.display_name, "source": spec.model}
        blocks = [{"title": "Agent Steps", "contents": steps, "allow_markdown": True, "media_url": None}]
        response = ctx.new_message(
            text,
            "Machine",
            "AI",
            id=str(uuid.uuid4()),
            properties={"source": source, "usage": usage},
            content_blocks=blocks,
        )
        return ComponentResult({"response": response}, model_name=spec.model, token_usage=usage)

    @staticmethod
    async def _call(by_name: dict[str, Tool], call: ToolCall) -> ToolResult:
        tool = by_name.get(call.name)
        if tool is None:
            names = ", ".join(sorted(by_name)) or "none"
            return ToolResult(f"Error: unknown tool '{call.name}' (available: {names})", error=True)
        return await tool.call(call.arguments)
