"""Small flows in Langflow's JSON format, written by hand for FlowQL's own tests (no ``code``).

``flow(nodes, edges)`` wraps them; ``chat_input``, ``chat_output``, ``text_input``,
``text_output`` and ``prompt`` make nodes; ``edge(src, out, dst, field)`` joins them with both
handle forms Langflow writes (objects under ``data`` and ``œ``-quoted strings).
"""

from __future__ import annotations

import json
from typing import Any


def _field(value: Any, type_: str = "str", **extra: Any) -> dict[str, Any]:
    return {"value": value, "type": type_, "show": True, "required": False, **extra}


def _node(
    node_id: str,
    type_: str,
    display_name: str,
    template: dict[str, Any],
    outputs: list[str],
    **node_extra: Any,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "genericNode",
        "position": {"x": 0, "y": 0},
        "data": {
            "id": node_id,
            "type": type_,
            "node": {
                "display_name": display_name,
                "template": {"_type": "Component", **template},
                "outputs": [{"name": name, "types": ["Message"], "selected": "Message"} for name in outputs],
                **node_extra,
            },
        },
    }


def chat_input(node_id: str = "ChatInput-a", value: str = "") -> dict[str, Any]:
    """A Chat Input node (output ``message``)."""
    return _node(
        node_id,
        "ChatInput",
        "Chat Input",
        {
            "input_value": _field(value),
            "sender": _field("User"),
            "sender_name": _field("User"),
            "session_id": _field(""),
            "should_store_message": _field(True, "bool"),
        },
        ["message"],
    )


def chat_output(node_id: str = "ChatOutput-a") -> dict[str, Any]:
    """A Chat Output node (input ``input_value``, output ``message``)."""
    return _node(
        node_id,
        "ChatOutput",
        "Chat Output",
        {
            "input_value": _field("", input_types=["Data", "DataFrame", "Message"]),
            "sender": _field("Machine"),
            "sender_name": _field("AI"),
            "session_id": _field(""),
            "should_store_message": _field(True, "bool"),
            "data_template": _field("{text}"),
            "clean_data": _field(True, "bool"),
        },
        ["message"],
    )


def text_input(node_id: str = "TextInput-a", value: str = "") -> dict[str, Any]:
    """A Text Input node (output ``text``)."""
    return _node(node_id, "TextInput", "Text Input", {"input_value": _field(value)}, ["text"])


def text_output(node_id: str = "TextOutput-a") -> dict[str, Any]:
    """A Text Output node (output ``text``)."""
    return _node(node_id, "TextOutput", "Text Output", {"input_value": _field("")}, ["text"])


def prompt(
    node_id: str, template: str, variables: dict[str, str], display_name: str = "Prompt"
) -> dict[str, Any]:
    """A Prompt node whose ``variables`` (name → stored value) appear in ``template``."""
    fields = {name: _field(value, input_types=["Message"]) for name, value in variables.items()}
    return _node(
        node_id,
        "Prompt",
        display_name,
        {"template": _field(template, "prompt"), **fields},
        ["prompt"],
        custom_fields={"template": list(variables)},
    )


def edge(source: str, output: str, target: str, field: str) -> dict[str, Any]:
    """An edge from ``source``'s output ``output`` to ``target``'s field ``field``."""
    source_handle = {
        "dataType": source.split("-")[0],
        "id": source,
        "name": output,
        "output_types": ["Message"],
    }
    target_handle = {"fieldName": field, "id": target, "inputTypes": ["Message"], "type": "str"}

    def encode(handle: dict[str, Any]) -> str:
        return json.dumps(handle, separators=(",", ":")).replace('"', "œ")

    return {
        "id": f"reactflow__edge-{source}-{target}-{field}",
        "source": source,
        "target": target,
        "sourceHandle": encode(source_handle),
        "targetHandle": encode(target_handle),
        "data": {"sourceHandle": source_handle, "targetHandle": target_handle},
    }


def flow(name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A flow body for ``POST /api/v1/flows/``."""
    return {
        "name": name,
        "data": {"nodes": nodes, "edges": edges, "viewport": {"x": 0, "y": 0, "zoom": 1}},
        **extra,
    }


def echo_flow(name: str = "echo") -> dict[str, Any]:
    """Chat Input → Chat Output."""
    return flow(
        name, [chat_input(), chat_output()], [edge("ChatInput-a", "message", "ChatOutput-a", "input_value")]
    )


def prompt_flow(name: str = "prompt", template: str = "You said: {input_value}") -> dict[str, Any]:
    """Chat Input → Prompt(``template`` with ``{input_value}``) → Chat Output."""
    return flow(
        name,
        [chat_input(), prompt("Prompt-a", template, {"input_value": ""}), chat_output()],
        [
            edge("ChatInput-a", "message", "Prompt-a", "input_value"),
            edge("Prompt-a", "prompt", "ChatOutput-a", "input_value"),
        ],
    )
