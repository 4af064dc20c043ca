"""The root types, declarations only: each field names its implementation in
:mod:`flowql.schema.queries` or :mod:`flowql.schema.mutations`."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from flowql.schema import job_fields, mutations, queries
from flowql.schema.job_fields import JobResult
from flowql.schema.mutations import FlowResult, RunFlowResult
from flowql.schema.permissions import PUBLIC
from flowql.schema.types.catalog import ComponentType
from flowql.schema.types.flows import Flow, FlowConnection
from flowql.schema.types.job_events import JobEvent
from flowql.schema.types.jobs import Job
from flowql.schema.types.users import ApiKey, CreatedApiKey, User


@strawberry.type
class Query:
    """Read operations. Every field needs a principal unless marked public."""

    me: User = strawberry.field(
        resolver=queries.me, description="The calling user (as REST GET /api/v1/users/whoami)."
    )
    api_keys: list[ApiKey] = strawberry.field(
        resolver=queries.api_key_list,
        description="The caller's API keys, oldest first, never their secrets "
        "(as REST GET /api/v1/api_key/).",
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
    job: Job | None = strawberry.field(
        resolver=job_fields.job,
        description="The caller's job (a build or run) with its events; null when it is missing or "
        "not yours.",
    )
    public_job: Job | None = strawberry.field(
        resolver=job_fields.public_job,
        metadata=PUBLIC,
        description="A public build started by buildPublicFlow with this clientId; null otherwise. Public.",
    )
    component_types: list[ComponentType] = strawberry.field(
        resolver=queries.component_types,
        description="Every component type FlowQL can run, with display name, fields and outputs "
        "(as REST GET /api/v1/all).",
    )


@strawberry.type
class Mutation:
    """Write operations. Every field needs a principal unless marked public."""

    create_api_key: CreatedApiKey = strawberry.mutation(
        resolver=mutations.create_api_key,
        description="A new API key for the caller; the secret is shown only in this answer "
        "(as REST POST /api/v1/api_key/).",
    )
    delete_api_key: bool = strawberry.mutation(
        resolver=mutations.delete_api_key,
        description="Delete one of the caller's API keys; false when it is missing or not yours "
        "(as REST DELETE /api/v1/api_key/{api_key_id}).",
    )
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
    build_flow: JobResult = strawberry.mutation(
        resolver=job_fields.build_flow,
        description="Start a build of the caller's flow as a job and return it at once; watch it with "
        "jobEvents or job(id).events (as REST POST /api/v1/build/{flow_id}/flow).",
    )
    build_public_flow: JobResult = strawberry.mutation(
        resolver=job_fields.build_public_flow,
        metadata=PUBLIC,
        description="Start a build of a PUBLIC flow's stored graph, no credentials needed; clientId reads it "
        "back with publicJob (as REST POST /api/v1/build_public_tmp/{flow_id}/flow). Public.",
    )
    cancel_job: JobResult = strawberry.mutation(
        resolver=job_fields.cancel_job,
        description="Cancel the caller's running job; an ended job is returned unchanged "
        "(as REST POST /api/v1/build/{job_id}/cancel).",
    )


@strawberry.type
class Subscription:
    """Live operations (over graphql-transport-ws or graphql-ws). Every field needs a principal."""

    job_events: AsyncGenerator[JobEvent, None] = strawberry.subscription(
        resolver=job_fields.job_events,
        description="A job's events: the stored ones after the cursor, then live ones; completes after "
        "BuildEnded.",
    )
