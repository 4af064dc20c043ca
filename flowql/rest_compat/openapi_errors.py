"""The error answers every REST route may give, declared once for the OpenAPI document.

Bodies are Langflow's ``{"detail": ...}``: a message string for domain errors, FastAPI's list of
``{loc, msg, type}`` for request validation, and an object naming the component for a component
error (see :mod:`flowql.rest_compat.errors`, which produces them).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ValidationIssue(BaseModel):
    """One problem of a malformed request: where (``loc``), what (``msg``) and its ``type``."""

    loc: list[str | int]
    msg: str
    type: str


class ComponentErrorDetail(BaseModel):
    """A component that failed: its id and display name, the error type and, for a model
    provider's error, the provider's HTTP status."""

    message: str
    component_id: str | None = None
    display_name: str | None = None
    error_type: str | None = None
    upstream_status: int | None = None


class ErrorBody(BaseModel):
    """``{"detail": ...}``: a message, a list of validation issues or a component error."""

    detail: str | list[ValidationIssue] | ComponentErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: ``responses=`` for every REST router: the statuses of design.md "Errors".
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No valid credentials"),
    403: _error("Not allowed for this user"),
    404: _error("Missing, or not the caller's"),
    409: _error("Conflicts with what is stored"),
    413: _error("Request body too large"),
    422: _error("Malformed input or an invalid flow"),
    502: _error("A model provider failed (upstream_status gives its status)"),
    504: _error("A component timed out"),
}
