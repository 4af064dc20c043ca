"""Schema extensions, passed to the schema as classes or factories (one instance per operation).

- :func:`limit_extensions`: query depth (``FLOWQL_GRAPHQL_MAX_DEPTH``) and alias count
  (``FLOWQL_GRAPHQL_MAX_ALIASES``) limits.
- :class:`DomainErrorCodes`: every error leaving the server carries ``extensions.code``; domain
  errors keep their message, unexpected exceptions are masked (no SQL, stack traces or paths).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.types.execution import ExecutionContext

from flowql.errors import DomainError, InvalidInput
from flowql.settings import Settings

log = logging.getLogger("flowql.graphql")

ExtensionFactory = Callable[[], SchemaExtension]

INTERNAL_MESSAGE = "Internal server error"


def limit_extensions(settings: Settings) -> list[ExtensionFactory]:
    """Factories for the depth and alias limiters configured in ``settings``."""
    return [
        functools.partial(QueryDepthLimiter, max_depth=settings.graphql_max_depth),
        functools.partial(MaxAliasesLimiter, max_alias_count=settings.graphql_max_aliases),
    ]


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)


def _code_for(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code
    if _is_unexpected(error):
        return "INTERNAL"
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_USER_INPUT"


class DomainErrorCodes(MaskErrors):
    """Adds ``extensions.code`` to every error and masks unexpected exceptions.

    Domain errors keep their message; an :class:`InvalidInput` also lists its ``fields``
    (``[{path, message}]``) in the extensions.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message=INTERNAL_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed: list[GraphQLError] = []
        for error in errors:
            extensions = dict(error.extensions or {})
            extensions.setdefault("code", _code_for(error))
            original = error.original_error
            if isinstance(original, InvalidInput) and original.fields:
                extensions["fields"] = [{"path": f.path, "message": f.message} for f in original.fields]
            message = INTERNAL_MESSAGE if _is_unexpected(error) else error.message
            processed.append(
                GraphQLError(
                    message=message,
                    nodes=error.nodes,
                    source=error.source,
                    positions=error.positions,
                    path=error.path,
                    original_error=None,
                    extensions=extensions,
                )
            )
        return processed


def log_unexpected(errors: list[GraphQLError], _execution_context: ExecutionContext | None) -> None:
    """Log errors the client sees masked; domain and validation errors are the client's business."""
    for error in errors:
        if _is_unexpected(error):
            log.error("unhandled error in GraphQL operation", exc_info=error.original_error)
