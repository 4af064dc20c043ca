"""The Agent's tool-calling loop (:class:`AgentLoop`): model calls and tool calls with their
``content_blocks`` steps, child spans and summed usage, and the streaming of the reply as
``token`` events (see :meth:`AgentLoop.stream_as`). The Agent component
(:mod:`flowql.engine.components.agent`) builds the messages and the tools and runs one loop."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable
from typing import Any

from flowql.engine.components.language_model import model_call_error
from flowql.engine.context import ComponentContext
from flowql.engine.models.chat import ChatModel, ModelCallError, ModelReply, TokenSink, ToolCall
from flowql.engine.text import loads_finite, storable_text
from flowql.engine.tools import Tool, ToolResult
from flowql.engine.types import ChildSpan, EngineEvent, utcnow

#: The ``response`` text when the model still calls tools after ``max_iterations`` calls.
MAX_ITERATIONS_TEXT = "Agent stopped due to max iterations."
#: What joins a streamed tool-call turn's text to the rest of the response (streamed too).
TURN_SEPARATOR = "\n\n"
#: Characters of a turn held back while streaming before they are sent (see ``AgentLoop.stream_as``).
PREFACE_HOLD = 200


def tool_input_block(arguments: str) -> Any:
    """A tool call's arguments as Langflow's ``ToolContent.tool_input`` shows them: the parsed
    JSON object, else the raw text; storable either way (lone surrogates an escape in the JSON
    decoded to become U+FFFD, see :func:`~flowql.engine.values.storable_text`)."""
    try:
        parsed = loads_finite(arguments) if arguments else {}
        if not isinstance(parsed, dict):
            return storable_text(arguments)
        return json.loads(storable_text(json.dumps(parsed, ensure_ascii=False)))
    except (ValueError, RecursionError):  # not JSON, too deep, a number too long or not finite
        return storable_text(arguments)


def _add_usage(total: dict[str, int | None] | None, reply: ModelReply) -> dict[str, int | None] | None:
    if reply.usage is None:
        return total
    counts = reply.usage.as_dict()
    if total is None:
        return counts
    return {k: (total.get(k) or 0) + (v or 0) for k, v in counts.items()}


class AgentLoop:
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
                "tool_input": tool_input_block(call.arguments),
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
