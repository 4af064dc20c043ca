"""Which vertices run and in what order (design.md "Order").

Mirrors Langflow's graph sorting: vertices run in topological layers; ``stop_component_id``
keeps that vertex and its ancestors; ``start_component_id`` keeps that vertex, its descendants
and the ancestors they need. A cycle is only allowed through a loop component's feedback edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowql.engine.components.base import ComponentRegistry
from flowql.engine.graph import FlowGraph
from flowql.errors import FieldProblem, InvalidInput, UnsupportedComponent


@dataclass
class Plan:
    """``layers``: vertex ids per layer (``data.nodes`` order inside a layer); ``to_run``: all
    of them in ``data.nodes`` order; ``successors``: dependency successors within ``to_run``.

    ``loops`` maps a loop vertex to the layers of its body: the vertices downstream of its
    iterating outputs (``loop_outputs``, e.g. ``item``), run once per item by the loop vertex
    itself and so left out of ``layers``. A body vertex's parents outside the body run before
    the loop vertex. A loop nested in a body carries its own body."""

    layers: list[list[str]]
    to_run: list[str]
    successors: dict[str, list[str]]
    loops: dict[str, list[list[str]]] = field(default_factory=dict)


def make_plan(
    graph: FlowGraph,
    components: ComponentRegistry,
    *,
    start_component_id: str | None = None,
    stop_component_id: str | None = None,
) -> Plan:
    """Plan a run of ``graph``.

    Raises :class:`~flowql.errors.InvalidInput` for an unknown start/stop id or a cycle that does
    not pass through a loop component, and :class:`~flowql.errors.UnsupportedComponent` (node id
    and type) for the first vertex to run, in ``data.nodes`` order, whose type is not registered.
    """
    deps = _dependencies(graph, components)
    selected = set(graph.vertices)
    if stop_component_id is not None:
        _require(graph, stop_component_id, "stop_component_id")
        selected &= _closure(stop_component_id, _parents(deps))
    if start_component_id is not None:
        _require(graph, start_component_id, "start_component_id")
        down = _closure(start_component_id, deps)
        parents = _parents(deps)
        needed: set[str] = set()
        for vertex_id in down:
            needed |= _closure(vertex_id, parents)
        selected &= needed
    to_run = [v for v in graph.vertices if v in selected]
    for vertex_id in to_run:
        vertex = graph.vertices[vertex_id]
        if components.get(vertex.type) is None:
            raise UnsupportedComponent(vertex.id, str(vertex.type))
    sub = {v: [s for s in deps[v] if s in selected] for v in to_run}
    bodies = _loop_bodies(graph, components, to_run, sub)
    if not bodies:
        return Plan(layers=_layers(to_run, sub), to_run=to_run, successors=sub)
    in_body: set[str] = set().union(*bodies.values())
    loops: dict[str, list[list[str]]] = {}
    for loop_id, body in bodies.items():
        nested: set[str] = set().union(set(), *(bodies[w] for w in body if w in bodies))
        members = [v for v in to_run if v in body and v not in nested]
        loops[loop_id] = _layers(members, {v: [t for t in sub[v] if t in members] for v in members})
    top = [v for v in to_run if v not in in_body]
    top_sub = {v: [t for t in sub[v] if t in top] for v in top}
    parents = _parents(sub)
    for loop_id, body in bodies.items():
        if loop_id not in top_sub:
            continue
        for member in body:
            for parent in parents[member]:
                if parent in top_sub and parent != loop_id and loop_id not in top_sub[parent]:
                    top_sub[parent].append(loop_id)
    return Plan(layers=_layers(top, top_sub), to_run=to_run, successors=sub, loops=loops)


def _loop_bodies(
    graph: FlowGraph, components: ComponentRegistry, to_run: list[str], sub: dict[str, list[str]]
) -> dict[str, set[str]]:
    """Loop vertex → the vertices downstream of its iterating outputs (itself excluded)."""
    bodies: dict[str, set[str]] = {}
    for vertex_id in to_run:
        cls = components.get(graph.vertices[vertex_id].type)
        if cls is None or not cls.is_loop:
            continue
        iterating = set(getattr(cls, "loop_outputs", ("item",)))
        body: set[str] = set()
        for edge in graph.outgoing(vertex_id):
            if edge.source_output in iterating and edge.target in sub and edge.target != vertex_id:
                body |= _closure(edge.target, sub)
        body.discard(vertex_id)
        bodies[vertex_id] = body
    return bodies


def _dependencies(graph: FlowGraph, components: ComponentRegistry) -> dict[str, list[str]]:
    """source → targets it must run before (feedback edges into loop components left out)."""
    succ: dict[str, list[str]] = {v: [] for v in graph.vertices}
    for edge in graph.edges:
        target_cls = components.get(graph.vertices[edge.target].type)
        if edge.target_field is None and target_cls is not None and target_cls.is_loop:
            continue
        if edge.target not in succ[edge.source]:
            succ[edge.source].append(edge.target)
    return succ


def _parents(succ: dict[str, list[str]]) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = {v: [] for v in succ}
    for source, targets in succ.items():
        for target in targets:
            parents[target].append(source)
    return parents


def _closure(start: str, links: dict[str, list[str]]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in links[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _layers(order: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    indegree = dict.fromkeys(order, 0)
    for targets in succ.values():
        for target in targets:
            indegree[target] += 1
    layers: list[list[str]] = []
    current = [v for v in order if indegree[v] == 0]
    done = 0
    while current:
        layers.append(current)
        done += len(current)
        ready: set[str] = set()
        for vertex_id in current:
            for target in succ[vertex_id]:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.add(target)
        current = [v for v in order if v in ready]
    if done != len(order):
        on_cycles = _on_cycles({v for v in order if indegree[v] > 0}, succ)
        stuck = [v for v in order if v in on_cycles]
        message = f"The flow has a cycle through {', '.join(stuck)} and no loop component to break it"
        raise InvalidInput(message, [FieldProblem(path="data.edges", message=message)])
    return layers


def _on_cycles(blocked: set[str], succ: dict[str, list[str]]) -> set[str]:
    """The blocked vertices that lie on a cycle: those left after repeatedly dropping the ones
    with no successor among the rest (downstream vertices are blocked but not on a cycle)."""
    remaining = set(blocked)
    while True:
        sinks = {v for v in remaining if not any(t in remaining for t in succ[v])}
        if not sinks:
            return remaining
        remaining -= sinks


def _require(graph: FlowGraph, vertex_id: str, name: str) -> None:
    if vertex_id not in graph.vertices:
        message = f"{name} '{vertex_id}' is not a component of this flow"
        raise InvalidInput(message, [FieldProblem(path=name, message=message)])
