"""Importing flows from an uploaded file (Langflow ``POST /api/v1/flows/upload/``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import Flow
from flowql.errors import Conflict, FieldProblem, InvalidInput
from flowql.resolvers.flow_db import commit_or_conflict, ensure_endpoint_free, resolve_folder
from flowql.resolvers.flow_values import WRITABLE_FIELDS, clean_flow_values, parse_uuid
from flowql.resolvers.input_checks import parse_json_document

#: Tries of an import whose ids a concurrent import took between the check and the commit.
IMPORT_ATTEMPTS = 3

#: Keys of an exported flow that an import uses; everything else in the file is ignored
#: (``last_tested_version``, ``user_id``, the exporter's ``folder_id``, ...).
_IMPORTED_FIELDS = WRITABLE_FIELDS - {"folder_id"}


def _flow_items(payload: object) -> tuple[list[Any], bool]:
    """The list of flow objects in ``payload`` and whether it was the ``{"flows": [...]}`` form."""
    if isinstance(payload, dict) and "flows" in payload and "data" not in payload:
        flows = payload["flows"]
        if not isinstance(flows, list):
            raise InvalidInput("'flows' must be a list of flows", [FieldProblem("flows", "must be a list")])
        return flows, True
    if isinstance(payload, dict):
        return [payload], False
    raise InvalidInput(
        'The file must hold one flow object or {"flows": [...]}',
        [FieldProblem("file", "not a flow object")],
    )


def _clean_item(item: Any, label: str) -> dict[str, Any]:
    """Checked column values of one flow of the file; InvalidInput names the flow (``label``)."""
    if not isinstance(item, dict):
        raise InvalidInput(f"{label} is not a flow object", [FieldProblem(label, "not an object")])
    values = {k: v for k, v in item.items() if k in _IMPORTED_FIELDS}
    try:
        return clean_flow_values(values, partial=False)
    except InvalidInput as exc:
        fields = [FieldProblem(f"{label}.{p.path}", p.message) for p in exc.fields]
        raise InvalidInput(f"{label}: {exc.message}", fields) from exc


def _label(index: int, item: Any, many: bool) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    base = f"flows[{index}]" if many else "flow"
    return f"{base} ('{name}')" if isinstance(name, str) and name else base


def _wanted_id(item: dict[str, Any]) -> uuid.UUID | None:
    try:
        return parse_uuid(item.get("id"), "id") if item.get("id") is not None else None
    except InvalidInput:
        return None


async def import_flows(ctx: Context, *, payload: object, folder_id: uuid.UUID | None = None) -> list[Flow]:
    """Store the flows of an uploaded file for the caller, all or none.

    ``payload`` is the parsed JSON: one exported flow object, or ``{"flows": [flow, ...]}``.
    Each flow keeps its ``id`` when no stored flow (of any user) and no earlier flow of the file
    has it, else gets a new one. ``data`` is stored exactly as given. All flows go to
    ``folder_id`` (one of the caller's projects) or the caller's default project; the
    exporter's ``folder_id`` is ignored. Returns the stored flows in file order.

    Raises Unauthenticated; InvalidInput naming the flow (and node or edge) that is malformed;
    NotFound("Project not found"); Conflict when an ``endpoint_name`` is already the caller's
    or appears twice in the file. Nothing is stored when any flow is rejected.
    """
    principal = ctx.require_principal()
    items, many = _flow_items(payload)
    cleaned = [_clean_item(item, _label(i, item, many)) for i, item in enumerate(items)]
    wanted = [_wanted_id(item) if isinstance(item, dict) else None for item in items]

    endpoint_names = [c["endpoint_name"] for c in cleaned if c.get("endpoint_name")]
    if len(endpoint_names) != len(set(endpoint_names)):
        raise Conflict("The file uses the same endpoint_name for more than one flow")

    for attempt in range(IMPORT_ATTEMPTS):
        async with ctx.sessions() as session:
            target = await resolve_folder(session, principal.user_id, folder_id)
            for name in endpoint_names:
                await ensure_endpoint_free(session, principal.user_id, name)
            asked = [w for w in wanted if w is not None]
            taken: set[uuid.UUID] = set()
            if asked:
                taken = set(await session.scalars(select(Flow.id).where(Flow.id.in_(asked))))
            flows = [
                Flow(id=flow_id, user_id=principal.user_id, **{**values, "folder_id": target})
                for values, flow_id in zip(cleaned, _assign_ids(wanted, taken), strict=True)
            ]
            session.add_all(flows)
            try:
                await commit_or_conflict(session)
            except Conflict:
                # A concurrent import took an id between the check and the commit: look again
                # (a real endpoint_name clash is then reported by ensure_endpoint_free).
                if attempt + 1 == IMPORT_ATTEMPTS:
                    raise
                continue
            return flows
    raise AssertionError("unreachable")


def _assign_ids(wanted: list[uuid.UUID | None], taken: set[uuid.UUID]) -> list[uuid.UUID]:
    """Each flow's id: the file's when free (not taken, not used earlier in the file), else new."""
    used = set(taken)
    ids: list[uuid.UUID] = []
    for want in wanted:
        flow_id = want if want is not None and want not in used else uuid.uuid4()
        used.add(flow_id)
        ids.append(flow_id)
    return ids


def parse_flow_file(raw: bytes | str) -> object:
    """The JSON document of an uploaded or local flow file (UTF-8, BOM allowed).
    Raises InvalidInput naming ``file`` for anything that is not storable JSON."""
    return parse_json_document(raw, "file")
