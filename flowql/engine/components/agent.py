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
Chat Output stores it under), joining to exactly that text (``_Loop.stream_as`` tells how a
short preface before tool calls stays out of both). ``{current_date}``,
``{model_name}`` and ``{optional_user_context}`` in ``system_prompt`` are filled as Langflow
does (:func:`dynamic_prompt`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

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
    model_call_error,
    model_spec,
)
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ChatModel, ModelCallError, ModelReply, TokenSink, ToolCall
from flowql.engine.tools import Tool, ToolResult, calculator_tool, current_date_tool
from flowql.engine.types import ChildSpan, EngineEvent, utcnow
from flowql.engine.values import storable_text, to_text
from flowql.errors import ComponentError, ComponentFailure

#: The ``response`` text when the model still calls tools after ``max_iterations`` calls.
MAX_ITERATIONS_TEXT = "Agent stopped due to max iterations."
DEFAULT_MAX_ITERATIONS = 15
#: An upper bound on ``max_iterations`` whatever the flow says.
MAX_ITERATIONS_LIMIT = 100
DEFAULT_N_MESSAGES = 100
#: An upper bound on ``n_messages`` (history turns sent to the model).
MAX_N_MESSAGES = 1000
#: The output holding the answer as JSON objects (see :mod:`.agent_structured`).
STRUCTURED_OUTPUT = "structured_response"
#: What joins a streamed tool-call turn's text to the rest of the response (streamed too).
TURN_SEPARATOR = "\n\n"
#: Characters of a turn held back while streaming before they are sent (see ``_Loop.stream_as``).
PREFACE_HOLD = 200


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


def _tool_input(arguments: str) -> Any:
    """A tool call's arguments as Langflow's ``ToolContent.tool_input`` shows them: the parsed
    JSON object, else the raw text; storable either way (lone surrogates an escape in the JSON
    decoded to become U+FFFD, see :func:`~flowql.engine.values.storable_text`)."""
    try:
        parsed = json.loads(arguments) if arguments else {}
        if not isinstance(parsed, dict):
            return storable_text(arguments)
        return json.loads(storable_text(json.dumps(parsed, ensure_ascii=False)))
    except (ValueError, RecursionError):  # not JSON, too deep, or a number too long to read
        return storable_text(arguments)


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
        loop = _Loop(ctx, model, spec.model, self.tools(ctx))
        if ctx.flag("stream", False) and ctx.feeds_chat_output:
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


class _Loop:
    """One agent loop: model calls and tool calls, with their steps, spans and summed usage."""

    def __init__(self, ctx: ComponentContext, model: ChatModel, model_name: str, tools: list[Tool]) -> None:
        self.ctx, self.model, self.model_name = ctx, model, model_name
        self.by_name = {tool.name: tool for tool in tools}
        self.openai_tools = [tool.openai_spec() for tool in tools] or None
        self.steps: list[dict[str, Any]] = []
        self.spans: list[ChildSpan] = []
        self.usage: dict[str, int | None] | None = None
        self.on_token: TokenSink | None = None
        self.kept: list[str] = []  # texts of tool-call turns that were already streamed
        self._emit: TokenSink | None = None
        self._held: list[str] = []  # this turn's chunks not streamed yet
        self._flushed = False  # part of this turn was streamed

    def stream_as(self, message_id: str) -> None:
        """Stream the model's replies as ``token`` events of message ``message_id`` (the agent's
        response; a Chat Output it alone feeds stores it under that id).

        A turn's first :data:`PREFACE_HOLD` characters are held back: a turn that ends in tool
        calls with no more text than that (a preface such as "Let me compute.") is never
        streamed and, as in Langflow, is not part of the response. A longer one has been
        streamed, so it stays in the response, joined by :data:`TURN_SEPARATOR` (also
        streamed): the tokens always join to exactly the response text."""

        async def emit(chunk: str) -> None:
            await self.ctx.services.emit(EngineEvent("token", {"chunk": chunk, "id": message_id}))

        async def on_token(chunk: str) -> None:
            if self._flushed:
                await emit(chunk)
                return
            self._held.append(chunk)
            if sum(map(len, self._held)) > PREFACE_HOLD:
                await self._flush()

        self._emit, self.on_token = emit, on_token

    async def _flush(self) -> None:
        """Stream the held chunks of this turn (after the separator from kept turns)."""
        if self._emit is None or self._flushed:
            return
        self._flushed = True
        if not self._held:
            return
        if self.kept:
            await self._emit(TURN_SEPARATOR)
        for chunk in self._held:
            await self._emit(chunk)
        self._held = []

    def _response(self, final: str) -> str:
        return TURN_SEPARATOR.join([*self.kept, final] if final else self.kept)

    async def run(self, messages: list[dict[str, Any]], max_iterations: int) -> str:
        """The response text: the first reply without tool calls (after the text of tool-call
        turns that streaming already showed, see :meth:`stream_as`), or
        :data:`MAX_ITERATIONS_TEXT`. Appends the tool-call turns to ``messages``. Raises
        ComponentError for a provider failure."""
        for _ in range(max_iterations):
            self._held, self._flushed = [], False
            call = self.model.complete(
                list(messages),
                stream=self.on_token is not None,
                on_token=self.on_token,
                tools=self.openai_tools,
            )
            reply = await self.model_call(call, "chat", messages)
            if not reply.tool_calls:
                await self._flush()
                return self._response(reply.text)
            if self._flushed and reply.text:
                self.kept.append(reply.text)
            messages.append(
                {
                    "role": "assistant",
                    "content": reply.text or None,
                    "tool_calls": [c.as_openai() for c in reply.tool_calls],
                }
            )
            for tool_call in reply.tool_calls:
                result = await self.tool_call(tool_call)
                messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": result.text})
        self._held, self._flushed = [MAX_ITERATIONS_TEXT], False
        await self._flush()
        return self._response(MAX_ITERATIONS_TEXT)

    async def model_call(
        self, call: Awaitable[ModelReply], purpose: str, messages: list[dict[str, Any]] | None = None
    ) -> ModelReply:
        """Await one model call, recording its ``llm`` span and usage."""
        started = utcnow()
        try:
            reply = await call
        except ModelCallError as exc:
            raise model_call_error(self.ctx, exc) from exc
        usage = reply.usage.as_dict() if reply.usage is not None else None
        self.usage = _add_usage(self.usage, reply)
        self.spans.append(
            ChildSpan(
                name=self.model_name,
                type="llm",
                started_at=started,
                finished_at=utcnow(),
                inputs={"purpose": purpose, "messages": list(messages or [])},
                outputs={"text": reply.text, "tool_calls": [c.as_openai() for c in reply.tool_calls]},
                model_name=self.model_name,
                token_usage=usage,
            )
        )
        return reply

    async def tool_call(self, call: ToolCall) -> ToolResult:
        """Run one tool call, recording its step (``content_blocks``) and ``tool`` span."""
        started, clock = utcnow(), time.monotonic()
        tool = self.by_name.get(call.name)
        if tool is None:
            names = ", ".join(sorted(self.by_name)) or "none"
            result = ToolResult(f"Error: unknown tool '{call.name}' (available: {names})", error=True)
        else:
            result = await tool.call(call.arguments)
        self.steps.append(
            {
                "type": "tool_use",
                "name": call.name,
                "tool_input": _tool_input(call.arguments),
                "output": None if result.error else result.text,
                "error": result.text if result.error else None,
                "header": {"title": f"Executed **{call.name}**", "icon": "Hammer"},
                "duration": int((time.monotonic() - clock) * 1000),
            }
        )
        self.spans.append(
            ChildSpan(
                name=call.name,
                type="tool",
                started_at=started,
                finished_at=utcnow(),
                inputs={"arguments": call.arguments},
                outputs={"text": result.text},
                error=result.text if result.error else None,
            )
        )
        return result
