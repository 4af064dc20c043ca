"""The ``JobEvent`` union: one member per v1 build event (design.md "Events"), built from a
stored job event (``flowql.resolvers.jobs.JobEventRecord``).

``vertices_sorted`` → VerticesSorted, ``build_start`` → BuildStarted, ``add_message`` →
MessageAdded, ``token`` → TokenDelta, ``end_vertex`` → VertexBuilt, ``error`` → BuildError,
``end`` → BuildEnded; any other name (e.g. ``remove_message``) → OtherJobEvent. Every member
carries ``cursor`` (opaque, pass it as ``after``), ``sequence`` (1, 2, ... per job) and ``at``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from flowql.errors import FieldProblem, InvalidInput
from flowql.schema.errors import ComponentError
from flowql.schema.records import JobEventRecordShape
from flowql.schema.types.job_enums import ENDED_STATUSES, JobStatus, job_status
from flowql.schema.types.runs import Message, token_usage

_CURSOR_PREFIX = "jobevent:"


def encode_cursor(sequence: int) -> str:
    """The opaque cursor of the event with ``sequence``."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{sequence}".encode()).decode()


def decode_cursor(cursor: str | None, path: str) -> int:
    """The sequence a cursor stands for (``None`` or ``""`` → 0, before the first event).

    Raises InvalidInput naming ``path`` for anything :func:`encode_cursor` did not make (a
    sequence has at most 9 digits, so it fits every database's integer column).
    """
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isascii() or not number.isdigit() or len(number) > 9:
        message = f"'{path}' is not a valid job event cursor"
        raise InvalidInput(message, [FieldProblem(path=path, message=message)])
    return int(number)


@strawberry.interface(description="What every job event carries: its cursor, sequence number and time.")
class JobEventBase:
    """Common fields: ``cursor`` (opaque, for ``after``), ``sequence`` (1, 2, ...), ``at``."""

    cursor: str
    sequence: int
    at: datetime


@strawberry.type(
    description="vertices_sorted: the first layer (ids) and every vertex that will run (toRun, a set)."
)
class VerticesSorted(JobEventBase):
    """``vertices_sorted``: ``ids`` is the first layer, ``toRun`` every vertex to run (a set)."""

    ids: list[strawberry.ID]
    to_run: list[strawberry.ID]


@strawberry.type(description="build_start: the build began.")
class BuildStarted(JobEventBase):
    """``build_start``."""


@strawberry.type(description="add_message: a component made a chat message.")
class MessageAdded(JobEventBase):
    """``add_message``: the chat message a component made."""

    message: Message


@strawberry.type(
    description="token: a chunk of a message being streamed; the chunks concatenate to its text."
)
class TokenDelta(JobEventBase):
    """``token``: ``chunk`` of the message ``messageId``."""

    message_id: strawberry.ID
    chunk: str


@strawberry.type(
    description="end_vertex: one vertex finished; outputs is build_data.data.outputs, durationMs "
    "its build time."
)
class VertexBuilt(JobEventBase):
    """``end_vertex``: ``build_data`` of one finished vertex."""

    vertex_id: strawberry.ID
    valid: bool
    outputs: JSON | None
    next_vertex_ids: list[strawberry.ID]
    inactivated_vertex_ids: list[strawberry.ID]
    duration_ms: float | None


@strawberry.type(
    description="error: the build failed or was cancelled; componentId is empty when no component failed "
    "(errorType CANCELLED for a cancel)."
)
class BuildError(JobEventBase):
    """``error``: ``errorType`` is the domain code (COMPONENT_ERROR, CANCELLED, ...)."""

    error: ComponentError


@strawberry.type(description="end: the terminal event of every job; status is how the job ended.")
class BuildEnded(JobEventBase):
    """``end``: the last event of a job."""

    status: JobStatus
    duration_ms: float | None


@strawberry.type(
    description="An event of a kind without its own member (e.g. remove_message), as name and data."
)
class OtherJobEvent(JobEventBase):
    """Any other v1 event: its name and raw ``data``."""

    event: str
    data: JSON | None


JobEvent = Annotated[
    VerticesSorted
    | BuildStarted
    | MessageAdded
    | TokenDelta
    | VertexBuilt
    | BuildError
    | BuildEnded
    | OtherJobEvent,
    strawberry.union("JobEvent", description="One event of a job, in sequence order."),
]
JobEventMember = (
    VerticesSorted
    | BuildStarted
    | MessageAdded
    | TokenDelta
    | VertexBuilt
    | BuildError
    | BuildEnded
    | OtherJobEvent
)


def _ids(value: object) -> list[strawberry.ID]:
    return [strawberry.ID(str(v)) for v in value] if isinstance(value, list) else []


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _timestamp(value: object, default: datetime) -> datetime:
    """A Langflow message timestamp ("2026-11-30 05:14:31.885085 UTC" or ISO), else ``default``."""
    if isinstance(value, str):
        text = value.removesuffix(" UTC").replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return default
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return default


def message_from_event(data: Mapping[str, Any], at: datetime) -> Message:
    """The ``Message`` of an ``add_message`` event's data (Langflow's serialised Message:
    the fields flattened and again under ``data``)."""
    inner = {**data, **_mapping(data.get("data"))}
    properties = dict(_mapping(inner.get("properties")))
    blocks: Any = list(inner.get("content_blocks") or [])
    props: Any = properties
    return Message(
        id=strawberry.ID(str(inner.get("id") or data.get("id") or "")),
        session_id=str(inner.get("session_id") or ""),
        sender=str(inner.get("sender") or ""),
        sender_name=str(inner.get("sender_name") or ""),
        text=str(inner.get("text") or ""),
        files=[str(f) for f in inner.get("files") or []],
        timestamp=_timestamp(inner.get("timestamp"), at),
        category=str(inner.get("category") or "message"),
        error=bool(inner.get("error")),
        edited=bool(inner.get("edit")),
        usage=token_usage(properties),
        properties=props,
        content_blocks=blocks,
        flow_id=str(inner.get("flow_id") or "") or None,
    )


def _vertex_built(common: dict[str, Any], data: Mapping[str, Any]) -> VertexBuilt:
    build = _mapping(data.get("build_data"))
    inner = _mapping(build.get("data"))
    outputs: Any = inner.get("outputs")
    timedelta = _float(inner.get("timedelta"))
    return VertexBuilt(
        **common,
        vertex_id=strawberry.ID(str(build.get("id") or "")),
        valid=bool(build.get("valid", True)),
        outputs=outputs,
        next_vertex_ids=_ids(build.get("next_vertices_ids")),
        inactivated_vertex_ids=_ids(build.get("inactivated_vertices")),
        duration_ms=None if timedelta is None else timedelta * 1000,
    )


def _build_error(common: dict[str, Any], data: Mapping[str, Any]) -> BuildError:
    upstream = data.get("upstream_status")
    display_name = data.get("display_name")
    error = ComponentError(
        message=str(data.get("error") or "Build failed"),
        component_id=strawberry.ID(str(data.get("component_id") or "")),
        display_name=display_name if isinstance(display_name, str) else None,
        error_type=str(data.get("error_type") or data.get("code") or "ERROR"),
        upstream_status=upstream if isinstance(upstream, int) and not isinstance(upstream, bool) else None,
    )
    return BuildError(**common, error=error)


def end_status(data: Mapping[str, Any], *, error_code: str | None, stored_status: str | None) -> JobStatus:
    """How a job ended: ``data.status`` when the event says, else the stored job status once it
    has ended, else from the stream (an ``error`` with code CANCELLED → cancelled, another
    ``error`` → failed, none → completed)."""
    for candidate in (job_status(data.get("status")), job_status(stored_status)):
        if candidate in ENDED_STATUSES:
            return candidate
    if error_code == "CANCELLED":
        return JobStatus.CANCELLED
    return JobStatus.FAILED if error_code is not None else JobStatus.COMPLETED


class EventShaper:
    """Turns one job's events, in order, into union members.

    It remembers the last ``error`` seen so ``BuildEnded.status`` is right even when the
    event data does not say; ``stored_status`` is the job's status when known.
    """

    def __init__(self, stored_status: str | None = None) -> None:
        self.stored_status = stored_status
        self.error_code: str | None = None

    def shape(self, record: JobEventRecordShape) -> JobEventMember:
        """The union member for ``record``."""
        data = _mapping(record.data)
        common: dict[str, Any] = {
            "cursor": encode_cursor(record.sequence),
            "sequence": record.sequence,
            "at": record.created_at,
        }
        name = record.event
        if name == "vertices_sorted":
            return VerticesSorted(**common, ids=_ids(data.get("ids")), to_run=_ids(data.get("to_run")))
        if name == "build_start":
            return BuildStarted(**common)
        if name == "add_message":
            return MessageAdded(**common, message=message_from_event(data, record.created_at))
        if name == "token":
            message_id = data.get("id") or data.get("message_id") or ""
            return TokenDelta(
                **common, message_id=strawberry.ID(str(message_id)), chunk=str(data.get("chunk") or "")
            )
        if name == "end_vertex":
            return _vertex_built(common, data)
        if name == "error":
            self.error_code = str(data.get("code") or "ERROR")
            return _build_error(common, data)
        if name == "end":
            status = end_status(data, error_code=self.error_code, stored_status=self.stored_status)
            seconds = _float(data.get("build_duration"))
            return BuildEnded(
                **common, status=status, duration_ms=None if seconds is None else seconds * 1000
            )
        raw: Any = dict(data)
        return OtherJobEvent(**common, event=name, data=raw)
