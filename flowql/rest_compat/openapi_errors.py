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


#: Extra 200 content types of routes that can answer a stream or a file, by (method, path).
STREAM_TYPES = "text/event-stream"
NDJSON_TYPE = "application/x-ndjson"
FILE_TYPES = ("application/octet-stream", "application/zip", "application/x-zip-compressed")
EXTRA_CONTENT: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/v1/run/{flow_id_or_name}"): (STREAM_TYPES,),
    ("post", "/api/v1/run/advanced/{flow_id_or_name}"): (STREAM_TYPES,),
    ("post", "/api/v1/build/{flow_id}/flow"): (NDJSON_TYPE, STREAM_TYPES),
    ("get", "/api/v1/build/{job_id}/events"): (NDJSON_TYPE, STREAM_TYPES),
    ("post", "/api/v1/build_public_tmp/{flow_id}/flow"): (NDJSON_TYPE, STREAM_TYPES),
    ("get", "/api/v1/build_public_tmp/{job_id}/events"): (NDJSON_TYPE, STREAM_TYPES),
    ("post", "/api/v2/workflows"): (STREAM_TYPES,),
    ("post", "/api/v1/responses"): (STREAM_TYPES,),
    ("post", "/api/v1/chat/completions"): (STREAM_TYPES,),
}
#: Path fragments of routes that run a flow, so may answer a model provider's 502 or a 504.
RUN_PATH_PARTS = ("/run", "/build", "/workflows", "/responses", "/chat/", "/webhook")


def _relevant(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses an operation can really answer (design.md "Errors")."""
    params = operation.get("parameters", [])
    takes_input = bool(params) or "requestBody" in operation
    statuses = {"401", "403"}
    if takes_input:
        statuses.add("422")
    if "{" in path or any(str(p.get("name", "")).endswith("_id") for p in params):
        statuses.add("404")
    if method != "get":
        statuses |= {"404", "409"}
    if "requestBody" in operation:
        statuses.add("413")
    if any(part in path for part in RUN_PATH_PARTS):
        statuses |= {"404", "502", "504"}
    return statuses


def tailor_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Narrow the error statuses every route declared (:data:`ERROR_RESPONSES`) to those its
    method, parameters and path make possible, and add the stream and file content types of
    :data:`EXTRA_CONTENT` and downloads to their 200 answers. Returns ``schema``, changed."""
    declared = {str(code) for code in ERROR_RESPONSES}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.get("responses", {})
            keep = _relevant(method, path, operation)
            for code in declared - keep:
                responses.pop(code, None)
            extra = EXTRA_CONTENT.get((method, path), ())
            if "download" in path or (path.startswith("/api/v2/files") and method in ("get", "post")):
                extra = extra + FILE_TYPES
            ok = responses.get("200")
            if ok is not None and extra:
                content = ok.setdefault("content", {})
                for media_type in extra:
                    content.setdefault(media_type, {})
    return schema
