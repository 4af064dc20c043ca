"""The assistant endpoints (Langflow ``/api/v1/agentic/...``): running flow files from the
operator's flows directory.

``FLOWQL_AGENTIC_FLOWS_DIR`` is scanned into an index, file stem → file (regular ``*.json``
files directly in the folder; symlinks, subfolders and other files are skipped). A
``flow_name`` is only ever looked up in that index — never joined into a path — so no name
reaches outside the folder. ``FLOWQL_ASSISTANT_FLOW`` names the index entry that ``assist``
runs. A flow file runs on the engine as the caller (their files, ``X-LANGFLOW-GLOBAL-VAR-*``
headers), with no stored flow, messages or trace, as Langflow runs its assistant flows.

The request (Langflow ``AssistantRequest``): ``flow_id`` (the flow the user is editing),
``component_id``, ``field_name``, ``input_value``, ``max_retries``, ``model_name``,
``provider``, ``session_id``. They reach the flow as the variables ``FLOW_ID``,
``COMPONENT_ID``, ``FIELD_NAME``, ``MODEL_NAME``, ``PROVIDER``, ``USER_ID`` (for
``load_from_db`` fields); ``model_name`` also becomes the model of model components that name
none. FlowQL never executes generated component code, so ``max_retries`` (0 to 10) only sizes the
stream's ``max_attempts``.

The answer (Langflow ``extract_structured_result``): ``{"result": text, "type": "message",
"component": display name, "component_id", "success": true, "session_id"}``, or
``{"text": "No response generated", "type": "error", "success": false, "session_id"}`` when no
Chat Output answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import uuid
from collections import ChainMap
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import structlog

from flowql import engine
from flowql.context import Context
from flowql.engine.types import EngineEvent, EngineServices, RunOutcome, RunRequest
from flowql.errors import DomainError, FieldProblem, InvalidInput, NotFound, TooLarge
from flowql.resolvers.engine_files import data_access, engine_files
from flowql.resolvers.flow_import import parse_flow_file
from flowql.resolvers.input_checks import text_problem
from flowql.resolvers.local_run import single_flow
from flowql.resolvers.message_store import RunVariables
from flowql.resolvers.model_defaults import model_defaults
from flowql.resolvers.runs import SESSION_ID_MAX
from flowql.resolvers.web_access import web_access

log = structlog.get_logger("flowql.agentic")

#: Largest flow file the index will read (bytes).
MAX_FLOW_FILE_BYTES = 16 * 1024 * 1024
#: ``max_retries`` bounds and Langflow's default (``MAX_VALIDATION_RETRIES``).
MAX_RETRIES_LIMIT = 10
DEFAULT_MAX_RETRIES = 3
NOT_CONFIGURED = "The assistant is not configured on this server (FLOWQL_AGENTIC_FLOWS_DIR)"
NO_ASSISTANT = "The assistant is not configured on this server (FLOWQL_ASSISTANT_FLOW)"


@dataclass
class AssistantRequest:
    """Langflow's ``AssistantRequest`` body (see the module docstring)."""

    flow_id: str
    component_id: str | None = None
    field_name: str | None = None
    input_value: str | None = None
    max_retries: int | None = None
    model_name: str | None = None
    provider: str | None = None
    session_id: str | None = None


@dataclass
class PreparedRun:
    """A flow file ready to run for the caller: its graph, the engine request and services."""

    name: str
    flow_data: dict[str, Any]
    request: RunRequest
    services: EngineServices
    max_retries: int


def flow_index(directory: Path | None) -> dict[str, Path]:
    """The flows directory's index, file stem → file: the regular ``*.json`` files directly in
    ``directory`` (no symlinks, no subfolders). Empty when unset or unreadable."""
    if directory is None:
        return {}
    index: dict[str, Path] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
                    index[entry.name[: -len(".json")]] = Path(entry.path)
    except OSError:
        return {}
    return index


def list_flow_names(ctx: Context) -> list[str]:
    """The names ``execute`` accepts, sorted. Raises Unauthenticated."""
    ctx.require_principal()
    return sorted(flow_index(ctx.settings.agentic_flows_dir))


def load_indexed_flow(ctx: Context, flow_name: str) -> dict[str, Any]:
    """The graph (``data``) of the index entry ``flow_name``.

    Raises NotFound when no flows directory is configured or the name is not in its index (a
    name with a separator or ``..`` never is); TooLarge over :data:`MAX_FLOW_FILE_BYTES`;
    InvalidInput when the file holds no runnable flow. Messages name the flow, never a path.
    """
    directory = ctx.settings.agentic_flows_dir
    if directory is None:
        raise NotFound(NOT_CONFIGURED)
    path = flow_index(directory).get(flow_name)
    if path is None:
        raise NotFound(f"Flow '{flow_name[:100]}' not found")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FLOW_FILE_BYTES + 1)
    except OSError as exc:
        raise NotFound(f"Flow '{flow_name}' not found") from exc
    if len(raw) > MAX_FLOW_FILE_BYTES:
        raise TooLarge(f"Flow '{flow_name}' is too large to run")
    try:
        flow = single_flow(parse_flow_file(raw))
    except InvalidInput as exc:
        raise InvalidInput(f"Flow '{flow_name}' is not a runnable flow file: {exc.message}") from exc
    data = flow.get("data")
    if not isinstance(data, dict):
        raise InvalidInput(f"Flow '{flow_name}' has no data to run", [FieldProblem("data", "missing")])
    return data


def _check(request: AssistantRequest) -> int:
    problems: list[FieldProblem] = []
    for name in (
        "flow_id",
        "component_id",
        "field_name",
        "model_name",
        "provider",
        "session_id",
        "input_value",
    ):
        value = getattr(request, name)
        limit = None if name == "input_value" else SESSION_ID_MAX
        if isinstance(value, str) and (problem := text_problem(value, limit)) is not None:
            problems.append(FieldProblem(name, problem))
    retries = DEFAULT_MAX_RETRIES if request.max_retries is None else request.max_retries
    if not 0 <= retries <= MAX_RETRIES_LIMIT:
        problems.append(FieldProblem("max_retries", f"must be between 0 and {MAX_RETRIES_LIMIT}"))
    if problems:
        detail = "; ".join(f"{p.path} {p.message}" for p in problems)
        raise InvalidInput(f"Invalid assistant request: {detail}", problems)
    return retries


def _variables(ctx: Context, request: AssistantRequest, user_id: uuid.UUID) -> ChainMap[str, str]:
    given = {
        "USER_ID": str(user_id),
        "FLOW_ID": request.flow_id,
        "COMPONENT_ID": request.component_id,
        "FIELD_NAME": request.field_name,
        "MODEL_NAME": request.model_name,
        "PROVIDER": request.provider,
    }
    request_vars = {k: v for k, v in given.items() if v}
    return ChainMap(request_vars, RunVariables(ctx.global_vars))  # type: ignore[arg-type]


def prepare(ctx: Context, *, flow_name: str, request: AssistantRequest) -> PreparedRun:
    """Check ``request`` and load flow ``flow_name`` for the caller, before anything runs.

    Raises Unauthenticated; InvalidInput naming bad fields; NotFound / TooLarge / InvalidInput
    from :func:`load_indexed_flow`.
    """
    principal = ctx.require_principal()
    retries = _check(request)
    data = load_indexed_flow(ctx, flow_name)
    defaults = model_defaults(ctx.settings)
    if request.model_name:
        defaults = dataclasses.replace(defaults, model=request.model_name)
    session_id = request.session_id or str(uuid.uuid4())
    run_request = RunRequest(
        flow_id=request.flow_id or flow_name,
        session_id=session_id,
        input_value=request.input_value if request.input_value else None,
        flow_name=flow_name,
    )
    services = EngineServices(
        variables=_variables(ctx, request, principal.user_id),
        max_steps=ctx.settings.max_run_steps,
        model_defaults=defaults,
        web=web_access(ctx.settings),
        files=engine_files(ctx, principal.user_id),
        data=data_access(ctx.settings),
    )
    return PreparedRun(flow_name, data, run_request, services, retries)


def prepare_assist(ctx: Context, *, request: AssistantRequest) -> PreparedRun:
    """:func:`prepare` for the configured assistant flow (``FLOWQL_ASSISTANT_FLOW``).
    Raises NotFound when none is configured, else as :func:`prepare`."""
    ctx.require_principal()
    name = ctx.settings.assistant_flow
    if not name:
        raise NotFound(NO_ASSISTANT)
    return prepare(ctx, flow_name=name, request=request)


def result_body(outcome: RunOutcome) -> dict[str, Any]:
    """Langflow's structured result of a run (see the module docstring)."""
    for output in outcome.outputs:
        if output.message is not None or output.component_type == "ChatOutput":
            text = output.message.text if output.message is not None else (output.text or "")
            return {
                "result": text,
                "type": "message",
                "component": output.display_name,
                "component_id": output.component_id,
                "success": True,
                "session_id": outcome.session_id,
            }
    return {
        "text": "No response generated",
        "type": "error",
        "success": False,
        "session_id": outcome.session_id,
    }


def _failed(run: PreparedRun, exc: BaseException) -> None:
    message = exc.message if isinstance(exc, DomainError) else type(exc).__name__
    log.warning(
        f"agentic flow '{run.name}' failed: {message}", flow=run.name, session_id=run.request.session_id
    )


async def execute(run: PreparedRun) -> dict[str, Any]:
    """Run a prepared flow to the end and return :func:`result_body`. Raises the engine's
    errors (ComponentError, InvalidInput, UnsupportedComponent), logged first (redacted)."""
    try:
        outcome = await engine.run_flow(run.flow_data, run.request, run.services)
    except DomainError as exc:
        _failed(run, exc)
        raise
    log.info(f"agentic flow '{run.name}' answered", flow=run.name, session_id=outcome.session_id)
    return result_body(outcome)


def _progress(step: str, run: PreparedRun, message: str) -> dict[str, Any]:
    return {
        "event": "progress",
        "step": step,
        "attempt": 0,
        "max_attempts": run.max_retries,
        "message": message,
    }


async def stream(run: PreparedRun) -> AsyncIterator[dict[str, Any]]:
    """Run a prepared flow, yielding Langflow's assistant stream events in order:
    ``{"event": "progress", "step": "generating", …}``, one ``{"event": "token", "chunk"}`` per
    streamed model token, ``progress`` ``generation_complete``, then exactly one terminal event:
    ``{"event": "complete", "data": result_body}`` or ``{"event": "error", "message"}``.
    Closing the iterator early cancels the run."""
    queue: asyncio.Queue[EngineEvent | None] = asyncio.Queue()

    async def sink(event: EngineEvent) -> None:
        if event.event == "token":
            await queue.put(event)

    services = dataclasses.replace(run.services, emit=sink)

    async def go() -> RunOutcome:
        try:
            return await engine.run_flow(run.flow_data, run.request, services)
        finally:
            await queue.put(None)

    yield _progress("generating", run, "Generating response...")
    task = asyncio.create_task(go())
    try:
        while (event := await queue.get()) is not None:
            chunk = event.data.get("chunk")
            if isinstance(chunk, str) and chunk:
                yield {"event": "token", "chunk": chunk}
        try:
            outcome = await task
        except DomainError as exc:
            _failed(run, exc)
            yield {"event": "error", "message": exc.message}
            return
        except Exception:
            log.exception(f"agentic flow '{run.name}' failed unexpectedly", flow=run.name)
            yield {"event": "error", "message": "Internal server error"}
            return
        yield _progress("generation_complete", run, "Response ready")
        yield {"event": "complete", "data": result_body(outcome)}
    finally:
        if not task.done():
            task.cancel()
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception, asyncio.CancelledError):
                await task
