"""The component catalog (Langflow ``GET /api/v1/all``; GraphQL ``componentTypes``).

Both list exactly the types registered in the engine's registry at call time. Callers must be
authenticated (``Unauthenticated`` otherwise), as in Langflow.
"""

from __future__ import annotations

from typing import Any

from flowql.context import Context
from flowql.engine.catalog import ComponentInfo, component_types, langflow_catalog


def all_components(ctx: Context) -> dict[str, dict[str, dict[str, Any]]]:
    """Langflow's ``GET /api/v1/all`` body: ``{category: {data.type: component template dict}}``
    (keys: see :func:`flowql.engine.catalog.langflow_component`). Raises Unauthenticated
    without a principal."""
    ctx.require_principal()
    return langflow_catalog()


def list_component_types(ctx: Context) -> list[ComponentInfo]:
    """Every supported ``data.type`` with display name, description, category, fields and
    outputs, sorted by category then type. Raises Unauthenticated without a principal."""
    ctx.require_principal()
    return component_types()
