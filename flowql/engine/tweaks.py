"""Tweaks and the request's ``input_value`` applied to a parsed graph (design.md "Tweaks").

Precedence, highest first: the request's ``input_value`` (and session), a component-id tweak, a
display-name tweak, a bare field-name tweak, the stored value. Fields fed by an edge keep the
edge's value (their tweaks are silently without effect, as in Langflow). Unlike Langflow, a tweak
key naming no vertex, no display name and no field is rejected (design.md "Deliberate
differences"), and ``code`` can never be tweaked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from flowql.engine.components.base import ComponentRegistry
from flowql.engine.graph import FlowGraph, Vertex
from flowql.engine.types import InputType
from flowql.errors import FieldProblem, InvalidInput

FORBIDDEN = frozenset({"code"})


def apply_tweaks(graph: FlowGraph, tweaks: Mapping[str, Any], components: ComponentRegistry) -> None:
    """Apply ``tweaks`` to the templates of ``graph`` in place (the graph holds private copies).

    Keys: a vertex id → ``{field: value}``; a display name → ``{field: value}`` for every vertex
    with that name; otherwise a bare field name → value for every vertex with that field.
    A tweaked value replaces ``value`` and turns ``load_from_db`` off (it is a literal).
    Raises :class:`~flowql.errors.InvalidInput` naming the key (path ``tweaks.<key>[.<field>]``)
    for an unknown key, an unknown inner field, a non-object component tweak, or ``code``.
    """
    if not isinstance(tweaks, Mapping):
        _fail("tweaks", "Tweaks must be an object")
    by_name: dict[str, list[Vertex]] = {}
    for vertex in graph.vertices.values():
        by_name.setdefault(vertex.display_name, []).append(vertex)
    all_fields = {name for v in graph.vertices.values() for name in v.template}
    bare: dict[str, Any] = {}
    by_display: dict[str, dict[str, Any]] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for key, value in tweaks.items():
        key = str(key)
        if key in FORBIDDEN:
            _fail(f"tweaks.{key}", f"Tweak '{key}' is not allowed: component code is never tweaked")
        if key in graph.vertices and isinstance(value, Mapping):
            by_id[key] = dict(value)
        elif key in by_name and isinstance(value, Mapping):
            by_display[key] = dict(value)
        elif key in all_fields:
            bare[key] = value
        elif key in graph.vertices or key in by_name:
            _fail(f"tweaks.{key}", f"Tweak '{key}' names a component, so its value must be an object")
        else:
            _fail(f"tweaks.{key}", f"Tweak '{key}' matches no component id, display name or field")
    for key, fields in by_id.items():
        _check_fields(key, fields, [graph.vertices[key]], by_display, bare, components)
    for key, fields in by_display.items():
        _check_fields(key, fields, by_name[key], by_display, bare, components)
    for vertex in graph.vertices.values():
        _apply(graph, vertex, _merged_for(vertex, by_id.get(vertex.id, {}), by_display, bare), components)


def apply_input_value(
    graph: FlowGraph, input_value: str | None, input_type: InputType, components: ComponentRegistry
) -> None:
    """Set ``input_value`` on the input vertices ``input_type`` selects (``chat`` → Chat Input,
    ``text`` → Text Input, ``any`` → both; by component type, not id text). ``None`` leaves the
    stored values alone; ``""`` is an input."""
    if input_value is None:
        return
    kinds = {"chat", "text"} if input_type == "any" else {input_type}
    for vertex in graph.vertices.values():
        cls = components.get(vertex.type)
        if cls is not None and cls.input_kind in kinds:
            _set(vertex, "input_value", input_value)


def _merged_for(
    vertex: Vertex, fields: Mapping[str, Any], by_display: dict[str, dict[str, Any]], bare: dict[str, Any]
) -> dict[str, Any]:
    merged = {k: v for k, v in bare.items() if k in vertex.template}
    merged.update(by_display.get(vertex.display_name, {}))
    merged.update(fields)
    return merged


def _check_fields(
    key: str,
    fields: Mapping[str, Any],
    vertices: list[Vertex],
    by_display: dict[str, dict[str, Any]],
    bare: dict[str, Any],
    components: ComponentRegistry,
) -> None:
    for name in fields:
        if name in FORBIDDEN:
            _fail(
                f"tweaks.{key}.{name}",
                f"Tweak '{key}.{name}' is not allowed: component code is never tweaked",
            )
    allowed: set[str] = set()
    for vertex in vertices:
        allowed |= set(vertex.template)
        cls = components.get(vertex.type)
        if cls is not None:
            allowed |= cls.extra_tweak_fields(vertex.template, _merged_for(vertex, fields, by_display, bare))
    for name in fields:
        if name not in allowed:
            _fail(
                f"tweaks.{key}.{name}", f"Tweak '{key}' sets '{name}', which component '{key}' does not have"
            )


def _apply(graph: FlowGraph, vertex: Vertex, merged: dict[str, Any], components: ComponentRegistry) -> None:
    if not merged:
        return
    fed = graph.edge_fed_fields(vertex.id)
    cls = components.get(vertex.type)
    extra = cls.extra_tweak_fields(vertex.template, merged) if cls is not None else set()
    for name, value in merged.items():
        if name in fed or name in FORBIDDEN:
            continue
        if name in vertex.template or name in extra:
            _set(vertex, name, value)


def _set(vertex: Vertex, name: str, value: Any) -> None:
    spec = vertex.template.get(name)
    if spec is None:
        spec = {"name": name, "display_name": name, "type": "str", "show": True, "load_from_db": False}
        vertex.template[name] = spec
    spec["value"] = value
    if spec.get("load_from_db"):
        spec["load_from_db"] = False


def _fail(path: str, message: str) -> NoReturn:
    raise InvalidInput(message, [FieldProblem(path=path, message=message)])
