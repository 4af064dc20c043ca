"""Parse Langflow flow JSON into vertices and edges (design.md "Parsing").

A vertex is a non-note node: ``node["data"]["type"]`` names its component,
``node["data"]["node"]["template"]`` holds its fields, ``...["outputs"][*]["name"]`` its outputs and
``...["display_name"]`` its display name. Edges carry the source output name
(``sourceHandle.name``) and the target field (``targetHandle.fieldName``); a loop feedback edge
has a target handle with ``name`` and no ``fieldName``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from flowql.engine.handles import edge_handle
from flowql.engine.validate import is_note, validate_flow_data
from flowql.errors import FieldProblem, InvalidInput


@dataclass
class Vertex:
    """One component node. ``template`` is a private deep copy: tweaks may change it.

    ``template`` maps field name → field dict (``value``, ``type``, ``show``, ``load_from_db``, …);
    non-dict template members (``_type``) are left out. ``index`` is the position in ``data.nodes``.
    """

    id: str
    type: str | None
    display_name: str
    template: dict[str, dict[str, Any]]
    outputs: list[str]
    custom_fields: dict[str, Any]
    index: int
    output_types: list[str] = field(default_factory=list)

    def has_field(self, name: str) -> bool:
        """True when ``name`` is one of the vertex's template fields."""
        return name in self.template


@dataclass(frozen=True)
class Edge:
    """One edge: ``source_output`` is the output name, ``target_field`` the field it feeds.

    ``target_field`` is ``None`` for a loop feedback edge (target handle ``name``, no ``fieldName``);
    ``target_output`` then holds that ``name``. ``index`` is the position in ``data.edges``.
    """

    index: int
    id: str | None
    source: str
    target: str
    source_output: str | None
    target_field: str | None
    target_output: str | None = None


@dataclass
class FlowGraph:
    """The parsed flow: vertices keyed by id in ``data.nodes`` order, and edges between them."""

    vertices: dict[str, Vertex]
    edges: list[Edge]

    def incoming(self, vertex_id: str) -> list[Edge]:
        """Edges whose target is ``vertex_id``, in ``data.edges`` order."""
        return [e for e in self.edges if e.target == vertex_id]

    def outgoing(self, vertex_id: str) -> list[Edge]:
        """Edges whose source is ``vertex_id``, in ``data.edges`` order."""
        return [e for e in self.edges if e.source == vertex_id]

    def edge_fed_fields(self, vertex_id: str) -> set[str]:
        """The fields of ``vertex_id`` that an edge feeds (their tweaks have no effect)."""
        return {e.target_field for e in self.incoming(vertex_id) if e.target_field is not None}


def parse_flow(flow_data: dict[str, Any]) -> FlowGraph:
    """Parse a flow's ``data`` (or a whole flow export with a ``data`` member) into a graph.

    The input is never mutated: templates are deep-copied. Structure is checked with
    :func:`~flowql.engine.validate.validate_flow_data` first; beyond that parsing is lenient
    (missing ``node``/``template``/``outputs`` become empty). Edges touching note nodes are dropped.
    Raises :class:`~flowql.errors.InvalidInput` for a structurally broken flow.
    """
    data = flow_data.get("data") if "nodes" not in flow_data and "data" in flow_data else flow_data
    if not isinstance(data, dict):
        raise InvalidInput("Flow has no graph data", [FieldProblem("data", "missing or not an object")])
    validate_flow_data(data)
    vertices: dict[str, Vertex] = {}
    for index, node in enumerate(data.get("nodes", [])):
        if is_note(node):
            continue
        vertex = _parse_vertex(node, index)
        vertices[vertex.id] = vertex
    edges: list[Edge] = []
    for index, raw in enumerate(data.get("edges", [])):
        if raw["source"] not in vertices or raw["target"] not in vertices:
            continue
        source_handle = edge_handle(raw, "sourceHandle")
        target_handle = edge_handle(raw, "targetHandle")
        target_field = _str_or_none(target_handle.get("fieldName"))
        edges.append(
            Edge(
                index=index,
                id=_str_or_none(raw.get("id")),
                source=raw["source"],
                target=raw["target"],
                source_output=_str_or_none(source_handle.get("name")),
                target_field=target_field,
                target_output=_str_or_none(target_handle.get("name")) if target_field is None else None,
            )
        )
    return FlowGraph(vertices=vertices, edges=edges)


def _parse_vertex(node: dict[str, Any], index: int) -> Vertex:
    data = _dict(node.get("data"))
    inner = _dict(data.get("node"))
    template = {k: copy.deepcopy(v) for k, v in _dict(inner.get("template")).items() if isinstance(v, dict)}
    outputs_raw = [o for o in _list(inner.get("outputs")) if isinstance(o, dict)]
    outputs = [o["name"] for o in outputs_raw if isinstance(o.get("name"), str)]
    output_types: list[str] = []
    for o in outputs_raw:
        output_types.extend(t for t in _list(o.get("types")) if isinstance(t, str))
    display_name = inner.get("display_name") or data.get("display_name") or node["id"]
    return Vertex(
        id=node["id"],
        type=_type_name(data.get("type")),
        display_name=str(display_name),
        template=template,
        outputs=outputs,
        custom_fields=copy.deepcopy(_dict(inner.get("custom_fields"))),
        index=index,
        output_types=list(dict.fromkeys(output_types)),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _type_name(value: object) -> str | None:
    """``data.type`` as text (a non-string value is kept in its JSON form so errors can name it)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
