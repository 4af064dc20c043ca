"""The Agent's ``structured_response`` output (Langflow ``Agent.json_response``): the agent's
final answer turned into JSON objects following the node's ``output_schema``.

``output_schema`` is Langflow's TableInput: rows ``{"name", "type", "description", "multiple"}``
with ``type`` one of ``str``, ``int``, ``float``, ``bool``, ``dict``, ``list`` and ``multiple``
``"True"``/``"False"`` (a list of that type). One extra model call gets the answer with
``format_instructions`` as the system prompt and asks for ``{"results": [object, ...]}``
(``response_format`` ``json_object``); the output is that Data dict. An empty schema asks for
any JSON object and outputs it as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowql.engine.components.spec import FieldSpec
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ChatModel, ModelReply
from flowql.engine.text import loads_finite
from flowql.engine.values import to_bool
from flowql.errors import FieldProblem, InvalidInput

_TYPES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "dict": "object",
    "list": "array",
}

FORMAT_INSTRUCTIONS_FIELD = FieldSpec(
    "format_instructions",
    "Output Format Instructions",
    input_type="MultilineInput",
    info="Generic template for structured output formatting.",
    multiline=True,
    advanced=True,
)
HANDLE_PARSING_ERRORS_FIELD = FieldSpec(
    "handle_parsing_errors",
    "Handle Parse Errors",
    type="bool",
    input_type="BoolInput",
    info="Should the Agent fix errors when reading user input for better processing?",
    default=True,
    advanced=True,
)
OUTPUT_SCHEMA_FIELD = FieldSpec(
    "output_schema",
    "Output Schema",
    type="table",
    input_type="TableInput",
    info="Schema Validation: Define the structure and data types for structured output.",
    advanced=True,
)


def _rows(vertex: Vertex, value: Any) -> list[Mapping[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        raise InvalidInput(
            f"Component '{vertex.display_name}' ({vertex.id}): output_schema must be a list of rows",
            [FieldProblem(f"{vertex.id}.output_schema", "must be a list of {name, type, description} rows")],
        )
    return value


def check_output_schema(vertex: Vertex) -> None:
    """Raise InvalidInput naming ``<vertex>.output_schema`` when a row lacks a name or has an
    unknown type."""
    for row in _rows(vertex, (vertex.template.get("output_schema") or {}).get("value")):
        name, kind = row.get("name"), row.get("type", "str")
        if not isinstance(name, str) or not name.strip() or kind not in _TYPES:
            raise InvalidInput(
                f"Component '{vertex.display_name}' ({vertex.id}): output_schema row {dict(row)!r} "
                f"needs a name and a type among {sorted(_TYPES)}",
                [FieldProblem(f"{vertex.id}.output_schema", "each row needs a name and a known type")],
            )


def json_schema(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON schema of one object of ``rows`` (every field required, ``multiple`` → array)."""
    properties: dict[str, Any] = {}
    for row in rows:
        prop: dict[str, Any] = {"type": _TYPES[str(row.get("type", "str"))]}
        if row.get("description"):
            prop["description"] = str(row["description"])
        if to_bool(row.get("multiple"), False):
            prop = {"type": "array", "items": prop}
        properties[str(row["name"])] = prop
    return {"type": "object", "properties": properties, "required": list(properties)}


def structured_messages(ctx: ComponentContext, answer: str) -> list[dict[str, Any]]:
    """The messages of the structuring call for the agent's final ``answer``."""
    rows = _rows(ctx.vertex, ctx.field("output_schema"))
    if rows:
        ask = (
            'Return only a JSON object of the form {"results": [object, ...]} where each object '
            f"follows this JSON schema:\n{json.dumps(json_schema(rows), ensure_ascii=False)}"
        )
    else:
        ask = "Return only a JSON object."
    messages: list[dict[str, Any]] = []
    instructions = ctx.text("format_instructions")
    if instructions.strip():
        messages.append({"role": "system", "content": instructions})
    messages.append({"role": "user", "content": f"{answer}\n\n{ask}"})
    return messages


def parse_structured(ctx: ComponentContext, reply: ModelReply) -> dict[str, Any]:
    """The structuring reply as Data: the JSON object (a bare list becomes ``{"results": list}``).

    A reply that is not JSON gives ``{"content": reply text, "error": reason}`` while
    ``handle_parsing_errors`` is on (the default, as Langflow's Agent answers), else raises
    ComponentError ``StructuredOutputError``."""
    text = reply.text.strip()
    if text.startswith("```"):  # a fenced block despite the instructions
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = loads_finite(text)
    except (ValueError, RecursionError):  # not JSON (or NaN / 1e400, which no response can carry)
        value = None
    if isinstance(value, list):
        value = {"results": value}
    if not isinstance(value, dict) and ctx.flag("handle_parsing_errors", True):
        return {"content": reply.text, "error": "The model's answer is not a JSON object"}
    if not isinstance(value, dict):
        raise ctx.fail("the model's structured answer is not a JSON object", "StructuredOutputError")
    return value


async def structured_call(ctx: ComponentContext, model: ChatModel, answer: str) -> ModelReply:
    """Make the structuring call (``response_format`` ``json_object``). Raises ModelCallError."""
    return await model.complete(
        structured_messages(ctx, answer), stream=False, response_format={"type": "json_object"}
    )
