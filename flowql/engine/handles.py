"""Edge handles: the ``sourceHandle`` / ``targetHandle`` objects of a Langflow edge.

Langflow stores each handle twice: as an object under ``edge["data"]`` and as a string on the
edge itself in which every ``"`` is replaced by ``œ`` (``{œdataTypeœ:œChatInputœ,...}``).
"""

from __future__ import annotations

import json
from typing import Any

HANDLE_KEYS = ("sourceHandle", "targetHandle")


class HandleError(ValueError):
    """A handle is missing or does not parse; the message says which and why."""


def parse_handle_string(text: str) -> dict[str, Any]:
    """Parse the ``œ``-quoted string form of a handle into a dict.

    Raises :class:`HandleError` when the text is not a JSON object once ``œ`` → ``"``.
    """
    try:
        value = json.loads(text.replace("œ", '"'))
    except ValueError as exc:
        raise HandleError(f"does not parse ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise HandleError("is not an object")
    return value


def edge_handle(edge: dict[str, Any], key: str) -> dict[str, Any]:
    """The handle ``key`` (``sourceHandle`` or ``targetHandle``) of ``edge`` as a dict.

    The object under ``edge["data"]`` wins; the string form on the edge is the fallback. Every
    form present must parse (mirrors what Langflow's frontend and graph loader accept).
    Raises :class:`HandleError` naming the handle when it is absent or malformed.
    """
    found: dict[str, Any] | None = None
    data = edge.get("data")
    if data is not None and not isinstance(data, dict):
        raise HandleError("edge 'data' is not an object")
    if isinstance(data, dict) and data.get(key) is not None:
        candidate = data[key]
        if isinstance(candidate, str):
            candidate = _parse(candidate, key)
        if not isinstance(candidate, dict):
            raise HandleError(f"data.{key} is not an object")
        found = candidate
    raw = edge.get(key)
    if raw is not None:
        if isinstance(raw, dict):
            parsed = raw
        elif isinstance(raw, str):
            parsed = _parse(raw, key)
        else:
            raise HandleError(f"{key} is neither an object nor a string")
        if found is None:
            found = parsed
    if found is None:
        raise HandleError(f"{key} is missing")
    return found


def _parse(text: str, key: str) -> dict[str, Any]:
    try:
        return parse_handle_string(text)
    except HandleError as exc:
        raise HandleError(f"{key} {exc}") from None
