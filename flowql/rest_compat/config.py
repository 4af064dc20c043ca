"""``GET /api/v1/config``: the full configuration with credentials, the public subset without.

Credentials that do not verify (a bad API key, an expired token) are treated like none: the
answer is the public subset, as for any caller without a principal, never a 401.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flowql.resolvers import config as config_resolvers
from flowql.rest_compat.deps import OptionalCtx

router = APIRouter(prefix="/api/v1", tags=["config"])


@router.get("/config")
async def get_config(ctx: OptionalCtx) -> dict[str, Any]:
    """Langflow's ``ConfigResponse`` (``"type": "full"``) for a caller with valid credentials,
    ``PublicConfigResponse`` (``"type": "public"``) otherwise."""
    return config_resolvers.get_config(ctx)
