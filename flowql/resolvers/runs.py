"""Running a stored flow: the one run resolver behind REST ``/api/v1/run``, GraphQL ``runFlow``
and ``flowql run``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import select

from flowql import engine
from flowql.context import Context
from flowql.db.models import Flow
from flowql.engine.prepare import prepare_run
from flowql.engine.types import EngineServices, EventSink, InputType, OutputType, RunOutcome, RunRequest
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers.engine_files import data_access, engine_files
from flowql.resolvers.flow_db import FLOW_NOT_FOUND
from flowql.resolvers.input_checks import check_json, text_problem
from flowql.resolvers.message_store import DbMessageStore, RunVariables
from flowql.resolvers.model_defaults import model_defaults
from flowql.resolvers.run_records import RunOwner, run_and_record
from flowql.resolvers.web_access import web_access

INPUT_TYPES: tuple[str, ...] = ("chat", "text", "any")
OUTPUT_TYPES: tuple[str, ...] = ("chat", "text", "any", "debug")
#: Longest session id (the ``message.session_id`` column).
SESSION_ID_MAX = 255


@dataclass
class RunParams:
    """What a caller asks of a run (Langflow ``SimplifiedAPIRequest`` without ``stream``).

    ``input_value`` None leaves stored values alone (``""`` is an input); ``input_type`` is
    chat|text|any, ``output_type`` chat|text|any|debug; ``output_component`` picks one output
    vertex by id; ``tweaks`` per design.md "Tweaks"; ``session_id`` None (or ``""``) → the flow id.
    """

    input_value: str | None = None
    input_type: str = "chat"
    output_type: str = "chat"
    output_component: str | None = None
    tweaks: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None


def _check_params(params: RunParams) -> None:
    problems: list[FieldProblem] = []
    if params.input_type not in INPUT_TYPES:
        problems.append(FieldProblem("input_type", f"must be one of {', '.join(INPUT_TYPES)}"))
    if params.output_type not in OUTPUT_TYPES:
        problems.append(FieldProblem("output_type", f"must be one of {', '.join(OUTPUT_TYPES)}"))
    if params.input_value is not None and not isinstance(params.input_value, str):
        problems.append(FieldProblem("input_value", "must be a string"))
    if not isinstance(params.tweaks, dict):
        problems.append(FieldProblem("tweaks", "must be an object"))
    for name, limit in (("input_value", None), ("session_id", SESSION_ID_MAX), ("output_component", 255)):
        value = getattr(params, name)
        if isinstance(value, str) and (problem := text_problem(value, limit)) is not None:
            problems.append(FieldProblem(name, problem))
    if problems:
        detail = "; ".join(f"{p.path} {p.message}" for p in problems)
        raise InvalidInput(f"Invalid run request: {detail}", problems)
    check_json(params.tweaks, "tweaks")


async def find_runnable_flow(ctx: Context, flow_id_or_name: str) -> Flow:
    """The caller's flow whose id is ``flow_id_or_name`` (a UUID) or whose ``endpoint_name`` it is.

    Raises Unauthenticated, NotFound("Flow not found") (also for another user's flow or name).
    """
    principal = ctx.require_principal()
    if text_problem(flow_id_or_name, 255) is not None:
        raise NotFound(FLOW_NOT_FOUND)  # no stored id or endpoint_name can look like this
    query = select(Flow).where(Flow.user_id == principal.user_id)
    try:
        query = query.where(Flow.id == uuid.UUID(flow_id_or_name))
    except ValueError:
        query = query.where(Flow.endpoint_name == flow_id_or_name)
    async with ctx.sessions() as session:
        flow = await session.scalar(query)
    if flow is None:
        raise NotFound(FLOW_NOT_FOUND)
    return flow


async def run_flow(
    ctx: Context, *, flow_id_or_name: str, params: RunParams, emit: EventSink | None = None
) -> RunOutcome:
    """Run the caller's flow (Langflow ``POST /api/v1/run/{flow_id_or_name}``, non-streaming).

    ``flow_id_or_name`` is a flow id or one of the caller's own ``endpoint_name``\\ s. The session
    is ``params.session_id`` or, without one, the flow id; it is echoed in the outcome. Chat
    components store their messages as the caller's rows on this flow and session (readable when
    this returns). ``X-LANGFLOW-GLOBAL-VAR-*`` headers (``ctx.global_vars``) and the environment
    resolve ``load_from_db`` fields.

    Raises Unauthenticated; NotFound("Flow not found"); InvalidInput for bad params, an unknown
    tweak key (named), a flow without data or a graph the engine rejects; UnsupportedComponent
    (node id and type) before anything runs or is stored; ComponentError when a vertex fails.
    Every vertex that ran leaves a transaction row and a span of the run's trace. ``emit``, when
    given, receives every build event (``flowql run`` shows progress with it).
    """
    principal = ctx.require_principal()
    _check_params(params)
    flow = await find_runnable_flow(ctx, flow_id_or_name)
    request = run_request(flow, params)
    graph = flow_data(flow)
    preflight(graph, request)
    services = run_services(ctx, user_id=principal.user_id, flow_id=flow.id, emit=emit)
    owner = RunOwner(user_id=principal.user_id, flow_id=flow.id, flow_name=flow.name)
    return await run_and_record(ctx.sessions, graph, request, services, owner)


def preflight(graph: dict[str, Any], request: RunRequest) -> None:
    """The one pre-run check of every run surface (``/run``, ``/run/advanced``, v2 workflows,
    responses, chat completions, webhooks, GraphQL): everything the engine refuses before a run
    starts, checked before a job or a message is stored, so each surface answers the same 422
    instead of storing a job that fails.

    Raises InvalidInput for a graph that does not parse, a cycle, an unknown start / stop /
    ``output_component`` id, a tweak that does not fit (named), a bad field value a component
    checks up front; UnsupportedComponent (node id and type) for a component FlowQL does not
    implement among those that would run.
    Delegates to :func:`flowql.engine.prepare.prepare_run`."""
    prepare_run(graph, request)


def check_run_params(params: RunParams) -> None:
    """Raise InvalidInput naming each bad field of ``params`` (see :class:`RunParams`)."""
    _check_params(params)


def flow_data(flow: Flow) -> dict[str, Any]:
    """The flow's graph to run; InvalidInput when it has none."""
    if flow.data is None:
        raise InvalidInput(f"Flow '{flow.name}' has no data to run", [FieldProblem("data", "missing")])
    return flow.data


def run_request(flow: Flow, params: RunParams) -> RunRequest:
    """The engine request for ``params`` on ``flow`` (session defaults to the flow id)."""
    return RunRequest(
        flow_id=str(flow.id),
        session_id=params.session_id or str(flow.id),
        input_value=params.input_value,
        input_type=cast(InputType, params.input_type),
        output_type=cast(OutputType, params.output_type),
        output_component=params.output_component or None,
        tweaks=dict(params.tweaks),
        flow_name=flow.name,
    )


def run_services(
    ctx: Context,
    *,
    user_id: uuid.UUID,
    flow_id: uuid.UUID,
    emit: EventSink | None = None,
    session_scope: str | None = None,
) -> EngineServices:
    """Engine services of a run owned by ``user_id`` on ``flow_id``: the DB message store
    (reading only session ``session_scope`` when given: public builds),
    ``load_from_db`` variables from ``ctx.global_vars`` and the environment, the step limit,
    the model defaults (Settings and ``OPENAI_*``), the owner's file store and ``emit`` as the
    event sink when given."""
    services = EngineServices(
        messages=DbMessageStore(ctx.sessions, user_id=user_id, flow_id=flow_id, session_scope=session_scope),
        variables=RunVariables(ctx.global_vars),
        max_steps=ctx.settings.max_run_steps,
        model_defaults=model_defaults(ctx.settings),
        web=web_access(ctx.settings),
        files=engine_files(ctx, user_id),
        data=data_access(ctx.settings),
    )
    if emit is not None:
        services.emit = emit
    return services


def run_response_body(outcome: RunOutcome) -> dict[str, Any]:
    """The JSON body of Langflow's ``POST /api/v1/run`` for ``outcome``
    (``{"session_id", "outputs": [{"inputs", "outputs": [...]}]}``), for front doors that may
    not import the engine."""
    return engine.run_response(outcome)


@dataclass
class AdvancedInput:
    """One entry of Langflow's ``POST /api/v1/run/advanced`` ``inputs`` (``InputValueRequest``):
    ``input_value`` for the ``components`` named (ids or display names), or, with no
    components, for every input vertex ``type`` (chat|text|any) selects; ``session`` names
    the run's session."""

    input_value: str | None = None
    components: list[str] = field(default_factory=list)
    session: str | None = None
    type: str = "any"


def _component_names(flow: Flow) -> set[str]:
    nodes = (flow.data or {}).get("nodes") or []
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, dict):
            names.add(str(node.get("id")))
            data = node.get("data")
            inner = data.get("node") if isinstance(data, dict) else None
            display = inner.get("display_name") if isinstance(inner, dict) else None
            if isinstance(display, str):
                names.add(display)
    return names


def advanced_params(
    flow: Flow,
    *,
    inputs: list[AdvancedInput],
    outputs: list[str] | None,
    tweaks: dict[str, Any] | None,
    session_id: str | None,
) -> RunParams:
    """The :class:`RunParams` of an advanced run: each input naming components becomes an
    ``input_value`` tweak of those components (over any tweak the caller gave them); at most
    one input may name none (it is the run's ``input_value`` for its ``type``); ``session_id``
    is the body's or the inputs' ``session``. The output type is ``any`` (the flow's Chat/Text
    outputs); with ``outputs`` named it is ``debug`` so that any vertex named there (e.g. a
    Prompt) is answered, as Langflow's ``vertex.id in outputs or display_name in outputs`` does
    (:func:`select_outputs` keeps only those).

    Raises InvalidInput for a non-object ``tweaks``, two inputs without components, an unknown
    component in ``inputs[i].components`` or in ``outputs``, a name that is not storable text
    (NUL, lone surrogate; never echoed)."""
    if not isinstance(tweaks, dict | None):
        raise InvalidInput("tweaks must be an object", [FieldProblem("tweaks", "must be an object")])
    merged: dict[str, Any] = dict(tweaks or {})
    known = _component_names(flow)
    problems: list[FieldProblem] = []
    plain: AdvancedInput | None = None
    session = session_id
    for i, given in enumerate(inputs):
        session = session or given.session
        if given.type not in INPUT_TYPES:
            problems.append(FieldProblem(f"inputs.{i}.type", f"must be one of {', '.join(INPUT_TYPES)}"))
        if not given.components:
            if plain is not None:
                problems.append(
                    FieldProblem(f"inputs.{i}.components", "only one input may name no component")
                )
            plain = given
            continue
        for name in given.components:
            if (problem := text_problem(name, 255)) is not None:
                problems.append(FieldProblem(f"inputs.{i}.components", problem))
            elif name not in known:
                problems.append(
                    FieldProblem(f"inputs.{i}.components", f"'{name}' is not a component of this flow")
                )
            elif given.input_value is not None:
                current = merged.get(name)
                merged[name] = {
                    **(current if isinstance(current, dict) else {}),
                    "input_value": given.input_value,
                }
    for name in outputs or []:
        if (problem := text_problem(name, 255)) is not None:
            problems.append(FieldProblem("outputs", problem))
        elif name not in known:
            problems.append(FieldProblem("outputs", f"'{name}' is not a component of this flow"))
    if problems:
        detail = "; ".join(f"{p.path} {p.message}" for p in problems)
        raise InvalidInput(f"Invalid run request: {detail}", problems)
    return RunParams(
        input_value=plain.input_value if plain is not None else None,
        input_type=plain.type if plain is not None else "any",
        output_type="debug" if outputs else "any",
        tweaks=merged,
        session_id=session,
    )


def select_outputs(outcome: RunOutcome, outputs: list[str] | None) -> RunOutcome:
    """``outcome`` with only the output vertices named in ``outputs`` (ids or display names);
    all of them when ``outputs`` is empty or None."""
    if not outputs:
        return outcome
    wanted = set(outputs)
    kept = [o for o in outcome.outputs if o.component_id in wanted or o.display_name in wanted]
    return RunOutcome(outcome.session_id, outcome.run_id, outcome.inputs, kept)


async def run_flow_advanced(
    ctx: Context,
    *,
    flow_id_or_name: str,
    inputs: list[AdvancedInput],
    outputs: list[str] | None = None,
    tweaks: dict[str, Any] | None = None,
    session_id: str | None = None,
) -> RunOutcome:
    """Langflow ``POST /api/v1/run/advanced/{flow_id_or_name}`` (non-streaming): run the caller's
    flow with :func:`advanced_params` through :func:`run_flow` and keep the ``outputs`` asked
    for. Raises as :func:`run_flow` and :func:`advanced_params`."""
    flow = await find_runnable_flow(ctx, flow_id_or_name)
    params = advanced_params(flow, inputs=inputs, outputs=outputs, tweaks=tweaks, session_id=session_id)
    outcome = await run_flow(ctx, flow_id_or_name=str(flow.id), params=params)
    return select_outputs(outcome, outputs)
