"""The per-request context every resolver takes as its first argument."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.auth.key_usage import ApiKeyUsage
from flowql.auth.principal import Principal
from flowql.errors import Unauthenticated
from flowql.jobs import JobServices
from flowql.settings import Settings


@dataclass
class Context:
    """Per request (or per GraphQL operation): settings, the DB session factory, the caller.

    ``global_vars`` holds ``X-LANGFLOW-GLOBAL-VAR-<NAME>`` request headers, keyed by NAME.
    ``jobs`` is the process's job services (``AppServices.jobs``); the job resolvers need it.
    ``key_usage`` is the process's API-key usage counter (``AppServices.key_usage``); listing keys
    writes it first.
    """

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    principal: Principal | None = None
    global_vars: Mapping[str, str] = field(default_factory=dict)
    jobs: JobServices | None = None
    key_usage: ApiKeyUsage | None = None

    def require_principal(self) -> Principal:
        """The caller, or :class:`Unauthenticated` (HTTP 401) when there is none."""
        if self.principal is None:
            raise Unauthenticated("Not authenticated")
        return self.principal

    def require_jobs(self) -> JobServices:
        """The job services, or RuntimeError when this context was built without them."""
        if self.jobs is None:
            raise RuntimeError("this context has no job services (build it from AppServices.jobs)")
        return self.jobs
