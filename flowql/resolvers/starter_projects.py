"""Starter projects and basic examples (Langflow ``GET /api/v1/starter-projects/`` and
``GET /api/v1/flows/basic_examples/``).

FlowQL serves its own small flows (``starter_flows/*.json`` beside this module: written for
FlowQL, runnable by its native components, without any ``code`` field), followed by every flow
in the operator's directory ``FLOWQL_STARTER_PROJECTS_DIR`` (``*.json`` files, each one flow
export or ``{"flows": [...]}``, read on every request, in file-name order; a file that is not a
readable flow is skipped and logged). They are nobody's stored flows: ``user_id`` is null, the
id is derived from the name, so it is the same on every server and every request.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flowql.context import Context
from flowql.resolvers.flow_values import strip_api_keys

log = logging.getLogger("flowql.starter_projects")

BUILTIN_DIR = Path(__file__).with_name("starter_flows")
#: Namespace of the starter flows' ids (``uuid5(namespace, name_key)``).
STARTER_NAMESPACE = uuid.UUID("7f0c5a52-3c1e-4d53-9b89-6a1f0c2b8e11")
#: The id Langflow's "Starter Projects" folder has in FlowQL's answers (no such project is stored).
STARTER_FOLDER_ID = uuid.uuid5(STARTER_NAMESPACE, "starter-projects-folder")
#: ``updated_at`` of every starter flow (they never change at run time).
STARTER_UPDATED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def name_key(name: str) -> str:
    """Langflow's stable key of a starter's English name: ``Basic Prompting`` → ``basic_prompting``.
    A name without ASCII letters or digits (``测试 流程``) is its own key (stripped), so two such
    names never share a key or an id."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or name.strip()


@dataclass(frozen=True)
class StarterFlow:
    """A starter project, with every attribute a stored flow has (so both front doors shape it as
    a flow): ``data`` is the flow JSON, ``name_key`` Langflow's stable key, ``user_id`` null."""

    id: uuid.UUID
    name: str
    name_key: str
    description: str | None
    data: dict[str, Any]
    is_component: bool = False
    endpoint_name: str | None = None
    tags: list[str] | None = None
    icon: str | None = None
    icon_bg_color: str | None = None
    gradient: str | None = None
    webhook: bool = False
    locked: bool = False
    mcp_enabled: bool = False
    action_name: str | None = None
    action_description: str | None = None
    access_type: str = "PRIVATE"
    user_id: uuid.UUID | None = None
    folder_id: uuid.UUID | None = STARTER_FOLDER_ID
    updated_at: datetime = STARTER_UPDATED_AT
    created_at: datetime = STARTER_UPDATED_AT
    extra: dict[str, Any] = field(default_factory=dict)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _starter(item: object) -> StarterFlow | None:
    """A StarterFlow from one flow export, or ``None`` when it is not one (no name or data)."""
    if not isinstance(item, dict):
        return None
    name, data = item.get("name"), item.get("data")
    if not isinstance(name, str) or not name.strip() or not isinstance(data, dict):
        return None
    key = name_key(name)
    tags = item.get("tags")
    return StarterFlow(
        id=uuid.uuid5(STARTER_NAMESPACE, key),
        name=name,
        name_key=key,
        description=_text(item.get("description")),
        data=strip_api_keys(data),
        is_component=item.get("is_component") is True,
        endpoint_name=_text(item.get("endpoint_name")),
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else None,
        icon=_text(item.get("icon")),
        icon_bg_color=_text(item.get("icon_bg_color")),
        gradient=_text(item.get("gradient")),
    )


def _read_dir(folder: Path) -> list[StarterFlow]:
    """The starter flows of every ``*.json`` file of ``folder`` in file-name order."""
    found: list[StarterFlow] = []
    for path in sorted(folder.glob("*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            log.warning("skipping starter project file %s: not readable JSON", path.name)
            continue
        items = (
            payload["flows"]
            if isinstance(payload, dict) and isinstance(payload.get("flows"), list)
            else [payload]
        )
        flows = [s for s in (_starter(i) for i in items) if s is not None]
        if not flows:
            log.warning("skipping starter project file %s: no flow with a name and data", path.name)
        found.extend(flows)
    return found


@lru_cache(maxsize=1)
def builtin_starters() -> tuple[StarterFlow, ...]:
    """FlowQL's own starter flows (package data; read once per process)."""
    return tuple(_read_dir(BUILTIN_DIR))


def list_starter_projects(ctx: Context) -> list[StarterFlow]:
    """FlowQL's starter flows, then the operator's (``FLOWQL_STARTER_PROJECTS_DIR``); a name
    already listed is not listed again. Raises Unauthenticated."""
    ctx.require_principal()
    flows = list(builtin_starters())
    folder = ctx.settings.starter_projects_dir
    if folder is not None and folder.is_dir():
        flows.extend(_read_dir(folder))
    seen: set[str] = set()
    unique: list[StarterFlow] = []
    for flow in flows:
        if flow.name_key not in seen:
            seen.add(flow.name_key)
            unique.append(flow)
    return unique


def list_basic_examples(ctx: Context) -> list[StarterFlow]:
    """The example flows Langflow's UI offers (``GET /api/v1/flows/basic_examples/``): the same
    flows as :func:`list_starter_projects`. Raises Unauthenticated."""
    return list_starter_projects(ctx)
