"""Everything the engine checks before a run starts, in one place: used by
:func:`flowql.engine.run_flow` and, before a job or message is stored, by every run surface."""

from __future__ import annotations

from typing import Any

from flowql.engine.components import ComponentRegistry, registry
from flowql.engine.graph import FlowGraph, parse_flow
from flowql.engine.plan import Plan, make_plan
from flowql.engine.tweaks import apply_input_value, apply_tweaks
from flowql.engine.types import RunRequest
from flowql.errors import FieldProblem, InvalidInput


def prepare_run(
    flow_data: dict[str, Any], request: RunRequest, components: ComponentRegistry | None = None
) -> tuple[FlowGraph, Plan]:
    """Parse ``flow_data`` (never mutating it), plan the run (start/stop ids, unsupported types,
    cycles), apply tweaks then ``input_value``, and let each planned component check its vertex.
    Returns the tweaked graph and the plan; nothing has run.

    Raises InvalidInput (bad structure, a cycle, an unknown start / stop / ``output_component``
    id, a tweak that does not fit, a bad field value a component checks up front) and
    UnsupportedComponent (node id and type)."""
    comps = components if components is not None else registry
    graph = parse_flow(flow_data)
    plan = make_plan(
        graph,
        comps,
        start_component_id=request.start_component_id,
        stop_component_id=request.stop_component_id,
    )
    if request.output_component is not None and request.output_component not in graph.vertices:
        message = f"output_component '{request.output_component}' is not a component of this flow"
        raise InvalidInput(message, [FieldProblem("output_component", message)])
    apply_tweaks(graph, request.tweaks, comps)
    apply_input_value(graph, request.input_value, request.input_type, comps)
    for vertex_id in plan.to_run:
        vertex = graph.vertices[vertex_id]
        component = comps.get(vertex.type)
        assert component is not None  # checked by make_plan
        component.check(vertex)
    return graph, plan
