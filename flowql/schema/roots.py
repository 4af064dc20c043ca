"""The root types, declarations only: each field names its implementation in
:mod:`flowql.schema.queries` or :mod:`flowql.schema.mutations`."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.scalars import JSON

from flowql.schema import accounts, job_fields, mutations, queries
from flowql.schema import files as file_fields
from flowql.schema import flows as flow_fields
from flowql.schema import logs as log_fields
from flowql.schema import mcp as mcp_fields
from flowql.schema import monitor as monitor_fields
from flowql.schema import workflows as workflow_fields
from flowql.schema.flows import ProjectResult
from flowql.schema.job_fields import JobResult
from flowql.schema.mutations import FlowResult, RunFlowResult
from flowql.schema.permissions import PUBLIC
from flowql.schema.types.catalog import ComponentType
from flowql.schema.types.files import DeleteResult, File, FileConnection
from flowql.schema.types.flows import Flow, FlowConnection
from flowql.schema.types.job_events import JobEvent
from flowql.schema.types.jobs import Job
from flowql.schema.types.mcp import McpTool
from flowql.schema.types.monitor import (
    MessageConnection,
    SessionConnection,
    Trace,
    TraceConnection,
    TransactionConnection,
    VertexBuild,
)
from flowql.schema.types.projects import Project
from flowql.schema.types.runs import Message
from flowql.schema.types.users import ApiKey, AuthTokens, CreatedApiKey, User, UserConnection, Version


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
    users: UserConnection = strawberry.field(
        resolver=accounts.users_connection,
        description="Every user, oldest first, as a keyset connection; first is 1..100. Superusers only "
        "(as REST GET /api/v1/users/).",
    )
    config: JSON = strawberry.field(
        resolver=accounts.config_json,
        metadata=PUBLIC,
        description="The server configuration (as REST GET /api/v1/config): the full one with credentials, "
        "the public subset without. Public.",
    )
    version: Version = strawberry.field(
        resolver=accounts.version,
        metadata=PUBLIC,
        description="The server's version (as REST GET /api/v1/version). Public.",
    )
    flow: Flow | None = strawberry.field(
        resolver=flow_fields.flow,
        description="The caller's flow (as REST GET /api/v1/flows/{flow_id}); null when it is missing "
        "or not yours.",
    )
    flows: FlowConnection = strawberry.field(
        resolver=flow_fields.flows_connection,
        description="The caller's flows, oldest first, as a keyset connection; first is 1..100; projectId, "
        "isComponent and search (in the name, case-insensitive) filter (as REST GET /api/v1/flows/).",
    )
    public_flow: Flow | None = strawberry.field(
        resolver=flow_fields.public_flow,
        metadata=PUBLIC,
        description="A PUBLIC flow, API-key fields cleared; null when it is PRIVATE or missing "
        "(as REST GET /api/v1/flows/public_flow/{flow_id}). Public.",
    )
    project: Project | None = strawberry.field(
        resolver=flow_fields.project,
        description="The caller's project (as REST GET /api/v1/projects/{project_id}); null when it is "
        "missing or not yours.",
    )
    projects: list[Project] = strawberry.field(
        resolver=flow_fields.project_list,
        description="The caller's projects, the default one first (as REST GET /api/v1/projects/).",
    )
    starter_projects: list[Flow] = strawberry.field(
        resolver=flow_fields.starter_project_list,
        description="FlowQL's starter flows, then those of FLOWQL_STARTER_PROJECTS_DIR "
        "(as REST GET /api/v1/starter-projects/).",
    )
    basic_examples: list[Flow] = strawberry.field(
        resolver=flow_fields.basic_example_list,
        description="The example flows (as REST GET /api/v1/flows/basic_examples/).",
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
    files: FileConnection = strawberry.field(
        resolver=file_fields.files_connection,
        description="The caller's files, oldest first, as a keyset connection; first is 1..100 "
        "(as REST GET /api/v2/files).",
    )
    file: File | None = strawberry.field(
        resolver=file_fields.file,
        description="The caller's file; null when it is missing or not yours. Download its bytes with "
        "REST GET /api/v2/files/{id}.",
    )
    messages: MessageConnection = strawberry.field(
        resolver=monitor_fields.message_connection,
        description="The caller's stored messages, oldest first, as a keyset connection, filtered by flowId, "
        "sessionId, sender, senderName; first is 1..100 (as REST GET /api/v1/monitor/messages).",
    )
    sessions: SessionConnection = strawberry.field(
        resolver=monitor_fields.session_connection,
        description="The sessions of the caller's flow, in the order they began, as a keyset connection "
        "(as REST GET /api/v1/monitor/messages/sessions?flow_id=).",
    )
    vertex_builds: list[VertexBuild] = strawberry.field(
        resolver=monitor_fields.vertex_build_list,
        description="The vertex builds of the caller's flow, oldest first "
        "(as REST GET /api/v1/monitor/builds).",
    )
    transactions: TransactionConnection = strawberry.field(
        resolver=monitor_fields.transaction_connection,
        description="The transactions (vertex executions) of the caller's flow, newest first, as a keyset "
        "connection (as REST GET /api/v1/monitor/transactions).",
    )
    traces: TraceConnection = strawberry.field(
        resolver=monitor_fields.trace_connection,
        description="The caller's traces, newest first, as a keyset connection; query matches a substring of "
        "the name, id or session id; startTime/endTime bound the start (as REST GET /api/v1/monitor/traces).",
    )
    trace: Trace | None = strawberry.field(
        resolver=monitor_fields.trace,
        description="The caller's trace with its span tree; null when it is missing or not yours "
        "(as REST GET /api/v1/monitor/traces/{trace_id}).",
    )
    project_mcp_tools: list[McpTool] = strawberry.field(
        resolver=mcp_fields.project_mcp_tools,
        description="The flows of the caller's project as tools of its MCP server, oldest first; enabledOnly "
        "keeps the mcpEnabled ones (as REST GET /api/v1/mcp/project/{project_id}).",
    )


@strawberry.type
class Mutation:
    """Write operations. Every field needs a principal unless marked public."""

    login: AuthTokens | None = strawberry.mutation(
        resolver=accounts.login,
        metadata=PUBLIC,
        description="Tokens for a username and password (as REST POST /api/v1/login). Public.",
    )
    refresh_token: AuthTokens | None = strawberry.mutation(
        resolver=accounts.refresh_token,
        metadata=PUBLIC,
        description="A new token pair for a refresh token, which is used up (as REST POST /api/v1/refresh). "
        "Public.",
    )
    logout: bool = strawberry.mutation(
        resolver=accounts.logout,
        description="Revoke the caller's refresh token (the argument, else the refresh_token_lf cookie) "
        "(as REST POST /api/v1/logout); false when there was none of yours to revoke.",
    )
    sign_up: User | None = strawberry.mutation(
        resolver=accounts.sign_up,
        metadata=PUBLIC,
        description="Register a user, active only when FLOWQL_NEW_USER_IS_ACTIVE "
        "(as REST POST /api/v1/users/). Public.",
    )
    update_user: User | None = strawberry.mutation(
        resolver=accounts.update_user,
        description="Update yourself, or any user as a superuser; only superusers change isActive, "
        "isSuperuser or a password (as REST PATCH /api/v1/users/{user_id}).",
    )
    reset_password: bool = strawberry.mutation(
        resolver=accounts.reset_password,
        description="Change your own password after verifying the current one "
        "(as REST PATCH /api/v1/users/{user_id}/reset-password).",
    )
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
    create_flows: list[FlowResult] = strawberry.mutation(
        resolver=flow_fields.create_flows,
        description="Create several flows, all or none; a name you already have gets ' (N)' "
        "(as REST POST /api/v1/flows/batch/).",
    )
    update_flow: FlowResult = strawberry.mutation(
        resolver=flow_fields.update_flow,
        description="Change the fields given of your flow (as REST PATCH /api/v1/flows/{flow_id}).",
    )
    upsert_flow: FlowResult = strawberry.mutation(
        resolver=flow_fields.upsert_flow,
        description="Create a flow under this id, or update it when it is yours "
        "(as REST PUT /api/v1/flows/{flow_id}).",
    )
    delete_flows: DeleteResult = strawberry.mutation(
        resolver=flow_fields.delete_flows,
        description="Delete those of the ids that are your flows, with their messages, builds, "
        "transactions, traces and jobs; other ids are skipped (as REST DELETE /api/v1/flows/).",
    )
    import_flow: list[FlowResult] = strawberry.mutation(
        resolver=flow_fields.import_flow,
        description='Store the flows of a JSON file holding one flow or {"flows": [...]}, or of a zip of '
        "such files, all or none (as REST POST /api/v1/flows/upload/).",
    )
    create_project: ProjectResult = strawberry.mutation(
        resolver=flow_fields.create_project,
        description="Create a project and move flowIds into it (as REST POST /api/v1/projects/).",
    )
    update_project: ProjectResult = strawberry.mutation(
        resolver=flow_fields.update_project,
        description="Change the fields given of your project (as REST PATCH /api/v1/projects/{project_id}).",
    )
    delete_project: DeleteResult = strawberry.mutation(
        resolver=flow_fields.delete_project,
        description="Delete your project with its flows and everything they left, in one transaction; "
        "deletedCount is 0 when it is missing or not yours (as REST DELETE /api/v1/projects/{project_id}).",
    )
    import_project: ProjectResult = strawberry.mutation(
        resolver=flow_fields.import_project,
        description="Create a project from an uploaded zip of flow files or Langflow project JSON, all or "
        "none (as REST POST /api/v1/projects/upload/).",
    )
    run_flow: RunFlowResult = strawberry.mutation(
        resolver=mutations.run_flow,
        description="Run a flow by id or by the caller's endpoint name and wait for its outputs "
        "(as REST POST /api/v1/run/{flow_id_or_name}).",
    )
    run_workflow: JobResult = strawberry.mutation(
        resolver=workflow_fields.run_workflow,
        description="Run the caller's flow as a workflow job with inputs keyed 'component_id.param'; returns "
        "the ended job, or with background the queued job at once (as REST POST /api/v2/workflows).",
    )
    create_response: workflow_fields.ResponseObject = strawberry.mutation(
        resolver=workflow_fields.create_response,
        description="Run the caller's flow (model) on input as an OpenAI-style response; previousResponseId "
        "continues that response's session (as REST POST /api/v1/responses).",
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
    upload_file: File = strawberry.mutation(
        resolver=file_fields.upload_file,
        description="Store an uploaded file (GraphQL multipart request spec) as one of your files; a name "
        "you already use becomes 'name (n)' (as REST POST /api/v2/files). Not with only the session cookie.",
    )
    rename_file: File | None = strawberry.mutation(
        resolver=file_fields.rename_file,
        description="Rename one of your files (its bytes and path stay); null when it is missing or not "
        "yours (as REST PUT /api/v2/files/{file_id}?name=).",
    )
    delete_files: DeleteResult = strawberry.mutation(
        resolver=file_fields.delete_files,
        description="Delete those of the ids that are your files, with their bytes; other ids are skipped "
        "(as REST DELETE /api/v2/files/batch/).",
    )
    update_message: Message | None = strawberry.mutation(
        resolver=monitor_fields.update_message,
        description="Set the text of the caller's message (edited when it changes); null when it is missing "
        "or not yours (as REST PUT /api/v1/monitor/messages/{message_id}).",
    )
    delete_messages: DeleteResult = strawberry.mutation(
        resolver=monitor_fields.delete_messages,
        description="Delete those of the ids that are your messages; other ids are skipped "
        "(as REST DELETE /api/v1/monitor/messages).",
    )
    rename_session: DeleteResult = strawberry.mutation(
        resolver=monitor_fields.rename_session,
        description="Move your messages of a session (of one flow with flowId) to newSessionId; deletedCount "
        "counts the messages moved (as REST PATCH /api/v1/monitor/messages/session/{old_session_id}).",
    )
    delete_session: DeleteResult = strawberry.mutation(
        resolver=monitor_fields.delete_session,
        description="Delete your messages of a session (of one flow with flowId); deletedCount counts them "
        "(as REST DELETE /api/v1/monitor/messages/session/{session_id}).",
    )
    update_project_mcp_settings: list[McpTool] = strawberry.mutation(
        resolver=mcp_fields.update_project_mcp_settings,
        description="Set mcpEnabled, actionName and actionDescription of flows of the caller's project and, "
        "when given, its authSettings (masked secrets keep the stored ones); answers every flow's tool "
        "(as REST PATCH /api/v1/mcp/project/{project_id}).",
    )
    delete_traces: DeleteResult = strawberry.mutation(
        resolver=monitor_fields.delete_trace_list,
        description="Delete your traces of flowId and/or with ids, with their spans (as REST DELETE "
        "/api/v1/monitor/traces and /api/v1/monitor/traces/{trace_id}).",
    )


@strawberry.type
class Subscription:
    """Live operations (over graphql-transport-ws or graphql-ws). Every field needs a principal."""

    job_events: AsyncGenerator[JobEvent, None] = strawberry.subscription(
        resolver=job_fields.job_events,
        description="A job's events: the stored ones after the cursor, then live ones; completes after "
        "BuildEnded.",
    )
    logs: AsyncGenerator[str, None] = strawberry.subscription(
        resolver=log_fields.logs,
        description="The server's log lines as they are logged, API keys, tokens and passwords redacted "
        "(as REST GET /logs-stream). Superusers only.",
    )
