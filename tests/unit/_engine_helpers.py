"""Engine test helpers: a recording message store, an event log, hand-written flow builders."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from flowql.engine import ChatMessage, EngineEvent, EngineServices, RunRequest
from tests.unit._shared import load_json

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


def field(value: Any, **extra: Any) -> dict[str, Any]:
    return {"value": value, "type": "str", "show": True, "load_from_db": False, **extra}


def node(
    node_id: str,
    type_: str,
    fields: dict[str, Any],
    outputs: list[str],
    display_name: str | None = None,
) -> dict[str, Any]:
    """A Langflow node; ``fields`` values are field dicts or plain values."""
    template = {k: v if isinstance(v, dict) else field(v) for k, v in fields.items()}
    template["code"] = field("raise SystemExit('never executed')", show=False)
    return {
        "id": node_id,
        "type": "genericNode",
        "data": {
            "id": node_id,
            "type": type_,
            "node": {
                "display_name": display_name or type_,
                "template": {"_type": "Component", **template},
                "outputs": [{"name": o, "types": ["Message"]} for o in outputs],
            },
        },
    }


def edge(
    source: str, output: str, target: str, field_name: str, *, strings_only: bool = False
) -> dict[str, Any]:
    """An edge in both handle forms (or only the ``œ`` string form)."""
    src = {"dataType": "X", "id": source, "name": output, "output_types": ["Message"]}
    tgt = {"fieldName": field_name, "id": target, "inputTypes": ["Message"], "type": "str"}

    def q(obj: dict[str, Any]) -> str:
        return json.dumps(obj).replace('"', "œ")

    out: dict[str, Any] = {
        "id": f"e-{source}-{target}-{field_name}",
        "source": source,
        "target": target,
        "sourceHandle": q(src),
        "targetHandle": q(tgt),
    }
    if not strings_only:
        out["data"] = {"sourceHandle": src, "targetHandle": tgt}
    return out


def text_in(node_id: str = "TextInput-1", value: str = "hello") -> dict[str, Any]:
    return node(node_id, "TextInput", {"input_value": value}, ["text"], "Text Input")


def text_out(node_id: str = "TextOutput-1") -> dict[str, Any]:
    return node(node_id, "TextOutput", {"input_value": ""}, ["text"], "Text Output")


def chat_in(node_id: str = "ChatInput-1", value: str = "hi") -> dict[str, Any]:
    return node(
        node_id,
        "ChatInput",
        {"input_value": value, "sender": "User", "sender_name": "User", "should_store_message": True},
        ["message"],
        "Chat Input",
    )


def chat_out(node_id: str = "ChatOutput-1") -> dict[str, Any]:
    return node(
        node_id,
        "ChatOutput",
        {"input_value": "", "sender": "Machine", "sender_name": "AI", "should_store_message": True},
        ["message"],
        "Chat Output",
    )
