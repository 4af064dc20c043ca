"""``create_app(settings)``: the FastAPI application with REST compat routes and ``/graphql``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from flowql import __version__
from flowql.db.migrate import migrate
from flowql.jobs.recovery import end_orphaned_jobs
from flowql.jobs.server_lock import acquire_server_lock
from flowql.logs import AccessLog, install_logging, register_secrets
from flowql.mcp.server import mcp_routes as mcp_routes_asgi
from flowql.resolvers.auth import ensure_default_superuser
from flowql.rest_compat import agentic as agentic_routes
from flowql.rest_compat import auth, build, build_public, catalog, flows, health, monitor, run, run_surfaces
from flowql.rest_compat import config as config_routes
from flowql.rest_compat import files as file_routes
from flowql.rest_compat import files_v2 as file_v2_routes
from flowql.rest_compat import logs as log_routes
from flowql.rest_compat import mcp as mcp_routes
from flowql.rest_compat import projects as project_routes
from flowql.rest_compat import users as user_routes
from flowql.rest_compat.errors import install_error_handlers
from flowql.rest_compat.openapi_errors import ERROR_RESPONSES, tailor_openapi
from flowql.schema.app import graphql_router
from flowql.services import AppServices, start_services
from flowql.settings import Settings

#: Bytes allowed on top of ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` for multipart boundaries and headers.
MULTIPART_OVERHEAD = 64 * 1024


def rest_routers() -> list[APIRouter]:
    """Every REST router the app serves (route paths carry their full prefix)."""
    modules = (health, auth, flows, run, monitor, build, build_public, catalog, project_routes)
    routers = [
        module.router for module in (*modules, user_routes, config_routes, file_routes, file_v2_routes)
    ]
    routers += [agentic_routes.router, log_routes.router]  # issue 12: assistant and logs
    routers.append(mcp_routes.router)  # issue 11: projects as MCP servers, MCP server configs
    return [*routers, *run_surfaces.routers()]


def _tailor_openapi(app: FastAPI) -> None:
    """Serve the OpenAPI document with per-route error statuses and stream/file content types
    (:func:`flowql.rest_compat.openapi_errors.tailor_openapi`), built once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = tailor_openapi(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, services: AppServices | None = None) -> FastAPI:
    """The application. ``services`` may be supplied (tests); otherwise the lifespan opens and
    migrates the database from ``settings`` and closes it on shutdown."""
    settings = settings or (services.settings if services else Settings())
    # Every record (ours, uvicorn's, libraries') is redacted into the /logs buffer and stderr.
    install_logging(
        level=settings.log_level,
        buffer_size=settings.log_buffer_size,
        secrets=(settings.secret_key,),
        database_url=settings.resolved_database_url,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        svc = services or await start_services(settings, run_migrations=False)
        lock = None
        if owned:
            try:  # before migrating: a refused server must not touch a live database
                lock = await acquire_server_lock(svc.engine, settings.resolved_database_url)
                await migrate(svc.engine)
            except BaseException:
                await svc.close()
                if lock is not None:
                    await lock.release()
                raise
            # The only server on in-process job backends: nothing else can finish these jobs.
            await end_orphaned_jobs(svc.sessions, svc.jobs.bus)
        if settings.resolved_auto_login:
            async with svc.sessions() as session:
                await ensure_default_superuser(session, settings)
        app.state.services = svc
        register_secrets(settings.resolved_secret_key())
        try:
            yield
        finally:
            if owned:
                await svc.close()
            if lock is not None:
                await lock.release()

    # No request body may exceed the upload limit (plus room for multipart framing): 413.
    max_body = settings.max_file_size_upload * 1024 * 1024 + MULTIPART_OVERHEAD
    app = FastAPI(title="FlowQL", version=__version__, lifespan=lifespan, max_body_size=max_body)
    if services is not None:
        app.state.services = services
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Job-Id"],  # a streamed v2 workflow's job, for /stop
        )
    install_error_handlers(app)
    app.add_middleware(AccessLog)
    run_surfaces.warn_at_start(settings)
    for router in rest_routers():
        app.include_router(router, responses=ERROR_RESPONSES)
    _tailor_openapi(app)
    app.router.routes.extend(mcp_routes_asgi())  # each project's MCP endpoint (streamable HTTP)
    # GraphQL documents itself (introspection, schema.graphql); it is not part of the REST contract.
    app.include_router(graphql_router(settings), prefix="/graphql", include_in_schema=False)
    return app
