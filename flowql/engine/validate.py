"""Save-time structural validation of a flow's ``data`` (design.md "Parsing").

Only structure is checked: ``nodes`` and ``edges`` are lists, node ids are present and unique,
edges name existing nodes and their handles parse. Component support, field types and cycles are
never checked here, so every flow Langflow exports can be saved (they are checked at run time).
"""

from __future__ import annotations

from typing import Any, NoReturn

from flowql.engine.handles import HANDLE_KEYS, HandleError, edge_handle
from flowql.errors import FieldProblem, InvalidInput


def is_note(node: dict[str, Any]) -> bool:
    """True for a note node (node-level ``type == "noteNode"``, or ``data.type == "note"``)."""
    data = node.get("data")
    return node.get("type") == "noteNode" or (isinstance(data, dict) and data.get("type") == "note")


def validate_flow_data(data: object) -> None:
    """Check the structure of a flow's ``data`` before it is stored.

    ``data`` may be ``None`` (a flow without a graph) or a dict whose optional ``nodes`` and
    ``edges`` members are lists (absent means empty, as Langflow accepts ``{}``). Each node is an
    object with a non-empty string ``id``, unique in the flow; note nodes only need to be objects.
    Each edge is an object whose ``source`` / ``target`` name existing nodes and whose
    ``sourceHandle`` / ``targetHandle`` parse (object under ``data`` or ``œ``-quoted string); a loop
    feedback target handle (``name`` and no ``fieldName``) is accepted.

    Raises :class:`~flowql.errors.InvalidInput` whose message names the node or edge (index and id)
    and whose ``fields`` carry paths like ``data.nodes[3]`` / ``data.edges[0]``.
    """
    if data is None:
        return
    if not isinstance(data, dict):
        _fail("data", "Flow data must be an object with 'nodes' and 'edges' lists")
    nodes = data.get("nodes", [])
    edges = data.get("edges", [])
    if not isinstance(nodes, list):
        _fail("data.nodes", "Flow data 'nodes' must be a list")
    if not isinstance(edges, list):
        _fail("data.edges", "Flow data 'edges' must be a list")
    ids = _check_nodes(nodes)
    _check_edges(edges, ids)


def _check_nodes(nodes: list[Any]) -> set[str]:
    ids: set[str] = set()
    for index, node in enumerate(nodes):
        path = f"data.nodes[{index}]"
        if not isinstance(node, dict):
            _fail(path, f"Node {index} is not an object")
        node_id = node.get("id")
        if is_note(node):
            if isinstance(node_id, str) and node_id:
                ids.add(node_id)
            continue
        if not isinstance(node_id, str) or not node_id:
            _fail(path, f"Node {index} has no 'id'")
        if node_id in ids:
            _fail(path, f"Node {index} ('{node_id}') has a duplicate id")
        data = node.get("data")
        if data is not None and not isinstance(data, dict):
            _fail(path, f"Node {index} ('{node_id}') has a 'data' member that is not an object")
        ids.add(node_id)
    return ids


def _check_edges(edges: list[Any], ids: set[str]) -> None:
    for index, edge in enumerate(edges):
        path = f"data.edges[{index}]"
        if not isinstance(edge, dict):
            _fail(path, f"Edge {index} is not an object")
        label = f"Edge {index} ('{edge.get('id')}')" if edge.get("id") else f"Edge {index}"
        for end in ("source", "target"):
            node_id = edge.get(end)
            if not isinstance(node_id, str) or not node_id:
                _fail(path, f"{label} has no '{end}'")
            if node_id not in ids:
                _fail(path, f"{label}: {end} node '{node_id}' does not exist")
        for key in HANDLE_KEYS:
            try:
                edge_handle(edge, key)
            except HandleError as exc:
                _fail(path, f"{label}: {exc}")


def _fail(path: str, message: str) -> NoReturn:
    raise InvalidInput(message, [FieldProblem(path=path, message=message)])
