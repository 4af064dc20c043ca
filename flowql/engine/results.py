"""Langflow-shaped serialisation of run results (``POST /api/v1/run`` and build events).

Shapes follow the captures in ``shared/peer/run_response*.json`` and ``build_events_*.txt``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flowql.engine.models.spec import ModelSpec
from flowql.engine.tools.base import Tool
from flowql.engine.types import ChatMessage, RunOutcome, VertexOutput
from flowql.engine.values import to_text

DEFAULT_PROPERTIES: dict[str, Any] = {
    "text_color": None,
    "background_color": None,
    "edited": False,
    "source": {"id": None, "display_name": None, "source": None},
    "icon": None,
    "allow_markdown": False,
    "positive_feedback": None,
    "state": "complete",
    "targets": [],
    "usage": None,
    "build_duration": None,
}


def format_timestamp(value: datetime) -> str:
    """``"YYYY-MM-DD HH:MM:SS.ffffff UTC"`` (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def message_properties(message: ChatMessage) -> dict[str, Any]:
    """The message's ``properties`` completed with Langflow's defaults (source all null)."""
    props = {**DEFAULT_PROPERTIES, **message.properties}
    source = {**DEFAULT_PROPERTIES["source"], **(props.get("source") or {})}
    props["source"] = source
    props["targets"] = list(props.get("targets") or [])
    return props


def serialize_message(message: ChatMessage, *, include_id: bool = False) -> dict[str, Any]:
    """A message as Langflow serialises a ``Message`` in ``/run`` results and events.

    Shape: ``{"text_key": "text", "data": {timestamp, sender, sender_name, session_id,
    context_id, text, files, error, edit, properties, category, content_blocks,
    session_metadata: {graph_run_id}, id, flow_id, run_id, duration}, "default_value": "",
    <the same fields flattened, without id>}``. ``include_id`` adds a top-level ``id``, as the
    ``add_message`` event data carries it.
    """
    timestamp = format_timestamp(message.timestamp)
    properties = message_properties(message)
    session_metadata = {"graph_run_id": message.run_id}
    data = {
        "timestamp": timestamp,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "session_id": message.session_id,
        "context_id": message.context_id,
        "text": message.text,
        "files": list(message.files),
        "error": message.error,
        "edit": message.edit,
        "properties": properties,
        "category": message.category,
        "content_blocks": list(message.content_blocks),
        "session_metadata": session_metadata,
        "id": message.id,
        "flow_id": message.flow_id,
        "run_id": message.run_id,
        "duration": None,
    }
    out: dict[str, Any] = {
        "text_key": "text",
        "data": data,
        "default_value": "",
        "sender": message.sender,
        "sender_name": message.sender_name,
        "files": list(message.files),
        "session_id": message.session_id,
        "context_id": message.context_id,
        "run_id": message.run_id,
        "timestamp": timestamp,
        "flow_id": message.flow_id,
        "error": message.error,
        "edit": message.edit,
        "properties": properties,
        "category": message.category,
        "content_blocks": list(message.content_blocks),
        "duration": None,
        "session_metadata": session_metadata,
        "text": message.text,
    }
    if include_id:
        out["id"] = message.id
    return out


def serialize_value(value: Any) -> Any:
    """An output value for JSON: messages serialised, a model spec as its public dict (never its
    key), everything else as is."""
    if isinstance(value, ChatMessage):
        return serialize_message(value)
    if isinstance(value, ModelSpec | Tool):
        return value.public()
    if isinstance(value, list):
        return [serialize_value(v) for v in value]
    return value


def _kind(value: Any) -> str:
    return "object" if isinstance(value, dict | list) else "text"


def _plain(value: Any) -> Any:
    return serialize_value(value) if isinstance(value, dict | list) else to_text(value)


def vertex_artifacts(output: VertexOutput) -> dict[str, Any]:
    """``artifacts`` (also build_data ``message``): a chat message's summary, else per output
    ``{"repr", "raw", "type"}``."""
    if output.message is not None:
        msg = output.message
        return {
            "message": msg.text,
            "sender": msg.sender,
            "sender_name": msg.sender_name,
            "files": list(msg.files),
            "type": "object",
        }
    return {
        name: {"repr": to_text(value), "raw": _plain(value), "type": _kind(value)}
        for name, value in output.results.items()
    }


def vertex_messages(output: VertexOutput) -> list[dict[str, Any]]:
    """``messages``: the chat message of a chat component (with its ``component_id``), else []."""
    if output.message is None:
        return []
    msg = output.message
    return [
        {
            "message": msg.text,
            "sender": msg.sender,
            "sender_name": msg.sender_name,
            "session_id": msg.session_id,
            "stream_url": None,
            "component_id": output.component_id,
            "files": list(msg.files),
            "type": "text",
        }
    ]


def vertex_outputs(output: VertexOutput) -> dict[str, Any]:
    """``outputs``: per output name ``{"message": text-or-data, "type": "text"|"object"}``."""
    return {name: {"message": _plain(v), "type": _kind(v)} for name, v in output.results.items()}


def result_entry(output: VertexOutput) -> dict[str, Any]:
    """One item of ``outputs[0].outputs`` in the ``/run`` response (Langflow ``ResultData``)."""
    return {
        "results": {name: serialize_value(v) for name, v in output.results.items()},
        "artifacts": vertex_artifacts(output),
        "outputs": vertex_outputs(output),
        "logs": {name: [] for name in output.results},
        "messages": vertex_messages(output),
        "timedelta": None,
        "duration": None,
        "component_display_name": output.display_name,
        "component_id": output.component_id,
        "used_frozen_result": False,
        "token_usage": None,
    }


def run_response(outcome: RunOutcome) -> dict[str, Any]:
    """The JSON body of Langflow's ``POST /api/v1/run/{flow_id}`` for a finished run.

    ``{"session_id": str, "outputs": [{"inputs": {"input_value": ...}, "outputs": [entry, ...]}]}``
    with one entry per output vertex (see :func:`result_entry`), in ``data.nodes`` order.
    """
    return {
        "session_id": outcome.session_id,
        "outputs": [
            {
                "inputs": dict(outcome.inputs),
                "outputs": [result_entry(o) for o in outcome.outputs],
            }
        ],
    }
