"""OpenAI's error shape and codes for the OpenAI-compatible routes (``/api/v1/responses``,
``/api/v1/chat/completions``, ``/api/v1/models``): ``{"error": {"message", "type", "param",
"code"}}``; a malformed or unsupported request is a 400, a missing flow (the ``model``) a 404
``model_not_found``, missing credentials a 401 ``invalid_api_key``.

Routers use :class:`OpenAIRoute` as their ``route_class`` so that request validation, the
credential check and domain errors of those routes all answer this shape (the rest of the API
keeps Langflow's ``{"detail"}``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from flowql.errors import (
    ComponentError,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from flowql.resolvers.flow_db import FLOW_NOT_FOUND
from flowql.rest_compat.errors import printable, status_for

#: OpenAI's message for a body that is not JSON.
INVALID_JSON_MESSAGE = "We could not parse the JSON body of your request."


class OpenAIError(BaseModel):
    """The inner object of OpenAI's error body."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    """``{"error": {...}}``, as OpenAI answers a failed request."""

    error: OpenAIError


def _declared(description: str) -> dict[str, Any]:
    return {"model": OpenAIErrorBody, "description": description}


#: ``responses=`` of every OpenAI-compatible route (they replace the Langflow-shaped ones).
OPENAI_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _declared("Malformed or unsupported request"),
    401: _declared("No valid credentials"),
    403: _declared("Not allowed for this user"),
    404: _declared("The model (flow) or previous response does not exist or is not yours"),
    409: _declared("Conflicts with what is stored"),
    413: _declared("Request body too large"),
    422: _declared("The flow cannot run"),
    502: _declared("A model provider failed"),
    504: _declared("A component timed out"),
}


def error_response(
    status: int, message: str, kind: str, *, param: str | None = None, code: str | None = None
) -> JSONResponse:
    """One OpenAI error answer."""
    body = OpenAIErrorBody(error=OpenAIError(message=message, type=kind, param=param, code=code))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(printable(body.model_dump()), status_code=status, headers=headers)


def domain_error_response(exc: DomainError) -> JSONResponse:
    """A domain error as OpenAI would answer it."""
    if isinstance(exc, Unauthenticated):
        return error_response(401, exc.message, "invalid_request_error", code="invalid_api_key")
    if isinstance(exc, PermissionDenied):
        return error_response(403, exc.message, "permission_error")
    if isinstance(exc, NotFound):
        if exc.message == FLOW_NOT_FOUND:
            message = "The model does not exist or you do not have access to it."
            return error_response(
                404, message, "invalid_request_error", param="model", code="model_not_found"
            )
        return error_response(404, exc.message, "invalid_request_error", code="not_found")
    if isinstance(exc, ComponentError):
        return error_response(status_for(exc), exc.message, "server_error", code=exc.failure.error_type)
    if isinstance(exc, InvalidInput):
        param = exc.fields[0].path if exc.fields else None
        return error_response(400, exc.message, "invalid_request_error", param=param, code="invalid_request")
    return error_response(status_for(exc), exc.message, "invalid_request_error", code=exc.code)


def validation_error_response(exc: RequestValidationError) -> JSONResponse:
    """A malformed request: 400 naming the first bad parameter (a body that is not JSON:
    OpenAI's "could not parse the JSON body" with no parameter)."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return error_response(400, INVALID_JSON_MESSAGE, "invalid_request_error", code="invalid_json")
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    message = (
        f"Invalid value for '{param}': {first.get('msg', 'invalid')}" if param else "Invalid request body"
    )
    return error_response(400, message, "invalid_request_error", param=param, code="invalid_request")


class OpenAIRoute(APIRoute):
    """An APIRoute whose failures (validation, credentials, domain errors) answer OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler (dependencies included) with the OpenAI error mapping."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return validation_error_response(exc)
            except DomainError as exc:
                return domain_error_response(exc)
            except HTTPException as exc:
                if exc.status_code != 400:  # FastAPI could not read the body at all
                    raise
                return error_response(400, INVALID_JSON_MESSAGE, "invalid_request_error", code="invalid_json")

        return route
