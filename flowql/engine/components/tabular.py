"""Langflow's tabular values as FlowQL passes them along edges: a DataFrame (``Table``) is a
list of row dicts, a Data (``Data`` / ``JSON``) is a dict, a Message a
:class:`~flowql.engine.types.ChatMessage`. Helpers shared by the data components."""

from __future__ import annotations

import json
from typing import Any

from flowql.engine.types import ChatMessage
from flowql.engine.values import to_text


def message_data(message: ChatMessage) -> dict[str, Any]:
    """A message as a Data dict (Langflow's ``Message`` is a ``Data``): ``text``, ``sender``,
    ``sender_name``, ``session_id``, ``files``."""
    return {
        "text": message.text,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "session_id": message.session_id,
        "files": list(message.files),
    }


def as_rows(value: Any) -> list[dict[str, Any]]:
    """An edge value as DataFrame rows: a list → its items (dicts kept, a message as its Data,
    anything else as ``{"text": ...}``); a Data dict whose only member is a list of dicts
    (``{"results": [...]}``, the Agent's structured response) → that list; another dict → one
    row (a nested ``data`` dict unwrapped); a message → one row; text → ``[{"text": text}]``;
    ``None`` → ``[]``."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        rows: list[dict[str, Any]] = []
        for item in value:
            rows.extend(as_rows(item) if not isinstance(item, list | tuple) else [{"text": to_text(item)}])
        return rows
    if isinstance(value, ChatMessage):
        return [message_data(value)]
    if isinstance(value, dict):
        if len(value) == 1:
            only = next(iter(value.values()))
            if isinstance(only, list) and only and all(isinstance(r, dict) for r in only):
                return [dict(r) for r in only]
        nested = value.get("data")
        if isinstance(nested, dict) and set(value) <= {"data", "text_key", "default_value"}:
            return [dict(nested)]
        return [dict(value)]
    return [{"text": to_text(value)}]


def cell_text(value: Any) -> str:
    """A cell value as text: strings as is, ``None`` → ``""``, containers as JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return to_text(value)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """``rows`` as a Markdown table (columns in first-seen order), as pandas ``to_markdown``
    gives it in Langflow's Stringify mode; ``""`` for no rows."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    if not columns:
        return ""

    def cell(value: Any) -> str:
        return cell_text(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
