"""GraphQL over websockets (``graphql-transport-ws`` and legacy ``graphql-ws``) at ``/graphql``.

Authentication comes from the ``connection_init`` payload (design.md "Auth"): ``Authorization``
("Bearer <access token or API key>"), ``x-api-key``, or ``token`` (an access token or API key);
keys are matched case-insensitively. Without valid credentials the connection is refused:
``graphql-transport-ws`` closes with 4403, legacy ``graphql-ws`` answers ``connection_error``
and closes. The socket's one context (and so its principal) serves every operation on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError

from flowql.auth.lookup import principal_from_credentials
from flowql.context import Context
from flowql.rest_compat.deps import GLOBAL_VAR_PREFIX
from flowql.schema.context import GraphQLContext
from flowql.services import AppServices

NOT_AUTHENTICATED = {"message": "Not authenticated", "extensions": {"code": "UNAUTHENTICATED"}}


def websocket_context(websocket: WebSocket) -> GraphQLContext:
    """The context of one socket, without a principal until ``connection_init`` brings one."""
    services: AppServices = websocket.app.state.services
    context = GraphQLContext(
        Context(
            settings=services.settings,
            sessions=services.sessions,
            jobs=services.jobs,
            key_usage=services.key_usage,
        )
    )
    context.request = websocket
    return context


def connection_credentials(params: Mapping[str, object]) -> tuple[str | None, str | None]:
    """``(bearer, api_key)`` from a ``connection_init`` payload: ``Authorization: Bearer X`` and
    ``token`` are bearer values (access token, else API key); ``x-api-key`` an API key."""
    lowered = {key.lower(): value for key, value in params.items() if isinstance(value, str)}
    bearer: str | None = None
    scheme, _, value = lowered.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        bearer = value.strip()
    elif lowered.get("token", "").strip():
        bearer = lowered["token"].strip()
    api_key = lowered.get("x-api-key", "").strip() or None
    return bearer, api_key


def _global_vars(params: Mapping[str, object]) -> dict[str, str]:
    return {
        key[len(GLOBAL_VAR_PREFIX) :].upper(): value
        for key, value in params.items()
        if isinstance(value, str) and key.lower().startswith(GLOBAL_VAR_PREFIX)
    }


async def authenticate_connection(context: GraphQLContext) -> None:
    """Give the socket's context the principal of the ``connection_init`` credentials
    (``X-LANGFLOW-GLOBAL-VAR-*`` keys become global variables, as request headers do).

    Raises ConnectionRejectionError (payload ``{message, extensions.code}``) when the payload
    carries no valid credentials.
    """
    params = context.connection_params
    if not isinstance(params, Mapping):
        raise ConnectionRejectionError(dict(NOT_AUTHENTICATED))
    bearer, api_key = connection_credentials(params)
    ctx = context.ctx
    principal = None
    if bearer or api_key:
        async with ctx.sessions() as session:
            principal = await principal_from_credentials(
                session,
                ctx.settings.resolved_secret_key(),
                bearer=bearer,
                api_key=api_key,
                key_usage=ctx.key_usage,
            )
    if principal is None:
        raise ConnectionRejectionError(dict(NOT_AUTHENTICATED))
    context.ctx = dataclasses.replace(ctx, principal=principal, global_vars=_global_vars(params))
