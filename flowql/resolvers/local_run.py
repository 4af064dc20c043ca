"""Run a flow file on a local database as the default user (``flowql run FLOW.json``).

The same path as ``POST /api/v1/run/{flow_id}`` and GraphQL ``runFlow``: the file is imported
with :func:`flowql.resolvers.flows.import_flows` and run with
:func:`flowql.resolvers.runs.run_flow`.
"""

from __future__ import annotations

import uuid
from typing import Any

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.engine.types import EventSink, RunOutcome
from flowql.errors import InvalidInput, NotFound
from flowql.resolvers.auth import ensure_default_superuser
from flowql.resolvers.flows import get_flow, import_flows, update_flow
from flowql.resolvers.runs import RunParams, run_flow
from flowql.services import start_services
from flowql.settings import Settings

MEMORY_DATABASE_URL = "sqlite+aiosqlite://"


def single_flow(payload: object) -> dict[str, Any]:
    """The one flow in a parsed flow file: a flow dict, or ``{"flows": [flow]}``.

    Raises InvalidInput when the file is not a JSON object or holds zero or several flows.
    """
    if not isinstance(payload, dict):
        raise InvalidInput('The flow file must hold a JSON object (one flow, or {"flows": [...]})')
    if "flows" in payload and "data" not in payload:
        flows = payload["flows"]
        if not isinstance(flows, list) or len(flows) != 1 or not isinstance(flows[0], dict):
            count = len(flows) if isinstance(flows, list) else 0
            raise InvalidInput(f"The flow file must hold exactly one flow to run; it holds {count}")
        return flows[0]
    return payload


async def _stored_flow_id(ctx: Context, flow: dict[str, Any]) -> uuid.UUID | None:
    """The id of the caller's stored flow with the file's ``id``, refreshed from the file."""
    try:
        flow_id = uuid.UUID(str(flow.get("id")))
    except ValueError:
        return None
    try:
        await get_flow(ctx, flow_id=flow_id)
    except NotFound:
        return None
    await update_flow(ctx, flow_id=flow_id, values={"data": flow.get("data")})
    return flow_id


async def run_flow_payload(
    settings: Settings, *, payload: object, params: RunParams, emit: EventSink | None = None
) -> RunOutcome:
    """Import ``payload`` (a parsed flow file) and run it as ``settings.superuser``.

    The database at ``settings.resolved_database_url`` is migrated first. When it already holds
    the local user's flow with the file's ``id`` (a persistent ``--database-url``), that flow's
    data is replaced by the file's and it runs under the same id, so its default session (the
    flow id) carries over between runs. Raises the domain errors of ``import_flows`` and
    ``run_flow`` (InvalidInput, UnsupportedComponent, ComponentError, ...). ``emit`` receives
    the run's build events (``flowql run`` progress).
    """
    flow = single_flow(payload)
    services = await start_services(settings)
    try:
        async with services.sessions() as session:
            user = await ensure_default_superuser(session, settings)
        principal = Principal(user.id, user.username, user.is_superuser, "local")
        ctx = Context(settings=settings, sessions=services.sessions, principal=principal)
        flow_id = await _stored_flow_id(ctx, flow)
        if flow_id is None:
            imported = await import_flows(ctx, payload=flow)
            flow_id = imported[0].id
        return await run_flow(ctx, flow_id_or_name=str(flow_id), params=params, emit=emit)
    finally:
        await services.close()
