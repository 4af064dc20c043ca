"""Build events of a run (design.md "Events"), shaped like ``shared/peer/build_events_*.txt``.

Order the executor guarantees: ``vertices_sorted``, ``build_start``, then per vertex its
``add_message`` events before its ``end_vertex`` (a vertex's ``end_vertex`` after its parents'),
and exactly one ``end`` last — preceded by ``error`` when the run fails or is cancelled.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from flowql.engine.results import serialize_value, vertex_artifacts, vertex_outputs
from flowql.engine.types import EngineEvent, VertexOutput
from flowql.errors import ComponentError, DomainError


def vertices_sorted(first_layer: list[str], to_run: list[str]) -> EngineEvent:
    """``{"ids": first layer ids, "to_run": every vertex id that will run}`` (sets, order free)."""
    return EngineEvent("vertices_sorted", {"ids": list(first_layer), "to_run": list(to_run)})


def build_start() -> EngineEvent:
    """``build_start`` with empty data."""
    return EngineEvent("build_start", {})


def _params(output: VertexOutput) -> str:
    msg = output.message
    if msg is None:
        return "None"
    return (
        f"- Files: {list(msg.files)}\n  Message: {msg.text}\n  Sender: {msg.sender}\n"
        f"  Sender Name: {msg.sender_name}\n  Type: object\n"
    )


def end_vertex(
    output: VertexOutput,
    *,
    next_vertices: list[str],
    is_output: bool,
    is_terminal: bool,
    output_types: list[str],
    seconds: float,
) -> EngineEvent:
    """``end_vertex`` carrying ``build_data`` (``id``, ``valid``, ``params``, ``timestamp``,
    ``next_vertices_ids``, ``top_level_vertices``, ``inactivated_vertices``, ``data``) and
    ``output_meta`` (``component_id``, ``display_name``, ``vertex_type``, ``is_output``,
    ``is_terminal``, ``output_types``). ``data.results`` holds the chat message of chat
    components and is empty otherwise, as in the captures."""
    results = (
        {name: serialize_value(v) for name, v in output.results.items()} if output.message is not None else {}
    )
    artifacts = vertex_artifacts(output)
    build_data: dict[str, Any] = {
        "id": output.component_id,
        "inactivated_vertices": [],
        "next_vertices_ids": list(next_vertices),
        "top_level_vertices": list(next_vertices),
        "valid": True,
        "params": _params(output),
        "data": {
            "results": results,
            "outputs": vertex_outputs(output),
            "logs": {name: [] for name in output.results},
            "message": artifacts,
            "artifacts": artifacts,
            "timedelta": seconds,
            "duration": f"{round(seconds * 1000)} ms",
            "used_frozen_result": False,
            "token_usage": None,
        },
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    output_meta = {
        "component_id": output.component_id,
        "display_name": output.display_name,
        "vertex_type": output.component_type,
        "is_output": is_output,
        "is_terminal": is_terminal,
        "output_types": list(output_types),
    }
    return EngineEvent("end_vertex", {"build_data": build_data, "output_meta": output_meta})


def error(exc: BaseException) -> EngineEvent:
    """``error`` with ``{"error": message, "code": domain code}`` plus ``component_id``,
    ``display_name``, ``error_type`` and ``upstream_status`` (``None`` unless a provider
    answered) when a component failed."""
    if isinstance(exc, DomainError):
        data: dict[str, Any] = {"error": exc.message, "code": exc.code}
    elif isinstance(exc, asyncio.CancelledError):
        data = {"error": "Run cancelled", "code": "CANCELLED"}
    else:
        data = {"error": "Internal error", "code": "INTERNAL"}
    if isinstance(exc, ComponentError):
        data["component_id"] = exc.failure.component_id
        data["display_name"] = exc.failure.display_name
        data["error_type"] = exc.failure.error_type
        data["upstream_status"] = exc.failure.upstream_status
    return EngineEvent("error", data)


def end(seconds: float) -> EngineEvent:
    """The terminal ``end`` event: ``{"build_duration": seconds}``."""
    return EngineEvent("end", {"build_duration": seconds})
