"""The root types, declarations only: each field names its implementation in
:mod:`flowql.schema.queries` or :mod:`flowql.schema.mutations`."""

from __future__ import annotations

import strawberry

from flowql.schema import mutations, queries
from flowql.schema.mutations import FlowResult, RunFlowResult
from flowql.schema.types.flows import Flow, FlowConnection
from flowql.schema.types.users import User


@strawberry.type
class Query:
    """Read operations. Every field needs a principal."""

    me: User = strawberry.field(
        resolver=queries.me, description="The calling user (as REST GET /api/v1/users/whoami)."
    )
    flow: Flow | None = strawberry.field(
        resolver=queries.flow,
        description="The caller's flow (as REST GET /api/v1/flows/{flow_id}); null when it is missing "
        "or not yours.",
    )
    flows: FlowConnection = strawberry.field(
        resolver=queries.flows_connection,
        description="The caller's flows, oldest first, as a keyset connection; first is 1..100.",
    )


@strawberry.type
class Mutation:
    """Write operations. Every field needs a principal."""

    create_flow: FlowResult = strawberry.mutation(
        resolver=mutations.create_flow, description="Create a flow (as REST POST /api/v1/flows/)."
    )
    import_flow: list[FlowResult] = strawberry.mutation(
        resolver=mutations.import_flow,
        description='Store the flows of a JSON file holding one flow or {"flows": [...]}, all or none '
        "(as REST POST /api/v1/flows/upload/).",
    )
    run_flow: RunFlowResult = strawberry.mutation(
        resolver=mutations.run_flow,
        description="Run a flow by id or by the caller's endpoint name and wait for its outputs "
        "(as REST POST /api/v1/run/{flow_id_or_name}).",
    )
