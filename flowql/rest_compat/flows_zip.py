"""Flow downloads as Langflow writes them: each flow as its ``FlowRead`` JSON (API keys
cleared, as Langflow's ``remove_api_keys`` does) and several flows as a zip of ``<name>.json``
entries, named ``<UTC timestamp>_<what>.zip`` with an RFC 5987 ``filename*`` plus an ASCII
fallback."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import UploadFile
from fastapi.responses import Response

from flowql.errors import TooLarge
from flowql.filestore.names import clean_name, content_disposition
from flowql.resolvers.flow_values import strip_api_keys
from flowql.rest_compat.models import FlowRead

ZIP_MEDIA_TYPE = "application/x-zip-compressed"


def flow_export(flow: object) -> dict[str, Any]:
    """A stored flow as the JSON of a download: ``FlowRead`` with API-key fields cleared."""
    body = FlowRead.model_validate(flow, from_attributes=True).model_dump(mode="json")
    body["data"] = strip_api_keys(body.get("data"))
    return body


def zip_of_flows(flows: Sequence[object]) -> bytes:
    """A zip holding one ``<flow name>.json`` per flow (``/`` and ``\\`` in a name become ``_``;
    a repeated name gets `` (2)``, `` (3)``...), names stored as UTF-8."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for flow in flows:
            body = flow_export(flow)
            stem = clean_name(str(body.get("name") or "flow"), keep_last_segment=False)
            entry, n = f"{stem}.json", 1
            while entry in used:
                n += 1
                entry = f"{stem} ({n}).json"
            used.add(entry)
            archive.writestr(entry, json.dumps(body, ensure_ascii=False))
    return buffer.getvalue()


def download_name(what: str) -> str:
    """``<YYYYMMDD_HHMMSS UTC>_<what>.zip`` (Langflow's download file names)."""
    return f"{datetime.now(UTC).strftime('%Y%m%d_%H%M%S')}_{what}.zip"


def zip_response(content: bytes, filename: str) -> Response:
    """A zip download with ``Content-Disposition: attachment; filename="<ASCII>";
    filename*=UTF-8''<percent-encoded>``."""
    return Response(
        content=content,
        media_type=ZIP_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(filename)},
    )


async def read_upload(file: UploadFile, max_mb: int) -> bytes:
    """The bytes of an uploaded file. Raises TooLarge above ``max_mb`` MB."""
    limit = max_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"The file is larger than {max_mb} MB")
    return content
