"""Domain errors raised by resolvers and the engine.

Each front door maps them once: ``rest_compat.errors`` to an HTTP status with Langflow's
``{"detail": ...}`` body, ``schema.errors`` to GraphQL union members or an error ``code``.
This module imports nothing from the web, GraphQL or database layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every expected failure. ``code`` is the stable machine name (GraphQL ``code``)."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist or is not the caller's (both answer the same: HTTP 404)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """A uniqueness rule would break (HTTP 409)."""

    code = "CONFLICT"


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: ``path`` is dotted (``tweaks.Prompt-1``), ``message`` says why."""

    path: str
    message: str


class InvalidInput(DomainError):
    """Malformed input or an invalid/unsupported flow (HTTP 422).

    ``fields`` lists the offending fields when they are known.
    """

    code = "INVALID_INPUT"

    def __init__(self, message: str, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.fields: list[FieldProblem] = list(fields or [])


class TooLarge(DomainError):
    """A body or file exceeds a configured limit (HTTP 413)."""

    code = "TOO_LARGE"


class Unauthenticated(DomainError):
    """No valid principal (HTTP 401)."""

    code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    """A principal exists but may not do this (HTTP 403)."""

    code = "FORBIDDEN"


@dataclass
class ComponentFailure:
    """Details of a component that failed while a flow ran."""

    component_id: str
    display_name: str | None = None
    error_type: str = "ComponentError"
    upstream_status: int | None = None
    extra: dict[str, object] = field(default_factory=dict)
    #: The failure is the upstream provider's (HTTP 502 even without an upstream status).
    upstream: bool = False


class ComponentError(DomainError):
    """A vertex failed at run time (HTTP 422 unless ``upstream_status``/timeout say otherwise).

    ``failure.upstream`` or ``failure.upstream_status`` set means the provider failed
    (HTTP 502); a timeout is ``error_type == "Timeout"`` (HTTP 504).
    """

    code = "COMPONENT_ERROR"

    def __init__(self, message: str, failure: ComponentFailure) -> None:
        super().__init__(message)
        self.failure = failure


class UnsupportedComponent(InvalidInput):
    """The flow names a component type FlowQL does not implement (HTTP 422 at run time)."""

    code = "UNSUPPORTED_COMPONENT"

    def __init__(self, node_id: str, component_type: str) -> None:
        super().__init__(
            f"Component '{component_type}' of node '{node_id}' is not supported by FlowQL",
            [FieldProblem(path=f"nodes.{node_id}", message=f"unsupported component type {component_type}")],
        )
        self.node_id = node_id
        self.component_type = component_type


class Cancelled(DomainError):
    """The run or job was cancelled."""

    code = "CANCELLED"
