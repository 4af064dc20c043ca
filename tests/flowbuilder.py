"""Small flows in Langflow's JSON format, written by hand for FlowQL's own tests.

``node``/``edge`` build nodes and edges (edges in both handle forms Langflow writes: objects
under ``data`` and ``œ``-quoted strings); ``chat_in``, ``chat_out``, ``text_in``, ``text_out`` and
``prompt`` make the core components; ``flow`` wraps nodes and edges as a create body. Every node
carries a ``code`` field that would exit the process if it were ever executed.
"""

from __future__ import annotations

import json
from typing import Any


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


def prompt(
    node_id: str, template: str, variables: dict[str, str], display_name: str = "Prompt"
) -> dict[str, Any]:
    """A Prompt node whose ``variables`` (name → stored value) appear in ``template``."""
    made = node(node_id, "Prompt", {"template": template, **variables}, ["prompt"], display_name)
    made["data"]["node"]["custom_fields"] = {"template": list(variables)}
    return made


def flow(name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A flow body for ``POST /api/v1/flows/``."""
    return {
        "name": name,
        "data": {"nodes": nodes, "edges": edges, "viewport": {"x": 0, "y": 0, "zoom": 1}},
        **extra,
    }


def prompt_flow(name: str = "prompt", template: str = "You said: {input_value}") -> dict[str, Any]:
    """Chat Input → Prompt(``template`` with ``{input_value}``) → Chat Output."""
    return flow(
        name,
        [
            chat_in("ChatInput-a", ""),
            prompt("Prompt-a", template, {"input_value": ""}),
            chat_out("ChatOutput-a"),
        ],
        [
            edge("ChatInput-a", "message", "Prompt-a", "input_value"),
            edge("Prompt-a", "prompt", "ChatOutput-a", "input_value"),
        ],
    )


def echo_flow(name: str = "echo") -> dict[str, Any]:
    """Chat Input → Chat Output."""
    return flow(
        name,
        [chat_in("ChatInput-a", ""), chat_out("ChatOutput-a")],
        [edge("ChatInput-a", "message", "ChatOutput-a", "input_value")],
    )


def agent(node_id: str = "Agent-1", **fields: Any) -> dict[str, Any]:
    """An Agent node (default model, no built-in tools unless ``fields`` turn them on)."""
    values = {
        "model": "",
        "api_key": "",
        "system_prompt": "You are a test agent.",
        "input_value": "",
        "tools": "",
        "add_calculator_tool": False,
        "add_current_date_tool": False,
        "n_messages": 100,
        **fields,
    }
    return node(node_id, "Agent", values, ["response"], "Agent")


def agent_flow(name: str, tool_nodes: list[dict[str, Any]], **agent_fields: Any) -> dict[str, Any]:
    """Chat Input → Agent → Chat Output, each of ``tool_nodes`` wired into the agent's ``tools``
    through its ``component_as_tool`` output."""
    return flow(
        name,
        [chat_in("ChatInput-a", ""), agent("Agent-a", **agent_fields), chat_out("ChatOutput-a"), *tool_nodes],
        [
            edge("ChatInput-a", "message", "Agent-a", "input_value"),
            edge("Agent-a", "response", "ChatOutput-a", "input_value"),
            *(edge(t["id"], "component_as_tool", "Agent-a", "tools") for t in tool_nodes),
        ],
    )
