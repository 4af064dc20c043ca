"""What Save to File writes: a value rendered in a format (:func:`render`) and, in append mode,
how the new content joins a file of that name already stored (:func:`appender`), as Langflow's
``SaveToFileComponent`` does it:

- ``txt``: the old text, ``"\\n"``, the new text;
- ``markdown`` / ``md``: the old text, a blank line, the new text;
- ``json``: one JSON array: the old content (an object becomes the array's first item, an
  array its items, anything unreadable nothing), then the new one (a Message's
  ``{"message": text}``, a Data object, or a DataFrame's records each as an item);
- ``csv``: the old rows, then the new rows without the header line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from flowql.engine.components.tabular import as_rows, cell_text, markdown_table
from flowql.engine.text import loads_finite
from flowql.engine.types import ChatMessage
from flowql.engine.values import to_text

FORMATS = ("txt", "json", "csv", "markdown", "md")


def _body(value: Any, fmt: str) -> tuple[str, Any]:
    """``(kind, content)``: for ``json`` the JSON-able body, for ``csv`` the rows, else the text."""
    if isinstance(value, ChatMessage | str):
        text = to_text(value)
        if fmt == "json":
            return "Message", {"message": text}
        if fmt == "csv":
            return "Message", [{"message": text}]
        return "Message", text
    rows = as_rows(value)
    kind = "DataFrame" if isinstance(value, list) else "Data"
    if fmt == "json":
        return kind, rows if kind == "DataFrame" else (rows[0] if rows else {})
    if fmt == "csv":
        return kind, rows
    if fmt in {"markdown", "md"}:
        return kind, markdown_table(rows)
    return kind, "\n".join(to_text(r) for r in rows)


def _json(body: Any) -> bytes:
    return json.dumps(body, indent=2, ensure_ascii=False, default=str).encode()


def _csv(rows: list[dict[str, Any]], *, header: bool = True) -> bytes:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in columns])
    return out.getvalue().encode()


def render(value: Any, fmt: str) -> tuple[str, bytes]:
    """``(kind, bytes)`` of ``value`` saved as ``fmt`` (see :mod:`flowql.engine.components.files`):
    ``kind`` is ``Message``, ``Data`` or ``DataFrame``."""
    kind, body = _body(value, fmt)
    if fmt == "json":
        return kind, _json(body)
    if fmt == "csv":
        return kind, _csv(body)
    return kind, str(body).encode()


def _json_items(old: bytes) -> list[Any]:
    """The items an existing JSON file contributes to the merged array."""
    try:
        parsed = loads_finite(old.decode("utf-8", errors="replace").strip() or "[]")
    except ValueError:
        return []
    if isinstance(parsed, dict):
        return [parsed]
    return parsed if isinstance(parsed, list) else []


def appender(value: Any, fmt: str) -> Callable[[bytes], bytes]:
    """The function turning the stored bytes of the file being appended to into its new bytes
    (see the module docstring)."""
    _kind, body = _body(value, fmt)

    def merge(old: bytes) -> bytes:
        if fmt == "json":
            items = _json_items(old)
            if isinstance(body, list):
                items.extend(body)
            else:
                items.append(body)
            return _json(items)
        if fmt == "csv":
            return old + _csv(body, header=False)
        separator = b"\n" if fmt == "txt" else b"\n\n"
        return old + separator + str(body).encode()

    return merge
