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

    ``start_component_id`` / ``stop_component_id`` select over the dependencies plus the loop
    feedback edges, and a loop is kept whole: when a loop vertex or any vertex of its body is
    selected, the loop, its whole body and their ancestors are.

    Raises :class:`~flowql.errors.InvalidInput` for an unknown start/stop id, a cycle that does
    not pass through a loop component's feedback edge (a loop body feeding the loop's own input
    included), and :class:`~flowql.errors.UnsupportedComponent` (node id and type) for the first
    vertex to run, in ``data.nodes`` order, whose type is not registered.
    """
    deps = _dependencies(graph, components)
    links = _with_feedback(graph, components, deps)
    selected = set(graph.vertices)
    if stop_component_id is not None:
        _require(graph, stop_component_id, "stop_component_id")
        selected &= _closure(stop_component_id, _parents(links))
    if start_component_id is not None:
        _require(graph, start_component_id, "start_component_id")
        down = _closure(start_component_id, links)
        parents = _parents(links)
        needed: set[str] = set()
        for vertex_id in down:
            needed |= _closure(vertex_id, parents)
        selected &= needed
    if len(selected) < len(graph.vertices):
        all_bodies = _loop_bodies(graph, components, list(graph.vertices), deps)
        selected = _whole_loops(selected, all_bodies, _parents(links))
    to_run = [v for v in graph.vertices if v in selected]
    for vertex_id in to_run:
        vertex = graph.vertices[vertex_id]
        if components.get(vertex.type) is None:
            raise UnsupportedComponent(vertex.id, str(vertex.type))
    sub = {v: [s for s in deps[v] if s in selected] for v in to_run}
    bodies = _loop_bodies(graph, components, to_run, sub)
    if not bodies:
        return Plan(layers=_layers(to_run, sub), to_run=to_run, successors=sub)
    owner = _owners(bodies)
    loops = {
        loop_id: _level_layers([v for v in to_run if v in body], loop_id, owner, sub)
        for loop_id, body in bodies.items()
    }
    layers = _level_layers(to_run, None, owner, sub)
    return Plan(layers=layers, to_run=to_run, successors=sub, loops=loops)


def _with_feedback(
    graph: FlowGraph, components: ComponentRegistry, deps: dict[str, list[str]]
) -> dict[str, list[str]]:
    """``deps`` plus the feedback edges into loop components (for start/stop selection)."""
    links = {v: list(targets) for v, targets in deps.items()}
    for edge in graph.edges:
        if edge.target not in links[edge.source]:
            links[edge.source].append(edge.target)
    return links


def _whole_loops(selected: set[str], bodies: dict[str, set[str]], parents: dict[str, list[str]]) -> set[str]:
    """``selected`` grown until every loop touched (its vertex or a body member) is whole, with
    the ancestors of what was added."""
    grown = set(selected)
    changed = True
    while changed:
        changed = False
        for loop_id, body in bodies.items():
            unit = body | {loop_id}
            if unit & grown and not unit <= grown:
                for member in unit - grown:
                    grown |= _closure(member, parents)
                changed = True
    return grown


def _loop_bodies(
    graph: FlowGraph, components: ComponentRegistry, to_run: list[str], sub: dict[str, list[str]]
) -> dict[str, set[str]]:
    """Loop vertex → its body: the vertices downstream of its iterating outputs that are not
    also downstream of its other outputs (``done``: those run once, after the loop).

    Raises InvalidInput when the loop vertex is itself downstream of its body (a cycle into the
    loop's own input)."""
    bodies: dict[str, set[str]] = {}
    for vertex_id in to_run:
        cls = components.get(graph.vertices[vertex_id].type)
        if cls is None or not cls.is_loop:
            continue
        iterating = set(getattr(cls, "loop_outputs", ("item",)))
        body: set[str] = set()
        after: set[str] = set()
        for edge in graph.outgoing(vertex_id):
            if edge.target not in sub or edge.target == vertex_id or edge.target_field is None:
                continue
            reached = _closure(edge.target, sub)
            if edge.source_output in iterating:
                body |= reached
            else:
                after |= reached
        if vertex_id in body:
            _loop_cycle(vertex_id, body, sub)
        bodies[vertex_id] = body - after
    return bodies


def _loop_cycle(loop_id: str, body: set[str], sub: dict[str, list[str]]) -> None:
    """Raise the InvalidInput naming the vertices on a cycle from ``loop_id``'s body back into
    the loop's own input fields."""
    on_cycle = [v for v in sub if v in body and loop_id in _closure(v, sub)]
    message = (
        f"The flow has a cycle through {', '.join(on_cycle)}: the body of loop '{loop_id}' feeds "
        "the loop's own input; only a loop's feedback input may close a cycle"
    )
    raise InvalidInput(message, [FieldProblem(path="data.edges", message=message)])


def _owners(bodies: dict[str, set[str]]) -> dict[str, str]:
    """Vertex → the innermost loop whose body holds it (body vertices only)."""
    owner: dict[str, str] = {}
    for loop_id, body in sorted(bodies.items(), key=lambda item: -len(item[1])):
        for member in body:
            owner[member] = loop_id
    return owner


def _level_layers(
    scope: list[str], level: str | None, owner: dict[str, str], sub: dict[str, list[str]]
) -> list[list[str]]:
    """The layers of the vertices of ``scope`` that ``level`` runs itself (the top level when
    ``None``): a vertex inside a nested loop's body stands for that loop here, so an edge into
    or out of a body orders the loop vertex."""
    inside = set(scope)

    def rep(vertex_id: str) -> str:
        while owner.get(vertex_id) != level:
            vertex_id = owner[vertex_id]
        return vertex_id

    members = [v for v in scope if owner.get(v) == level]
    links: dict[str, list[str]] = {v: [] for v in members}
    for source in scope:
        for target in sub[source]:
            if target not in inside:
                continue
            a, b = rep(source), rep(target)
            if a != b and b not in links[a]:
                links[a].append(b)
    return _layers(members, links)


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
