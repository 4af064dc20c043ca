"""Default deny: every root field needs a principal unless it is marked public.

Mark a field public with ``@strawberry.field(metadata=PUBLIC)``; introspection (``__schema``,
``__type``) is always public. Nested fields are reachable only through a root field, so the
check runs on root fields alone. The refusal is :class:`flowql.errors.Unauthenticated`, which
the error extension turns into a GraphQL error with ``extensions.code == "UNAUTHENTICATED"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.types.field import StrawberryField
from strawberry.utils.await_maybe import AwaitableOrValue

from flowql.errors import PermissionDenied, Unauthenticated
from flowql.schema.context import GraphQLContext

PUBLIC: dict[str, Any] = {"flowql_public": True}
_DEFINITION_BACKREF = "strawberry-definition"


def is_public(info: GraphQLResolveInfo[Any]) -> bool:
    """Whether the field being resolved is introspection or marked ``PUBLIC``."""
    if info.field_name.startswith("__"):
        return True
    field = info.parent_type.fields.get(info.field_name)
    definition = field.extensions.get(_DEFINITION_BACKREF) if field is not None else None
    return isinstance(definition, StrawberryField) and bool(definition.metadata.get("flowql_public"))


class RequirePrincipal(SchemaExtension):
    """Refuses non-public root fields when the operation's context has no principal."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: str, **kwargs: Any
    ) -> AwaitableOrValue[object]:
        """Check root fields, pass everything else straight through."""
        if info.path.prev is None and not is_public(info):
            context = info.context
            if not isinstance(context, GraphQLContext) or context.ctx.principal is None:
                raise Unauthenticated("Not authenticated")
        result: object = _next(root, info, *args, **kwargs)
        return result


def refuse_cookie_only_upload(context: GraphQLContext) -> None:
    """GraphQL multipart uploads authenticated only by the session cookie are refused (CSRF,
    design.md "Auth"): a cross-site form can send a multipart POST with the cookie attached.

    Raises PermissionDenied.
    """
    principal = context.ctx.principal
    if principal is not None and principal.via == "cookie":
        raise PermissionDenied("File uploads need a bearer token or an API key, not only the session cookie")
