"""``build_schema(settings)``: the Strawberry schema with its per-app extensions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from flowql.schema.extensions import DomainErrorCodes, ExtensionFactory, limit_extensions, log_unexpected
from flowql.schema.permissions import RequirePrincipal
from flowql.schema.roots import Mutation, Query, Subscription
from flowql.settings import Settings


class FlowQLSchema(strawberry.Schema):
    """The schema; logs only unexpected errors (domain and validation errors are expected)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what the client will see masked as "Internal server error"."""
        log_unexpected(errors, execution_context)


def build_schema(settings: Settings | None = None) -> FlowQLSchema:
    """The schema. With ``settings`` it carries the depth and alias limits; the SDL is the same
    either way (``export_schema`` builds it without settings)."""
    extensions: list[type[SchemaExtension] | ExtensionFactory] = [RequirePrincipal, DomainErrorCodes]
    if settings is not None:
        extensions.extend(limit_extensions(settings))
    return FlowQLSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
