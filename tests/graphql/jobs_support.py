"""Helpers for the job and subscription tests: a test-only ``Gate`` component that waits until
released (or cancelled), flows using it, and GraphQL calls that create flows and wait for jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import Gql

HANG_GUARD = 30.0  # seconds; only guards against hangs, never asserts timing
ENDED = {"COMPLETED", "FAILED", "CANCELLED"}


@dataclass
class GateState:
    """What the ``Gate`` components of a test saw: ``started`` is set when one runs, ``release``
    lets them finish, ``cancelled`` counts the ones that observed their cancellation."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: int = 0


_STATE: list[GateState] = []


class Gate(Component):
    """Test-only: waits for ``GateState.release``, then passes ``input_value`` on as text."""

    display_name = "Gate"

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Block until released; a cancellation is counted, then re-raised."""
        state = _STATE[-1]
        state.started.set()
        try:
            await state.release.wait()
        except asyncio.CancelledError:
            state.cancelled += 1
            raise
        return ComponentResult({"text": ctx.text("input_value")})


@contextmanager
def registered_gate() -> Iterator[GateState]:
    """Registers ``Gate`` for one test and unregisters it afterwards (test modules wrap this in
    a ``gate`` fixture)."""
    state = GateState()
    _STATE.append(state)
    registry.register("Gate")(Gate)
    yield state
    state.release.set()
    registry.unregister("Gate")
    _STATE.remove(state)


def gate_flow(name: str = "gated") -> dict[str, Any]:
    """Chat Input → Gate → Chat Output."""
    return fb.flow(
        name,
        [
            fb.chat_in("ChatInput-g", ""),
            fb.node("Gate-g", "Gate", {"input_value": ""}, ["text"], "Gate"),
            fb.chat_out("ChatOutput-g"),
        ],
        [
            fb.edge("ChatInput-g", "message", "Gate-g", "input_value"),
            fb.edge("Gate-g", "text", "ChatOutput-g", "input_value"),
        ],
    )


async def create_flow(gql: Gql, user: TestUser, flow: dict[str, Any], **extra: Any) -> str:
    """Store ``flow`` through ``createFlow``; its id."""
    body = await gql(
        "CreateFlow", {"input": {"name": flow["name"], "data": flow["data"], **extra}}, headers=user.headers
    )
    created = body["data"]["createFlow"]
    assert created["__typename"] == "Flow", body
    flow_id: str = created["id"]
    return flow_id


async def build(gql: Gql, user: TestUser, flow_id: str, input_value: str = "hello", **extra: Any) -> str:
    """``buildFlow`` with ``inputs.inputValue``; the job id."""
    variables = {"flowId": flow_id, "input": {"inputs": {"inputValue": input_value}, **extra}}
    body = await gql("BuildFlow", variables, headers=user.headers)
    result = body["data"]["buildFlow"]
    assert result["__typename"] == "Job", body
    job_id: str = result["id"]
    return job_id


async def wait_for_end(gql: Gql, user: TestUser, job_id: str) -> dict[str, Any]:
    """Poll ``job(id)`` until it has ended; the final ``Job`` answer (events included)."""

    async def poll() -> dict[str, Any]:
        while True:
            body = await gql("Job", {"id": job_id, "first": 1000}, headers=user.headers)
            job: dict[str, Any] = body["data"]["job"]
            if job["status"] in ENDED:
                return job
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), HANG_GUARD)


def event_names(job: dict[str, Any]) -> list[str]:
    """The ``__typename`` of each event of a ``Job`` answer."""
    return [edge["node"]["__typename"] for edge in job["events"]["edges"]]
