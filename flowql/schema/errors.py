"""GraphQL error types (the ``Error`` interface and its members) and the one mapping from
domain errors to them.

Expected failures of a mutation come back as union members (``FlowResult``,
``RunFlowResult``); anything a union does not cover is re-raised and becomes a GraphQL error
whose ``extensions.code`` is the domain error's ``code`` (see :mod:`flowql.schema.extensions`).
"""

from __future__ import annotations

import strawberry

from flowql import errors as domain


@strawberry.interface(name="Error", description="An expected failure.")
class Error:
    """An expected failure, with a human-readable message."""

    message: str


@strawberry.type(description="The object does not exist or is not yours (the two are indistinguishable).")
class NotFoundError(Error):
    """The object does not exist or is not the caller's (the two are indistinguishable)."""


@strawberry.type(description="One invalid field or flow part, by dotted path (input.tweaks, data.edges[0]).")
class FieldError:
    """One invalid field: ``path`` is dotted (``tweaks.Prompt-1``, ``nodes.ChatInput-1``)."""

    path: str
    message: str


@strawberry.type(description="Malformed input, or an invalid or unsupported flow.")
class ValidationError(Error):
    """Malformed input or an invalid / unsupported flow (REST answers 422)."""

    fields: list[FieldError]


@strawberry.type(description="A uniqueness rule would break, e.g. an endpoint name you already use.")
class ConflictError(Error):
    """A uniqueness rule would break, e.g. an endpoint name the caller already uses (REST 409)."""


@strawberry.type(description="You may not do this.")
class PermissionDeniedError(Error):
    """The caller may not do this (REST 403)."""


@strawberry.type(
    description="A component failed while the flow ran; upstreamStatus is a model provider's HTTP status."
)
class ComponentError(Error):
    """A component failed while the flow ran; ``upstreamStatus`` is a model provider's status."""

    component_id: strawberry.ID
    display_name: str | None
    error_type: str
    upstream_status: int | None


ErrorMember = NotFoundError | ValidationError | ConflictError | PermissionDeniedError | ComponentError
FlowError = NotFoundError | ValidationError | ConflictError
RunError = NotFoundError | ValidationError | ComponentError
JobError = NotFoundError | ValidationError


def error_member(exc: domain.DomainError) -> ErrorMember:
    """The union member for a domain error; re-raises errors no union carries
    (Unauthenticated, Cancelled, ...) so they surface as GraphQL errors with a ``code``."""
    if isinstance(exc, domain.NotFound):
        return NotFoundError(message=exc.message)
    if isinstance(exc, domain.Conflict):
        return ConflictError(message=exc.message)
    if isinstance(exc, domain.PermissionDenied):
        return PermissionDeniedError(message=exc.message)
    if isinstance(exc, domain.ComponentError):
        failure = exc.failure
        return ComponentError(
            message=exc.message,
            component_id=strawberry.ID(failure.component_id),
            display_name=failure.display_name,
            error_type=failure.error_type,
            upstream_status=failure.upstream_status,
        )
    if isinstance(exc, domain.InvalidInput):
        return ValidationError(
            message=exc.message, fields=[FieldError(path=f.path, message=f.message) for f in exc.fields]
        )
    if isinstance(exc, domain.TooLarge):
        return ValidationError(message=exc.message, fields=[])
    raise exc


def flow_error(exc: domain.DomainError) -> FlowError:
    """A ``FlowResult`` error member, or ``exc`` re-raised when that union has none for it."""
    member = error_member(exc)
    if isinstance(member, NotFoundError | ValidationError | ConflictError):
        return member
    raise exc


def run_error(exc: domain.DomainError) -> RunError:
    """A ``RunFlowResult`` error member, or ``exc`` re-raised when that union has none for it."""
    member = error_member(exc)
    if isinstance(member, NotFoundError | ValidationError | ComponentError):
        return member
    raise exc


def job_error(exc: domain.DomainError) -> JobError:
    """A ``JobResult`` error member, or ``exc`` re-raised when that union has none for it."""
    member = error_member(exc)
    if isinstance(member, NotFoundError | ValidationError):
        return member
    raise exc


def invalid(path: str, message: str) -> ValidationError:
    """A ValidationError for one argument that could not be parsed (e.g. a malformed id)."""
    return ValidationError(message=message, fields=[FieldError(path=path, message=message)])
