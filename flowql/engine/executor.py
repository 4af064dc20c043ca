"""Run a flow: parse, plan, tweak, execute layers concurrently, collect outputs.

Mirrors Langflow's ``POST /api/v1/run`` processing (``simplified_run_flow`` → ``Graph.arun``)
with FlowQL's documented differences (design.md "Deliberate differences").
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from flowql.engine import events
from flowql.engine.components import ComponentRegistry, ComponentResult, registry
from flowql.engine.components.base import Component
from flowql.engine.components.control import LoopingComponent, RoutedResult
from flowql.engine.context import ComponentContext, SourceInfo
from flowql.engine.graph import FlowGraph, Vertex
from flowql.engine.limits import check_output
from flowql.engine.plan import Plan
from flowql.engine.prepare import prepare_run
from flowql.engine.records import field_inputs, vertex_record
from flowql.engine.types import EngineServices, RunOutcome, RunRequest, VertexOutput, VertexStatus, utcnow
from flowql.engine.values import to_text
from flowql.errors import ComponentError, ComponentFailure, DomainError


async def run_flow(
    flow_data: dict[str, Any],
    request: RunRequest,
    services: EngineServices,
    *,
    components: ComponentRegistry | None = None,
) -> RunOutcome:
    """Run ``flow_data`` (a flow's ``data``: ``{"nodes": [...], "edges": [...]}``) once.

    Steps: parse (never mutating ``flow_data``), plan (start/stop ids, unsupported types, cycles)
    before anything runs, apply tweaks then ``input_value``, run the planned vertices layer by
    layer (a layer's vertices concurrently), and return the output vertices that ran, in
    ``data.nodes`` order, chosen by ``output_component`` or ``output_type``.

    Events go to ``services.emit`` (see :mod:`flowql.engine.events`); ``end`` is always the last
    one, after ``error`` on failure or cancellation. ``components`` defaults to the global
    :data:`~flowql.engine.components.registry`.

    Raises :class:`~flowql.errors.InvalidInput` (bad structure, bad tweak, cycle, unknown
    ``output_component`` / start / stop id), :class:`~flowql.errors.UnsupportedComponent`
    (node id and type; nothing has run or been stored), :class:`~flowql.errors.ComponentError`
    (a vertex failed; names its id and display name; ``OutputTooLarge`` when a vertex's outputs
    hold more than ``services.data.max_output_chars`` characters). ``asyncio.CancelledError`` propagates after
    the running component tasks are cancelled.
    """
    started = time.perf_counter()
    comps = components if components is not None else registry
    try:
        graph, plan = prepare_run(flow_data, request, comps)
        await services.emit(events.vertices_sorted(plan.layers[0] if plan.layers else [], plan.to_run))
        await services.emit(events.build_start())
        ran = await _Run(graph, plan, request, services, comps).execute()
    except BaseException as exc:
        await _terminate(services, exc, started)
        raise
    outcome = RunOutcome(
        session_id=request.session_id,
        run_id=request.run_id,
        inputs={"input_value": request.input_value},
        outputs=_select_outputs(graph, ran, request, comps),
    )
    await services.emit(events.end(time.perf_counter() - started))
    return outcome


async def _terminate(services: EngineServices, exc: BaseException, started: float) -> None:
    """Best effort ``error`` + ``end`` so every event stream ends with exactly one ``end``."""
    try:
        await services.emit(events.error(exc))
        await services.emit(events.end(time.perf_counter() - started))
    except Exception:  # noqa: S110 - the original failure is what the caller must see
        pass


def _select_outputs(
    graph: FlowGraph, ran: dict[str, VertexOutput], request: RunRequest, comps: ComponentRegistry
) -> list[VertexOutput]:
    if request.output_component is not None:
        wanted = {request.output_component}
    elif request.output_type == "debug":
        wanted = set(graph.vertices)
    else:
        kinds = {"chat", "text"} if request.output_type == "any" else {request.output_type}
        wanted = set()
        for vertex in graph.vertices.values():
            cls = comps.get(vertex.type)
            if cls is not None and cls.output_kind in kinds:
                wanted.add(vertex.id)
    return [ran[v] for v in graph.vertices if v in wanted and v in ran]


class _Run:
    """The mutable state of one execution: results so far and the step count."""

    def __init__(
        self,
        graph: FlowGraph,
        plan: Plan,
        request: RunRequest,
        services: EngineServices,
        comps: ComponentRegistry,
    ) -> None:
        self.graph = graph
        self.plan = plan
        self.request = request
        self.services = services
        self.comps = comps
        self.results: dict[str, ComponentResult] = {}
        self.outputs: dict[str, VertexOutput] = {}
        self.steps = 0
        self.inactive: set[str] = set()

    async def execute(self) -> dict[str, VertexOutput]:
        """Run every layer; the first failing vertex cancels its layer and ends the run."""
        await self._run_layers(self.plan.layers)
        return self.outputs

    async def _run_layers(self, layers: list[list[str]]) -> None:
        """Run ``layers`` in order, a layer's vertices concurrently."""
        for layer in layers:
            tasks = [asyncio.create_task(self._run_vertex(v), name=f"flowql-vertex-{v}") for v in layer]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            finally:
                pending = [t for t in tasks if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
            for task in tasks:
                failure = None if task.cancelled() else task.exception()
                if failure is not None:
                    raise failure
            for vertex_id, task in zip(layer, tasks, strict=True):
                if task.cancelled():  # cancelled from inside, not by us: the run was not cancelled
                    raise _cancelled_inside(self.graph.vertices[vertex_id])

    def _step(self, vertex: Vertex) -> None:
        """Count one vertex execution (or loop iteration); over ``max_steps`` ends the run."""
        self.steps += 1
        if self.steps > self.services.max_steps:
            raise ComponentError(
                f"The run exceeded its limit of {self.services.max_steps} steps",
                ComponentFailure(vertex.id, vertex.display_name, error_type="StepLimit"),
            )

    async def _run_loop(self, component: LoopingComponent, ctx: ComponentContext) -> ComponentResult:
        """Drive a loop: its body once per item, then :meth:`LoopingComponent.finish`."""
        vertex = ctx.vertex
        body_layers = self.plan.loops.get(vertex.id, [])
        body = self._body_members(vertex.id)
        feedback = [e for e in self.graph.incoming(vertex.id) if e.target_field is None]
        items: list[Any] = []
        collected: list[Any] = []
        async for item in component.iterate(ctx):
            if items:
                self._step(vertex)
            items.append(item)
            for member in body:
                self.results.pop(member, None)
                self.inactive.discard(member)
            self.results[vertex.id] = ComponentResult(dict.fromkeys(component.loop_outputs, item))
            await self._run_layers(body_layers)
            fed = [
                e
                for e in feedback
                if e.source in self.results and _produced(self.results[e.source], e.source_output)
            ]
            if not feedback:
                collected.append(item)
            for edge in fed:
                collected.append(_output_value(self.results[edge.source], edge.source_output))
        self.results.pop(vertex.id, None)
        return component.finish(ctx, items, collected)

    def _body_members(self, loop_id: str) -> set[str]:
        """Every vertex run by ``loop_id``'s body, nested loops' bodies included."""
        members = {v for layer in self.plan.loops.get(loop_id, []) for v in layer}
        for member in list(members):
            if member in self.plan.loops:
                members |= self._body_members(member)
        return members

    def _inactivate(self, vertex_id: str, stopped: frozenset[str]) -> list[str]:
        """Mark the branch below the stopped outputs of ``vertex_id`` as Langflow does: every
        planned vertex downstream of a stopped output, whatever else feeds it, except those also
        downstream of an output the router took (branches merging again stay active); then any
        vertex whose every input comes from inactive vertices. Returns the newly inactivated
        vertices in ``data.nodes`` order."""
        outgoing = [e for e in self.graph.outgoing(vertex_id) if e.target in self.plan.successors]
        dead_roots = {e.target for e in outgoing if e.source_output in stopped}
        if not dead_roots:
            return []
        live_roots = {e.target for e in outgoing if e.source_output not in stopped}
        below = self._downstream(dead_roots - {vertex_id})
        live = self._downstream(live_roots - {vertex_id})
        newly = below - live - self.inactive - {vertex_id}
        planned = set(self.plan.to_run)
        changed = True
        while changed:
            changed = False
            for candidate in below - newly - self.inactive - {vertex_id}:
                feeding = [
                    e
                    for e in self.graph.incoming(candidate)
                    if e.target_field is not None and e.source in planned
                ]
                if feeding and all(
                    (e.source == vertex_id and e.source_output in stopped)
                    or e.source in newly
                    or e.source in self.inactive
                    for e in feeding
                ):
                    newly.add(candidate)
                    changed = True
        self.inactive |= newly
        return [v for v in self.graph.vertices if v in newly]

    def _downstream(self, roots: set[str]) -> set[str]:
        """``roots`` and every planned vertex that depends on them."""
        seen = set(roots)
        stack = list(roots)
        while stack:
            for target in self.plan.successors.get(stack.pop(), []):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    async def _run_vertex(self, vertex_id: str) -> None:
        if vertex_id in self.inactive:
            return
        vertex = self.graph.vertices[vertex_id]
        cls = self.comps.get(vertex.type)
        assert cls is not None  # checked by make_plan
        self._step(vertex)
        inputs, upstream = self._inputs(vertex)
        ctx = ComponentContext(
            vertex=vertex,
            inputs=inputs,
            services=self.services,
            session_id=self.request.session_id,
            flow_id=self.request.flow_id,
            run_id=self.request.run_id,
            upstream=upstream,
            consumed_outputs=frozenset(
                e.source_output for e in self.graph.outgoing(vertex_id) if e.source_output is not None
            ),
            chat_output_source=self._chat_output_source(vertex_id),
            count_step=lambda: self._step(vertex),
        )
        started, started_at = time.perf_counter(), utcnow()
        own_inputs = field_inputs(vertex, self.graph.edge_fed_fields(vertex_id), self.request.session_id)
        targets = self.plan.successors.get(vertex_id, [])

        async def record(status: VertexStatus, **extra: Any) -> None:
            await self.services.on_vertex(
                vertex_record(
                    vertex,
                    status=status,
                    started_at=started_at,
                    finished_at=utcnow(),
                    seconds=time.perf_counter() - started,
                    inputs=own_inputs,
                    edge_inputs=inputs,
                    targets=targets,
                    **extra,
                )
            )

        try:
            result = await _execute(cls(), ctx, self)
            check_output(result.outputs, self.services.data.max_output_chars)
        except asyncio.CancelledError:
            await record("cancelled", error="Cancelled")
            raise
        except DomainError as exc:
            await record("error", error=exc.message)
            raise
        except Exception as exc:
            message = f"Error building component '{vertex.display_name}' ({vertex.id}): {exc}"
            await record("error", error=message)
            failure = ComponentFailure(vertex.id, vertex.display_name, error_type=type(exc).__name__)
            raise ComponentError(message, failure) from exc
        seconds = time.perf_counter() - started
        self.results[vertex_id] = result
        output = _vertex_output(vertex, result)
        self.outputs[vertex_id] = output
        event = events.end_vertex(
            output,
            next_vertices=targets,
            is_output=cls.output_kind is not None,
            is_terminal=not self.graph.outgoing(vertex_id),
            output_types=vertex.output_types,
            seconds=seconds,
        )
        if isinstance(result, RoutedResult):
            event.data["build_data"]["inactivated_vertices"] = self._inactivate(vertex_id, result.stopped)
        await self.services.emit(event)
        await record(
            "success",
            output=output,
            build_data=event.data["build_data"],
            model_name=result.model_name,
            token_usage=result.token_usage,
            spans=result.spans,
        )

    def _chat_output_source(self, vertex_id: str) -> str | None:
        """The output read by the vertex's only outgoing edge when it goes to a chat output
        vertex; else ``None``."""
        outgoing = self.graph.outgoing(vertex_id)
        if len(outgoing) != 1:
            return None
        target = self.comps.get(self.graph.vertices[outgoing[0].target].type)
        return outgoing[0].source_output if target is not None and target.output_kind == "chat" else None

    def _inputs(self, vertex: Vertex) -> tuple[dict[str, Any], SourceInfo | None]:
        """Edge values by target field (a list when several edges feed one field) and the
        upstream of the first incoming edge."""
        collected: dict[str, list[Any]] = {}
        upstream: SourceInfo | None = None
        for edge in self.graph.incoming(vertex.id):
            if edge.target_field is None or edge.source not in self.results:
                continue
            if not _produced(self.results[edge.source], edge.source_output):
                continue
            source = self.graph.vertices[edge.source]
            value = _output_value(self.results[edge.source], edge.source_output)
            if upstream is None:
                cls = self.comps.get(source.type)
                name = (cls.display_name if cls else "") or source.display_name
                upstream = SourceInfo(source.id, name, consumers=len(self.graph.outgoing(source.id)))
            collected.setdefault(edge.target_field, []).append(value)
        inputs = {name: values[0] if len(values) == 1 else values for name, values in collected.items()}
        return inputs, upstream


async def _execute(component: Component, ctx: ComponentContext, run: _Run) -> ComponentResult:
    """A loop is driven by the run; any other component runs itself."""
    if isinstance(component, LoopingComponent):
        return await run._run_loop(component, ctx)
    return await component.run(ctx)


def _cancelled_inside(vertex: Vertex) -> ComponentError:
    """A vertex task that ended cancelled although the run itself was not cancelled."""
    message = f"Component '{vertex.display_name}' ({vertex.id}) was cancelled"
    return ComponentError(message, ComponentFailure(vertex.id, vertex.display_name, error_type="Cancelled"))


def _produced(result: ComponentResult, name: str | None) -> bool:
    """Whether ``result`` holds output ``name`` (an edge without an output name reads a result
    with exactly one output). An output that was not produced (a router's branch not taken, a
    loop's ``item`` once it is done) feeds nothing: it never stands in for another output."""
    if name is None:
        return len(result.outputs) == 1
    return name in result.outputs


def _output_value(result: ComponentResult, name: str | None) -> Any:
    """The value of output ``name`` of ``result`` (see :func:`_produced`, checked first)."""
    if name is None:
        return next(iter(result.outputs.values()))
    return result.outputs[name]


def _vertex_output(vertex: Vertex, result: ComponentResult) -> VertexOutput:
    first_name = next(iter(result.outputs), None)
    shown: Any = result.message if result.message is not None else result.outputs.get(first_name or "")
    return VertexOutput(
        component_id=vertex.id,
        display_name=vertex.display_name,
        component_type=vertex.type or "",
        output_name=first_name,
        text=None if shown is None else to_text(shown),
        message=result.message,
        results=dict(result.outputs),
        stored_message=result.stored,
    )
