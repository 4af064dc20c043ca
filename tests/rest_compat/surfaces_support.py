"""Helpers for the run-surface tests (run/advanced, v2 workflows, responses, OpenAI routes,
webhook): what a run left in the database, and the prompt case's tweak."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from flowql.db.models import Job, Message, Trace
from flowql.services import AppServices

#: The prompt case's Prompt vertex and a tweak of its template.
PROMPT_ID = "Prompt-p2"
TWEAK = {PROMPT_ID: {"template": "Echo: {input_value}"}}
TWEAKED = "Echo: hello"


@dataclass(frozen=True)
class RunTraces:
    """How many jobs, messages and traces the database holds."""

    jobs: int
    messages: int
    traces: int


async def run_traces(services: AppServices) -> RunTraces:
    """Count what runs leave behind (a surface that refused a request must leave nothing)."""
    async with services.sessions() as session:
        counts: list[Any] = [
            await session.scalar(select(func.count()).select_from(m)) for m in (Job, Message, Trace)
        ]
    return RunTraces(*counts)


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """``(event name or None, data text)`` of each block of a ``text/event-stream`` body."""
    events: list[tuple[str | None, str]] = []
    for block in text.split("\n\n"):
        name: str | None = None
        data: list[str] = []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        if data:
            events.append((name, "\n".join(data)))
    return events
