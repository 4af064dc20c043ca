"""A test-only component that waits until released (or cancelled), registered in the engine
registry for one test by the ``slow`` fixture and unregistered after.

``slow_flow()`` is Chat Input → Slow → Chat Output. The component sets ``started`` when it
begins, finishes when ``release`` is set and records ``cancelled`` when its task is cancelled.
The live server runs on the test's event loop, so the test can await these events directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from tests.flowbuilder import chat_in, chat_out, edge, flow, node

SLOW_TYPE = "FlowQLTestSlow"
#: Bound on every wait for the component (seconds): a hang guard, never a timing assert.
WAIT = 30.0


@dataclass
class SlowControl:
    """The events shared between a test and the slow component it registered."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_started(self) -> None:
        """Wait (bounded) until the component runs."""
        await asyncio.wait_for(self.started.wait(), WAIT)

    async def wait_cancelled(self) -> None:
        """Wait (bounded) until the component has seen its cancellation."""
        await asyncio.wait_for(self.cancelled.wait(), WAIT)


def slow_flow(name: str = "slow", **extra: Any) -> dict[str, Any]:
    """Chat Input → Slow → Chat Output as a create body."""
    return flow(
        name,
        [
            chat_in("ChatInput-s", ""),
            node("Slow-1", SLOW_TYPE, {"input_value": ""}, ["text"], "Slow"),
            chat_out("ChatOutput-s"),
        ],
        [
            edge("ChatInput-s", "message", "Slow-1", "input_value"),
            edge("Slow-1", "text", "ChatOutput-s", "input_value"),
        ],
        **extra,
    )


@pytest.fixture
def slow() -> Iterator[SlowControl]:
    """Register the slow component for this test; unregister it after."""
    control = SlowControl()

    @registry.register(SLOW_TYPE)
    class Slow(Component):
        display_name = "Slow"

        async def run(self, ctx: ComponentContext) -> ComponentResult:
            control.started.set()
            try:
                await control.release.wait()
            except asyncio.CancelledError:
                control.cancelled.set()
                raise
            return ComponentResult({"text": ctx.new_message(ctx.text("input_value"), "", "")})

    try:
        yield control
    finally:
        control.release.set()
        registry.unregister(SLOW_TYPE)
