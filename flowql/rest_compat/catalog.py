"""``GET /api/v1/all``: the component catalog (authenticated, as in Langflow).

Body: ``{category: {data.type: component}}`` where each component carries ``display_name``,
``description``, ``template`` (``_type``, ``code`` and one entry per field: ``_input_type``,
``type``, ``required``, ``value``, ``input_types``, ``display_name``, ``info``, ``advanced``,
``list``, ``show``, ...), ``outputs`` (``name``, ``display_name``, ``types``, ``selected``,
``method``, ...), ``field_order``, ``base_classes``, ``icon``, ``documentation``, ``legacy``,
``metadata`` and Langflow's flags. Lists exactly the types FlowQL can run. 401 without
credentials.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flowql.resolvers import catalog
from flowql.rest_compat.deps import Ctx

router = APIRouter(tags=["catalog"])


@router.get("/api/v1/all")
async def get_all(ctx: Ctx) -> dict[str, dict[str, dict[str, Any]]]:
    """Langflow's ``GET /api/v1/all`` (see the module docstring for the shape)."""
    return catalog.all_components(ctx)
