"""Per-vertex records of a run (:class:`~flowql.engine.types.VertexRecord`), for the callers
that persist transactions, vertex builds and trace spans."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flowql.engine.graph import Vertex
from flowql.engine.results import serialize_value, vertex_outputs
from flowql.engine.types import ChildSpan, VertexOutput, VertexRecord, VertexStatus

#: Template members that are never a component input.
_NOT_INPUTS = frozenset({"code", "_type", "_frontend_node_flow_id", "_frontend_node_folder_id"})


def _json_safe(value: Any) -> Any:
    """``value`` serialised for a JSON column (messages serialised; anything else not JSON-able
    becomes its string form)."""
    value = serialize_value(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


#: What a password field's value is recorded as.
MASK = "********"


def field_inputs(vertex: Vertex, fed: set[str], session_id: str) -> dict[str, Any]:
    """The vertex's own field values, as Langflow's transaction ``inputs`` shows them: every
    template field not fed by an edge, except ``code``; a ``session_id`` field shows the run's
    session; a ``password`` field (an API key) shows :data:`MASK`."""
    out: dict[str, Any] = {}
    for name, spec in vertex.template.items():
        if name in _NOT_INPUTS or name.startswith("_") or name in fed:
            continue
        if spec.get("password") and spec.get("value"):
            out[name] = MASK  # secrets never reach transactions, spans or vertex builds
            continue
        out[name] = session_id if name == "session_id" else _json_safe(spec.get("value"))
    return out


def vertex_record(
    vertex: Vertex,
    *,
    status: VertexStatus,
    started_at: datetime,
    finished_at: datetime,
    seconds: float,
    inputs: dict[str, Any],
    edge_inputs: dict[str, Any],
    targets: list[str],
    output: VertexOutput | None = None,
    build_data: dict[str, Any] | None = None,
    error: str | None = None,
    model_name: str | None = None,
    token_usage: dict[str, Any] | None = None,
    spans: list[ChildSpan] | None = None,
) -> VertexRecord:
    """A :class:`VertexRecord` for one execution of ``vertex`` (``output`` when it succeeded)."""
    return VertexRecord(
        vertex_id=vertex.id,
        display_name=vertex.display_name,
        vertex_type=vertex.type or "",
        status=status,
        started_at=started_at,
        finished_at=finished_at,
        seconds=seconds,
        inputs=inputs,
        edge_inputs={name: _json_safe(v) for name, v in edge_inputs.items()},
        outputs=vertex_outputs(output) if output is not None else {},
        results={n: _json_safe(v) for n, v in output.results.items()} if output is not None else {},
        targets=list(targets),
        build_data=build_data,
        error=error,
        model_name=model_name,
        token_usage=token_usage,
        spans=list(spans or []),
    )
