"""Helpers for the run-surface tests (run/advanced, v2 workflows, responses, OpenAI routes,
webhook): what a run left in the database, the prompt case's tweak, a flow no surface may run
(an unsupported component) and one whose run fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from flowql.db.models import Job, Message, Trace
from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from flowql.services import AppServices
from tests import flowbuilder as fb

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


def unsupported_flow(name: str = "unsupported") -> dict[str, Any]:
    """Chat Input → a component type FlowQL does not implement (``MysteryComponent``) → Chat
    Output: every run surface must refuse it before anything is stored."""
    return fb.flow(
        name,
        [
            fb.chat_in("ChatInput-u"),
            fb.node("Mystery-1", "MysteryComponent", {"x": ""}, ["out"], "Mystery"),
            fb.chat_out("ChatOutput-u"),
        ],
        [
            fb.edge("ChatInput-u", "message", "Mystery-1", "x"),
            fb.edge("Mystery-1", "out", "ChatOutput-u", "input_value"),
        ],
    )


#: What the ``Boom`` component raises.
BOOM = "boom: the component failed"


class Boom(Component):
    """Test-only: always fails while running (a run that starts, then fails)."""

    display_name = "Boom"

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Raise :data:`BOOM`."""
        raise RuntimeError(BOOM)


@contextmanager
def registered_boom() -> Iterator[None]:
    """Registers ``Boom`` for one test."""
    registry.register("Boom")(Boom)
    try:
        yield
    finally:
        registry.unregister("Boom")


def boom_flow(name: str = "boom") -> dict[str, Any]:
    """Chat Input → Boom → Chat Output."""
    return fb.flow(
        name,
        [
            fb.chat_in("ChatInput-b", ""),
            fb.node("Boom-b", "Boom", {"input_value": ""}, ["text"], "Boom"),
            fb.chat_out("ChatOutput-b"),
        ],
        [
            fb.edge("ChatInput-b", "message", "Boom-b", "input_value"),
            fb.edge("Boom-b", "text", "ChatOutput-b", "input_value"),
        ],
    )
