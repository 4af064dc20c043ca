"""``flowql run`` progress on a terminal: one line per finished vertex, and streamed tokens.

:class:`TerminalProgress` is an engine event sink (``EngineServices.emit``); ``flowql run``
passes one to the run only when stderr is a terminal, so piped or captured stderr stays
exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from flowql.engine.types import EngineEvent


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def vertex_line(data: Mapping[str, Any]) -> str:
    """The progress line of an ``end_vertex`` event: ``✓ Chat Output (ChatOutput-1) 12 ms``."""
    build = _mapping(data.get("build_data"))
    meta = _mapping(data.get("output_meta"))
    vertex_id = str(build.get("id") or meta.get("component_id") or "?")
    name = str(meta.get("display_name") or vertex_id)
    duration = _mapping(build.get("data")).get("duration")
    mark = "✓" if build.get("valid", True) else "✗"
    suffix = f" {duration}" if isinstance(duration, str) and duration else ""
    return f"{mark} {name} ({vertex_id}){suffix}"


class TerminalProgress:
    """Writes progress to ``stream``: tokens as they arrive (ended by a newline once the
    message's stream stops), then one line per finished vertex."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.in_tokens = False

    def _end_tokens(self) -> None:
        if self.in_tokens:
            self.stream.write("\n")
            self.in_tokens = False

    async def __call__(self, event: EngineEvent) -> None:
        """Handle one build event (the engine awaits this; it never raises on odd data)."""
        if event.event == "token":
            chunk = event.data.get("chunk")
            if isinstance(chunk, str) and chunk:
                self.stream.write(chunk)
                self.in_tokens = True
        elif event.event == "end_vertex":
            self._end_tokens()
            self.stream.write(vertex_line(event.data) + "\n")
        elif event.event == "end":
            self._end_tokens()
        else:
            return
        self.stream.flush()
