"""Conversions of values passed along edges (Langflow ``Message``, ``Data``, text)."""

from __future__ import annotations

import json
from typing import Any

from flowql.engine.types import ChatMessage


def to_text(value: Any, *, data_template: str = "", clean_data: bool = False) -> str:
    """The text of an edge value, as Langflow's ``safe_convert`` / Chat Output give it.

    ``ChatMessage`` → its text; ``str`` → itself; ``None`` → ``""``; a ``dict`` (Data) → the
    ``data_template`` (``"{text}"``) filled from it when every key is there, else its ``text``
    member, else JSON; a list → its items' texts joined by newlines (empty items dropped when
    ``clean_data``); anything else → ``str()``.
    """
    if isinstance(value, ChatMessage):
        return value.text
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, dict):
        return _data_text(value, data_template)
    if isinstance(value, list | tuple):
        parts = [to_text(item, data_template=data_template, clean_data=clean_data) for item in value]
        if clean_data:
            parts = [p.strip() for p in parts if p.strip()]
        return "\n".join(parts)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return str(value)


def _data_text(value: dict[str, Any], data_template: str) -> str:
    nested = value.get("data")
    inner: dict[str, Any] = nested if isinstance(nested, dict) else value
    if data_template:
        try:
            return data_template.format(**inner)
        except (KeyError, IndexError, ValueError, AttributeError):
            pass
    if isinstance(inner.get("text"), str):
        return str(inner["text"])
    return json.dumps(inner, ensure_ascii=False, default=str)


def to_bool(value: Any, default: bool) -> bool:
    """A template ``bool`` value (also accepts ``"true"``/``"false"`` strings); ``None`` → default."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


def to_files(value: Any) -> list[str]:
    """A ``files`` field value as a list of strings (``""`` / ``None`` → ``[]``)."""
    if isinstance(value, list):
        return [str(v) for v in value if v]
    if isinstance(value, str) and value:
        return [value]
    return []
