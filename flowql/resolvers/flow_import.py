"""Storing several flows at once: uploaded files (Langflow ``POST /api/v1/flows/upload/`` and
``POST /api/v1/projects/upload/``, a JSON document or a zip of them) and batch creation
(``POST /api/v1/flows/batch/``).

Every path here stores all flows or none, and applies the one naming policy: a name the user
already has (or an earlier flow of the same request has) gets Langflow's `` (N)`` suffix; an
``endpoint_name`` the user already has, or that two flows of the request share, is a Conflict.
"""

from __future__ import annotations

import io
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.context import Context
from flowql.db.models import Flow
from flowql.errors import Conflict, FieldProblem, InvalidInput, TooLarge
from flowql.resolvers.flow_db import (
    commit_or_conflict,
    ensure_endpoint_free,
    free_names,
    naming_lock,
    resolve_folder,
)
from flowql.resolvers.flow_values import WRITABLE_FIELDS, clean_flow_values, parse_uuid
from flowql.resolvers.input_checks import parse_json_document

#: Tries of an import whose ids a concurrent import took between the check and the commit.
IMPORT_ATTEMPTS = 3

#: Most ``.json`` entries read from one uploaded zip.
MAX_ZIP_ENTRIES = 1000

#: Keys of an exported flow that an import uses; everything else in the file is ignored
#: (``last_tested_version``, ``user_id``, the exporter's ``folder_id``, ...).
_IMPORTED_FIELDS = WRITABLE_FIELDS - {"folder_id"}

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    zlib.error,
)


@dataclass
class FlowFile:
    """The flows of an uploaded file, in file order.

    ``items`` are the raw flow objects; ``labels`` name each one in error messages
    (``flows[1] ('name')``, or the zip entry). ``folder_name`` / ``folder_description`` are
    Langflow's project-export keys, when the JSON carried them."""

    items: list[Any]
    labels: list[str]
    folder_name: str | None = None
    folder_description: str | None = None
    sources: list[str] = field(default_factory=list)


def _label(base: str, item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{base} ('{name}')" if isinstance(name, str) and name else base


def flow_file_from_payload(payload: object, *, source: str | None = None) -> FlowFile:
    """A :class:`FlowFile` from a parsed JSON document: one flow object or ``{"flows": [...]}``
    (with optional ``folder_name`` / ``folder_description``). ``source`` (a zip entry name)
    prefixes the labels. Raises InvalidInput for anything else."""
    prefix = f"{source}: " if source else ""
    if isinstance(payload, dict) and "flows" in payload and "data" not in payload:
        flows = payload["flows"]
        if not isinstance(flows, list):
            raise InvalidInput(
                f"{prefix}'flows' must be a list of flows", [FieldProblem("flows", "must be a list")]
            )
        name = payload.get("folder_name")
        description = payload.get("folder_description")
        return FlowFile(
            items=list(flows),
            labels=[_label(f"{prefix}flows[{i}]", item) for i, item in enumerate(flows)],
            folder_name=name if isinstance(name, str) and name.strip() else None,
            folder_description=description if isinstance(description, str) else None,
        )
    if isinstance(payload, dict):
        return FlowFile(items=[payload], labels=[_label(source or "flow", payload)])
    raise InvalidInput(
        f'{prefix}the file must hold one flow object or {{"flows": [...]}}',
        [FieldProblem("file", "not a flow object")],
    )


def is_zip(raw: bytes) -> bool:
    """Whether ``raw`` starts like a zip archive."""
    return raw[:4] in _ZIP_MAGIC


def parse_flow_upload(raw: bytes, *, max_bytes: int) -> FlowFile:
    """The flows of an uploaded file: a JSON document (UTF-8, BOM allowed) holding one flow or
    ``{"flows": [...]}``, or a zip whose ``.json`` entries each hold one of those (entry order;
    folders, ``__MACOSX/`` and other files skipped).

    Raises InvalidInput for text that is not JSON, a broken or encrypted zip, a zip without
    ``.json`` entries (each named); TooLarge when the zip unpacks to more than ``max_bytes``
    bytes or holds more than :data:`MAX_ZIP_ENTRIES` flow files.
    """
    if not is_zip(raw):
        return flow_file_from_payload(parse_json_document(raw, "file"))
    merged = FlowFile(items=[], labels=[])
    for entry, content in _zip_entries(raw, max_bytes):
        try:
            payload = parse_json_document(content, entry)
        except InvalidInput as exc:
            raise InvalidInput(f"zip entry {exc.message}", exc.fields) from exc
        part = flow_file_from_payload(payload, source=entry)
        merged.items += part.items
        merged.labels += part.labels
        merged.sources.append(entry)
        merged.folder_name = merged.folder_name or part.folder_name
        merged.folder_description = merged.folder_description or part.folder_description
    return merged


def _zip_entries(raw: bytes, max_bytes: int) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and info.filename.lower().endswith(".json")
        ]
        if len(infos) > MAX_ZIP_ENTRIES:
            raise TooLarge(f"The zip holds more than {MAX_ZIP_ENTRIES} flow files")
        if not infos:
            raise InvalidInput(
                "The zip archive holds no .json flow files", [FieldProblem("file", "no .json entries")]
            )
        total = 0
        entries: list[tuple[str, bytes]] = []
        for info in infos:
            if info.flag_bits & 0x1:
                raise InvalidInput(
                    f"zip entry {info.filename} is encrypted", [FieldProblem(info.filename, "encrypted")]
                )
            with archive.open(info) as handle:
                content = handle.read(max_bytes - total + 1)
            total += len(content)
            if total > max_bytes:
                raise TooLarge(f"The zip unpacks to more than {max_bytes // (1024 * 1024)} MB")
            entries.append((info.filename, content))
        return entries
    except _ZIP_READ_ERRORS as exc:
        raise InvalidInput(
            "The file is not a readable zip archive", [FieldProblem("file", "not a readable zip archive")]
        ) from exc


def _clean_item(item: Any, label: str) -> dict[str, Any]:
    """Checked column values of one flow of the file; InvalidInput names the flow (``label``)."""
    if not isinstance(item, dict):
        raise InvalidInput(f"{label} is not a flow object", [FieldProblem(label, "not an object")])
    values = {k: v for k, v in item.items() if k in _IMPORTED_FIELDS}
    return _cleaned(values, label)


def _cleaned(values: dict[str, Any], label: str) -> dict[str, Any]:
    try:
        return clean_flow_values(values, partial=False)
    except InvalidInput as exc:
        fields = [FieldProblem(f"{label}.{p.path}", p.message) for p in exc.fields]
        raise InvalidInput(f"{label}: {exc.message}", fields) from exc


def _wanted_id(item: Any) -> uuid.UUID | None:
    if not isinstance(item, dict) or item.get("id") is None:
        return None
    try:
        return parse_uuid(item.get("id"), "id")
    except InvalidInput:
        return None


@dataclass
class PreparedFlows:
    """Checked flows about to be stored: column values, wanted ids (``None``: a new one) and
    their labels for messages."""

    values: list[dict[str, Any]]
    wanted: list[uuid.UUID | None]
    labels: list[str]

    def check_endpoint_names(self) -> list[str]:
        """The endpoint names of the flows; Conflict when two of them share one."""
        names = [v["endpoint_name"] for v in self.values if v.get("endpoint_name")]
        if len(names) != len(set(names)):
            raise Conflict("The same endpoint_name is given to more than one flow")
        return names


def prepare_file(file: FlowFile) -> PreparedFlows:
    """Check every flow of an uploaded file (each keeps its ``id`` when free). Raises
    InvalidInput naming the malformed flow, Conflict for an endpoint name used twice."""
    prepared = PreparedFlows(
        values=[_clean_item(item, label) for item, label in zip(file.items, file.labels, strict=True)],
        wanted=[_wanted_id(item) for item in file.items],
        labels=list(file.labels),
    )
    prepared.check_endpoint_names()
    return prepared


def prepare_batch(items: list[dict[str, Any]]) -> PreparedFlows:
    """Check the flows of a batch create (``FlowCreate`` names, ``folder_id`` allowed, a body
    ``id`` ignored). Raises InvalidInput naming ``flows[i]``, Conflict for an endpoint name used
    twice."""
    labels = [_label(f"flows[{i}]", item) for i, item in enumerate(items)]
    prepared = PreparedFlows(
        values=[_cleaned(item, label) for item, label in zip(items, labels, strict=True)],
        wanted=[None] * len(items),
        labels=labels,
    )
    prepared.check_endpoint_names()
    return prepared


async def insert_flows(
    session: AsyncSession,
    user_id: uuid.UUID,
    prepared: PreparedFlows,
    *,
    folder_id: uuid.UUID | None = None,
    use_own_folders: bool = False,
) -> list[Flow]:
    """Add the prepared flows to ``session`` (not committed) for the user and return them.

    Every flow goes to ``folder_id`` (one of the user's projects; ``None``: the default one),
    or with ``use_own_folders`` to its own ``folder_id`` value. Names follow the naming policy;
    a wanted id is kept when no stored flow (of any user) and no earlier flow has it.

    Raises NotFound("Project not found"), Conflict (an endpoint name the user has).
    """
    for name in prepared.check_endpoint_names():
        await ensure_endpoint_free(session, user_id, name)
    folders: dict[uuid.UUID | None, uuid.UUID] = {}
    targets: list[uuid.UUID] = []
    for values in prepared.values:
        wanted_folder = values.get("folder_id") if use_own_folders else folder_id
        if wanted_folder not in folders:
            folders[wanted_folder] = await resolve_folder(session, user_id, wanted_folder)
        targets.append(folders[wanted_folder])
    asked = [w for w in prepared.wanted if w is not None]
    taken: set[uuid.UUID] = set()
    if asked:
        taken = set(await session.scalars(select(Flow.id).where(Flow.id.in_(asked))))
    names = await free_names(session, Flow, user_id, [v["name"] for v in prepared.values])
    flows = [
        Flow(id=flow_id, user_id=user_id, **{**values, "name": name, "folder_id": target})
        for values, flow_id, name, target in zip(
            prepared.values, assign_ids(prepared.wanted, taken), names, targets, strict=True
        )
    ]
    session.add_all(flows)
    return flows


async def import_flow_file(ctx: Context, *, file: FlowFile, folder_id: uuid.UUID | None = None) -> list[Flow]:
    """Store the flows of an uploaded file for the caller, all or none.

    Each flow keeps its ``id`` when no stored flow (of any user) and no earlier flow of the file
    has it, else gets a new one; its name follows the naming policy. ``data`` is stored exactly
    as given. All flows go to ``folder_id`` (one of the caller's projects) or the caller's
    default project; the exporter's ``folder_id`` is ignored. Returns the stored flows in file
    order.

    Raises Unauthenticated; InvalidInput naming the flow (and node or edge) that is malformed;
    NotFound("Project not found"); Conflict when an ``endpoint_name`` is already the caller's
    or appears twice in the file. Nothing is stored when any flow is rejected.
    """
    principal = ctx.require_principal()
    prepared = prepare_file(file)
    for attempt in range(IMPORT_ATTEMPTS):
        async with naming_lock(principal.user_id), ctx.sessions() as session:
            flows = await insert_flows(session, principal.user_id, prepared, folder_id=folder_id)
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


async def import_flows(ctx: Context, *, payload: object, folder_id: uuid.UUID | None = None) -> list[Flow]:
    """:func:`import_flow_file` for a parsed JSON document (one exported flow object, or
    ``{"flows": [flow, ...]}``); used by ``flowql run``. Raises as :func:`import_flow_file`."""
    return await import_flow_file(ctx, file=flow_file_from_payload(payload), folder_id=folder_id)


def assign_ids(wanted: list[uuid.UUID | None], taken: set[uuid.UUID]) -> list[uuid.UUID]:
    """Each flow's id: the wanted one when free (not taken, not used earlier), else new."""
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
