"""The bundled profile pictures (FlowQL's own small SVGs under ``profile_pictures/``), served by
Langflow's ``GET /api/v1/files/profile_pictures/list`` and
``GET /api/v1/files/profile_pictures/{folder_name}/{file_name}``.

``profile_pictures/index.json`` lists the folders and their files. A request names a picture by
two strings that are looked up *as a pair* in a table built from that index at first use; they are
never joined into a path, so ``..``, encoded slashes or absolute names simply are not found.
"""

from __future__ import annotations

import functools
import json
import mimetypes
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

PACKAGE_DIR = "profile_pictures"


@dataclass(frozen=True)
class Picture:
    """One bundled picture: its ``folder/name`` reference, media type and bytes."""

    ref: str
    media_type: str
    content: bytes


@functools.cache
def _index() -> dict[tuple[str, str], Traversable]:
    """``(folder, file name) → resource`` for every picture the index lists (read once)."""
    base = resources.files("flowql.filestore").joinpath(PACKAGE_DIR)
    listing: dict[str, list[str]] = json.loads(base.joinpath("index.json").read_text(encoding="utf-8"))
    return {
        (folder, name): base.joinpath(folder).joinpath(name)
        for folder, names in listing.items()
        for name in names
    }


def list_pictures() -> list[str]:
    """Every picture as ``"Folder/name.svg"``, in index order (People first, then Space)."""
    return [f"{folder}/{name}" for folder, name in _index()]


def find_picture(folder_name: str, file_name: str) -> Picture | None:
    """The picture the index lists as ``folder_name``/``file_name`` (exact, case-sensitive), or
    ``None``; nothing is read for a pair the index does not list."""
    resource = _index().get((folder_name, file_name))
    if resource is None:
        return None
    media_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    return Picture(ref=f"{folder_name}/{file_name}", media_type=media_type, content=resource.read_bytes())
