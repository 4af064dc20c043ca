"""What every run leaves behind besides messages: a transaction row per vertex, a trace with a
span per vertex, and (builds with ``log_builds``) vertex_build rows.

:func:`run_and_record` wraps :func:`flowql.engine.run_flow`: it collects the engine's
:class:`~flowql.engine.types.VertexRecord`\\ s in memory and writes them all in one short
transaction when the run ends (succeeded, failed or cancelled), so SQLite sees one write per run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql import engine
from flowql.db.base import utcnow
from flowql.db.models import Span, Trace, Transaction, VertexBuild
from flowql.engine.results import serialize_value
from flowql.engine.types import ChildSpan, EngineServices, RunOutcome, RunRequest, VertexRecord
from flowql.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOwner:
    """Whose run it is: the owner (``user_id``), the flow, its name, and the job if any.
    ``log_builds`` writes vertex_build rows (``POST /api/v1/build`` ``log_builds``)."""

    user_id: uuid.UUID
    flow_id: uuid.UUID
    flow_name: str
    job_id: uuid.UUID | None = None
    log_builds: bool = False


class RunRecorder:
    """The engine's ``on_vertex`` sink: keeps every vertex record of one run in memory."""

    def __init__(self) -> None:
        self.records: list[VertexRecord] = []
        self.started_at: datetime = utcnow()
        self._t0 = time.perf_counter()

    async def __call__(self, record: VertexRecord) -> None:
        self.records.append(record)

    def rows(
        self, owner: RunOwner, request: RunRequest, *, output: dict[str, Any] | None, error: str | None
    ) -> list[Any]:
        """The trace (first), its spans, the transactions and (``log_builds``) vertex builds."""
        ended = utcnow()
        try:
            trace_id = uuid.UUID(request.run_id)
        except ValueError:
            trace_id = uuid.uuid4()
        trace = Trace(
            id=trace_id,
            user_id=owner.user_id,
            flow_id=owner.flow_id,
            job_id=owner.job_id,
            name=f"{owner.flow_name} - {owner.flow_id}"[:512],
            session_id=request.session_id,
            status="error" if error is not None else "ok",
            start_time=self.started_at,
            end_time=ended,
            total_latency_ms=round((time.perf_counter() - self._t0) * 1000),
            total_tokens=sum(_total_tokens(rec.token_usage) for rec in self.records),
            input={"input_value": request.input_value},
            output=output,
            error=error,
        )
        rows: list[Any] = [trace]
        for rec in self.records:
            ok = rec.status == "success"
            span_id = uuid.uuid4()
            rows.append(
                Span(
                    id=span_id,
                    trace_id=trace_id,
                    parent_span_id=None,
                    vertex_id=rec.vertex_id,
                    name=rec.display_name or rec.vertex_id,
                    type="llm" if rec.model_name else "chain",
                    status="ok" if ok else "error",
                    start_time=rec.started_at,
                    end_time=rec.finished_at,
                    latency_ms=round(rec.seconds * 1000),
                    inputs={**rec.inputs, **rec.edge_inputs},
                    outputs=rec.results,
                    error=rec.error,
                    model_name=rec.model_name,
                    token_usage=rec.token_usage,
                )
            )
            rows.extend(_child_span(trace_id, span_id, rec.vertex_id, child) for child in rec.spans)
            rows.append(
                Transaction(
                    flow_id=owner.flow_id,
                    vertex_id=rec.vertex_id,
                    target_id=None,
                    inputs=rec.inputs,
                    outputs=rec.outputs or None,
                    status="success" if ok else "error",
                    error=rec.error,
                    timestamp=rec.finished_at,
                )
            )
            if owner.log_builds:
                rows.append(_vertex_build(owner, rec))
        return rows

    async def save(
        self,
        sessions: async_sessionmaker[AsyncSession],
        owner: RunOwner,
        request: RunRequest,
        *,
        output: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        """Write :meth:`rows` in one transaction. A failure is logged, never raised: the run's
        answer matters more than its records (e.g. the flow was deleted while it ran)."""
        rows = self.rows(owner, request, output=output, error=error)
        try:
            async with sessions() as session:
                session.add(rows[0])
                await session.flush()  # the trace before its spans
                session.add_all(rows[1:])
                await session.commit()
        except IntegrityError:
            log.warning("the flow of run %s was deleted while it ran; no records stored", request.run_id)
        except SQLAlchemyError:
            log.exception("could not store the records of run %s", request.run_id)


def _child_span(trace_id: uuid.UUID, parent_id: uuid.UUID, vertex_id: str, child: ChildSpan) -> Span:
    """The span row of a model or tool call made inside vertex span ``parent_id``."""
    return Span(
        trace_id=trace_id,
        parent_span_id=parent_id,
        vertex_id=vertex_id,
        name=child.name[:255],
        type=child.type,
        status="error" if child.error is not None else "ok",
        start_time=child.started_at,
        end_time=child.finished_at,
        latency_ms=child.latency_ms,
        inputs=child.inputs,
        outputs=child.outputs,
        error=child.error,
        model_name=child.model_name,
        token_usage=child.token_usage,
    )


def _total_tokens(usage: dict[str, Any] | None) -> int:
    """A span's ``total_tokens`` (0 when it called no model or the provider gave no count)."""
    value = (usage or {}).get("total_tokens")
    return value if isinstance(value, int) else 0


def _vertex_build(owner: RunOwner, rec: VertexRecord) -> VertexBuild:
    data = rec.build_data or {}
    inner = data.get("data") if isinstance(data.get("data"), dict) else None
    return VertexBuild(
        flow_id=owner.flow_id,
        job_id=owner.job_id,
        vertex_id=rec.vertex_id,
        timestamp=rec.finished_at,
        valid=rec.status == "success",
        params=data.get("params") if isinstance(data.get("params"), str) else None,
        data=inner if inner is not None else {"error": rec.error},
        artifacts=(inner or {}).get("artifacts") or {},
    )


def outcome_output(outcome: RunOutcome) -> dict[str, Any]:
    """A trace's ``output``: the output vertices' results by output name (later ones win)."""
    merged: dict[str, Any] = {}
    for out in outcome.outputs:
        merged.update({name: serialize_value(v) for name, v in out.results.items()})
    return merged


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, asyncio.CancelledError):
        return "Run cancelled"
    return "Internal error"


async def run_and_record(
    sessions: async_sessionmaker[AsyncSession],
    flow_data: dict[str, Any],
    request: RunRequest,
    services: EngineServices,
    owner: RunOwner,
) -> RunOutcome:
    """:func:`flowql.engine.run_flow` plus its records (see the module docstring), written
    whether the run succeeds, fails or is cancelled. Raises what the engine raises."""
    recorder = RunRecorder()
    services = dataclasses.replace(services, on_vertex=recorder)
    try:
        outcome = await engine.run_flow(flow_data, request, services)
    except BaseException as exc:
        if recorder.records:  # nothing ran (bad input, unsupported component): no trace
            await recorder.save(sessions, owner, request, output=None, error=_error_text(exc))
        raise
    await recorder.save(sessions, owner, request, output=outcome_output(outcome), error=None)
    return outcome
