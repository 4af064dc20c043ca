"""``runFlow`` results: ``RunResult``, ``RunOutput``, ``Message`` and ``TokenUsage``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.monitor_loaders import message_flow
from flowql.schema.records import ChatMessageRecord, RunOutcomeRecord, VertexOutputRecord

if TYPE_CHECKING:
    from flowql.schema.types.flows import Flow


@strawberry.type(description="Token counts a model reported.")
class TokenUsage:
    """Token counts a model reported (``properties.usage`` of a message)."""

    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def token_usage(properties: Mapping[str, Any]) -> TokenUsage | None:
    """``properties.usage`` of a message as TokenUsage (None when it reports no counts)."""
    usage = properties.get("usage")
    if not isinstance(usage, Mapping):
        return None
    counts = [_int_or_none(usage.get(k)) for k in ("input_tokens", "output_tokens", "total_tokens")]
    if all(c is None for c in counts):
        return None
    return TokenUsage(input_tokens=counts[0], output_tokens=counts[1], total_tokens=counts[2])


@strawberry.type(name="Message", description='A chat message; sender is "User" or "Machine".')
class Message:
    """A chat message (Langflow ``MessageResponse``): ``sender`` is "User" or "Machine"."""

    id: strawberry.ID
    session_id: str
    sender: str
    sender_name: str
    text: str
    files: list[str]
    timestamp: datetime
    category: str
    error: bool
    edited: bool
    usage: TokenUsage | None
    properties: JSON | None
    content_blocks: JSON | None
    flow_id: strawberry.Private[str | None] = None
    flow: Annotated[Flow, strawberry.lazy("flowql.schema.types.flows")] | None = strawberry.field(
        resolver=message_flow, description="The flow the message belongs to (null when it is not yours)."
    )

    @classmethod
    def from_chat(cls, message: ChatMessageRecord) -> Message:
        """Shape a message made by a run."""
        properties: Any = dict(message.properties)
        blocks: Any = list(message.content_blocks)
        return cls(
            id=strawberry.ID(message.id),
            session_id=message.session_id,
            sender=message.sender,
            sender_name=message.sender_name,
            text=message.text,
            files=list(message.files),
            timestamp=message.timestamp,
            category=message.category,
            error=message.error,
            edited=message.edit,
            usage=token_usage(message.properties),
            properties=properties,
            content_blocks=blocks,
            flow_id=message.flow_id or None,
        )


def _is_json(value: object) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


@strawberry.type(
    description="One output vertex's result, in data.nodes order: text is what it shows, message the chat "
    "message it made, data its other JSON results by output name."
)
class RunOutput:
    """One output vertex's result, in ``data.nodes`` order (Langflow ``outputs[0].outputs[i]``).

    ``text`` is what the vertex shows (``results.message.text`` for a chat output); ``message``
    the chat message it made; ``data`` its other JSON results keyed by output name.
    """

    component_id: strawberry.ID
    display_name: str
    output_name: str | None
    text: str | None
    message: Message | None
    data: JSON | None

    @classmethod
    def from_output(cls, output: VertexOutputRecord) -> RunOutput:
        """Shape an engine ``VertexOutput``."""
        plain: Any = {name: value for name, value in output.results.items() if _is_json(value)}
        return cls(
            component_id=strawberry.ID(output.component_id),
            display_name=output.display_name,
            output_name=output.output_name,
            text=output.text,
            message=Message.from_chat(output.message) if output.message is not None else None,
            data=plain or None,
        )


@strawberry.type(description="A finished run: the session actually used and the outputs.")
class RunResult:
    """A finished run: the session actually used and the outputs (Langflow ``POST /api/v1/run``)."""

    session_id: str
    outputs: list[RunOutput]

    @classmethod
    def from_outcome(cls, outcome: RunOutcomeRecord) -> RunResult:
        """Shape an engine ``RunOutcome``."""
        return cls(session_id=outcome.session_id, outputs=[RunOutput.from_output(o) for o in outcome.outputs])
