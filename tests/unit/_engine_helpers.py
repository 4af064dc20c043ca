"""Engine test helpers: a recording message store, an event log, hand-written flow builders."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from flowql.engine import ChatMessage, EngineEvent, EngineServices, RunRequest
from tests.flowbuilder import chat_in, chat_out, edge, field, node, text_in, text_out
from tests.shared_files import load_json

CASES = ["echo", "prompt", "branches", "tweak", "two-vars", "hello-world"]


class RecordingStore:
    """A MessageStore that records what it stores and gives each stored message a new id."""

    def __init__(self) -> None:
        self.messages: list[ChatMessage] = []

    async def add(self, message: ChatMessage) -> ChatMessage:
        stored = dataclasses.replace(message, id=f"stored-{len(self.messages) + 1}")
        self.messages.append(stored)
        return stored

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]:
        return [m for m in self.messages if m.session_id == session_id][-limit:]

    async def search(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> list[ChatMessage]:
        """Stored messages (newest first) containing any term, as the DB store filters them."""
        found = [
            m
            for m in reversed(self.messages)
            if (session_id is None or m.session_id == session_id)
            and m.run_id != exclude_run_id
            and (not terms or any(t in m.text.lower() for t in terms))
        ]
        return found[:limit]


class EventLog:
    """An event sink that keeps every event."""

    def __init__(self) -> None:
        self.events: list[EngineEvent] = []

    async def __call__(self, event: EngineEvent) -> None:
        self.events.append(event)

    @property
    def names(self) -> list[str]:
        return [e.event for e in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.event == name]


def services(variables: dict[str, str] | None = None) -> tuple[EngineServices, RecordingStore, EventLog]:
    store, log = RecordingStore(), EventLog()
    return EngineServices(messages=store, emit=log, variables=variables or {}), store, log


def load_case(name: str) -> dict[str, Any]:
    flow: dict[str, Any] = load_json("flows", "cases", f"{name}.json")
    return flow


def request_from_body(flow: dict[str, Any], body: dict[str, Any]) -> RunRequest:
    """A RunRequest as ``POST /api/v1/run/{id}`` would build it (session defaults to the flow id)."""
    return RunRequest(
        flow_id=flow["id"],
        session_id=body.get("session_id") or flow["id"],
        input_value=body.get("input_value"),
        input_type=body.get("input_type", "chat"),
        output_type=body.get("output_type", "chat"),
        output_component=body.get("output_component"),
        tweaks=body.get("tweaks") or {},
    )


__all__ = [
    "chat_in",
    "chat_out",
    "edge",
    "field",
    "load_case",
    "node",
    "request_from_body",
    "services",
    "text_in",
    "text_out",
]
