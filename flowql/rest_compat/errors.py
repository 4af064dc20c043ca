"""Domain error → HTTP status and Langflow's ``{"detail": ...}`` body, in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from flowql.errors import (
    ComponentError,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooLarge,
    Unauthenticated,
)

log = logging.getLogger("flowql.http")


def status_for(exc: DomainError) -> int:
    """The HTTP status of a domain error (design.md "Errors")."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ComponentError):
        if exc.failure.error_type == "Timeout":
            return 504
        upstream = exc.failure.upstream or exc.failure.upstream_status is not None
        return 502 if upstream else 422
    if isinstance(exc, InvalidInput):
        return 422
    return 422


def detail_for(exc: DomainError) -> object:
    """The ``detail`` value: the message, plus component details for a ComponentError."""
    if isinstance(exc, ComponentError):
        return {
            "message": exc.message,
            "component_id": exc.failure.component_id,
            "display_name": exc.failure.display_name,
            "error_type": exc.failure.error_type,
            "upstream_status": exc.failure.upstream_status,
        }
    return exc.message


def printable(value: object) -> object:
    """``value`` (a JSON-like error body) with every string made encodable as UTF-8: a lone
    surrogate a client sent (and an error message echoes) becomes its ``\\udXXX`` escape, so
    rendering an error never fails."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers: domain errors, validation errors (422) and a leak-free 500."""

    async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        body = printable({"detail": detail_for(exc)})
        return JSONResponse(body, status_code=status_for(exc), headers=headers)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse(printable({"detail": errors}), status_code=422)

    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "Internal server error"}, status_code=500)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        # FastAPI answers 400 when it cannot parse a body at all (e.g. JSON nested too deeply);
        # for a JSON body that is malformed input (422). A multipart body keeps its 400.
        if exc.status_code == 400 and "json" in request.headers.get("content-type", "").lower():
            return JSONResponse({"detail": "The request body is not valid JSON"}, status_code=422)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
