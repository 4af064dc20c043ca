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
``MAX_ITERATIONS_TEXT`` (LangChain's forced-stop answer, as Langflow shows it; see
:mod:`~flowql.engine.components.agent_loop`), not an error.
A provider failure ends the run with a ComponentError (as for the model components). Before
``input_value`` the model sees the session's last ``n_messages`` stored messages (default 100;
this run's own Chat Input message left out) as user / assistant turns.

``response`` is a Message whose ``properties.source`` is ``{id: this vertex, display_name:
"Agent", source: model name}``, ``properties.usage`` the summed token counts, and whose
``content_blocks`` hold one "Agent Steps" block listing the input, each tool call (name, input,
output, error) and the output, shaped as Langflow's. Each model call and each tool call is a child
span of the vertex's trace span (``ComponentResult.spans``). ``structured_response`` (Data) is
made only when an edge reads it (:mod:`flowql.engine.components.agent_structured`).

The response text is the final reply's. With ``stream`` on and the response going to a Chat
Output alone, the replies stream as ``token`` events of the response message's id (the id that
Chat Output stores it under), joining to exactly that text (``AgentLoop.stream_as`` tells how a
short preface before tool calls stays out of both). ``{current_date}``,
``{model_name}`` and ``{optional_user_context}`` in ``system_prompt`` are filled as Langflow
does (:func:`dynamic_prompt`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flowql.engine.components.agent_loop import AgentLoop
from flowql.engine.components.agent_structured import (
    FORMAT_INSTRUCTIONS_FIELD,
    HANDLE_PARSING_ERRORS_FIELD,
    OUTPUT_SCHEMA_FIELD,
    check_output_schema,
    parse_structured,
    structured_call,
)
from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.field_checks import check_fields
from flowql.engine.components.language_model import (
    MODEL_FIELD,
    check_model_fields,
    model_spec,
)
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.tools import Tool, calculator_tool, current_date_tool
from flowql.engine.values import to_text
from flowql.errors import ComponentError, ComponentFailure

DEFAULT_MAX_ITERATIONS = 15
#: An upper bound on ``max_iterations`` whatever the flow says.
MAX_ITERATIONS_LIMIT = 100
DEFAULT_N_MESSAGES = 100
#: An upper bound on ``n_messages`` (history turns sent to the model).
MAX_N_MESSAGES = 1000
#: The output holding the answer as JSON objects (see :mod:`.agent_structured`).
STRUCTURED_OUTPUT = "structured_response"


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


def dynamic_prompt(system_prompt: str, model_name: str) -> str:
    """Langflow's Agent fills three placeholders of its system prompt before the call:
    ``{current_date}`` (UTC, ``YYYY-MM-DD HH:MM UTC``), ``{model_name}`` and
    ``{optional_user_context}`` (empty). Other braces are left as written."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        system_prompt.replace("{current_date}", now)
        .replace("{model_name}", model_name)
        .replace("{optional_user_context}", "")
    )


@registry.register("Agent")
class AgentComponent(Component):
    """Langflow's "Agent": ``model``, ``api_key``, ``system_prompt``, ``input_value``,
    ``max_iterations``, ``add_calculator_tool``, ``add_current_date_tool``, ``tools``; see the
    module docstring."""

    display_name = "Agent"
    description = "Define the agent's instructions, then enter a task to complete using tools."
    category = "models_and_agents"
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
        bool_field("stream", "Stream", "Stream the response from the model as token events.", False),
        FieldSpec(
            "n_messages",
            "Number of Chat History Messages",
            type="int",
            input_type="IntInput",
            info="Number of chat history messages to retrieve.",
            default=DEFAULT_N_MESSAGES,
            advanced=True,
        ),
        FORMAT_INSTRUCTIONS_FIELD,
        OUTPUT_SCHEMA_FIELD,
        HANDLE_PARSING_ERRORS_FIELD,
    )
    output_specs = (
        OutputSpec("response", "Response", method="message_response"),
        OutputSpec(STRUCTURED_OUTPUT, "Structured Response", method="json_response", types=("Data",)),
    )

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A malformed ``model`` or ``output_schema`` value, or ``max_iterations`` (1-1000; at
        most :data:`MAX_ITERATIONS_LIMIT` are made) or ``n_messages`` (0-10000) out of range,
        fails the run before anything runs (InvalidInput)."""
        check_model_fields(vertex, ("model",))
        check_output_schema(vertex)
        check_fields(vertex, {"max_iterations": (1, 1000), "n_messages": (0, 10000)}, {})

    def tools(self, ctx: ComponentContext) -> list[Tool]:
        """The tools the model may call: edge tools, then the enabled built-ins. Two tools of
        one name would leave the model unable to tell them apart: that fails the run with a
        ComponentError (``DuplicateToolName``, HTTP 422) naming the tool."""
        tools = _edge_tools(ctx.field("tools")) if ctx.is_fed("tools") else []
        if ctx.flag("add_calculator_tool", False):
            tools.append(calculator_tool())
        if ctx.flag("add_current_date_tool", True):
            tools.append(current_date_tool())
        seen: set[str] = set()
        for tool in tools:
            if tool.name in seen:
                vertex = ctx.vertex
                raise ComponentError(
                    f"Component '{vertex.display_name}' ({vertex.id}): two tools are named "
                    f"'{tool.name}'; rename one in its tools_metadata or turn off the built-in tool",
                    ComponentFailure(vertex.id, vertex.display_name, error_type="DuplicateToolName"),
                )
            seen.add(tool.name)
        return tools

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Run the tool-calling loop; outputs ``response`` (Message) and, when an edge reads it,
        ``structured_response`` (Data)."""
        spec = model_spec(ctx, ("model",))
        model = ctx.services.chat_models(spec)
        user_text = to_text(ctx.field("input_value"))
        messages: list[dict[str, Any]] = []
        system = dynamic_prompt(ctx.text("system_prompt"), spec.model)
        if system.strip():
            messages.append({"role": "system", "content": system})
        messages.extend(await self._history(ctx))
        messages.append({"role": "user", "content": user_text})
        message_id = str(uuid.uuid4())
        loop = AgentLoop(ctx, model, spec.model, self.tools(ctx))
        if ctx.streams("response"):
            loop.stream_as(message_id)
        text = await loop.run(messages, _iterations(ctx.field("max_iterations", DEFAULT_MAX_ITERATIONS)))
        outputs: dict[str, Any] = {}
        if STRUCTURED_OUTPUT in ctx.consumed_outputs:
            reply = await loop.model_call(structured_call(ctx, model, text), "structured_response")
            outputs[STRUCTURED_OUTPUT] = parse_structured(ctx, reply)
        steps = [
            {"type": "text", "text": user_text, "header": {"title": "Input", "icon": "MessageSquare"}},
            *loop.steps,
            {"type": "text", "text": text, "header": {"title": "Output", "icon": "MessageSquare"}},
        ]
        source = {"id": ctx.vertex.id, "display_name": self.display_name, "source": spec.model}
        blocks = [{"title": "Agent Steps", "contents": steps, "allow_markdown": True, "media_url": None}]
        response = ctx.new_message(
            text,
            "Machine",
            "AI",
            id=message_id,
            properties={"source": source, "usage": loop.usage},
            content_blocks=blocks,
        )
        return ComponentResult(
            {"response": response, **outputs}, model_name=spec.model, token_usage=loop.usage, spans=loop.spans
        )

    @staticmethod
    async def _history(ctx: ComponentContext) -> list[dict[str, Any]]:
        """The session's last ``n_messages`` stored messages before this run, as chat turns
        (``User`` → ``user``, anything else → ``assistant``)."""
        try:
            limit = min(max(int(ctx.field("n_messages", DEFAULT_N_MESSAGES)), 0), MAX_N_MESSAGES)
        except (TypeError, ValueError):
            limit = DEFAULT_N_MESSAGES
        if limit == 0:
            return []
        # The run's own Chat Input message is already stored: fetch a few more and drop it.
        past = await ctx.services.messages.history(ctx.session_id, limit + 10)
        turns = [
            {"role": "user" if m.sender == "User" else "assistant", "content": m.text}
            for m in past
            if m.run_id != ctx.run_id and m.text
        ]
        return turns[-limit:]
