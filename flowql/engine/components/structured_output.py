"""The Structured Output component (Langflow ``StructuredOutputComponent``, ``data.type``
``StructuredOutput``): one model call turning ``input_value`` into JSON objects that follow
``output_schema``.

``output_schema`` rows are ``{"name", "type", "description", "multiple"}`` (``type`` one of
``str``, ``int``, ``float``, ``bool``, ``dict``, ``list``; ``multiple`` a list of that type). The
call sends ``system_prompt`` as the system message and the input with the JSON schema of
``{"objects": [object, ...]}`` (named ``schema_name`` when set) as the user message, asking for
that schema through the model's structured output (``response_format`` ``json_schema``, OpenAI
structured outputs; the Anthropic client puts the schema into the system prompt). Outputs:
``structured_output`` (Data: the only object, else ``{"results": objects}``) and
``dataframe_output`` (DataFrame: one row per object). A reply that is not a JSON object (or has
no objects), or whose objects do not conform to the schema (checked with ``jsonschema``), fails
the vertex (ComponentError ``StructuredOutputError`` naming it and the first violation); a
provider failure ends the run as for the model components.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from flowql.engine.components.agent_structured import _rows, check_output_schema, json_schema
from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.language_model import (
    MODEL_FIELD,
    check_model_fields,
    model_call_error,
    model_spec,
)
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ModelCallError
from flowql.engine.text import loads_finite
from flowql.engine.values import to_text

DEFAULT_SYSTEM_PROMPT = (
    "You are an AI that extracts structured JSON objects from unstructured text. Use the given "
    "schema; extract as many objects as the text supports."
)


def _schema_rows(ctx: ComponentContext) -> list[Mapping[str, Any]]:
    return _rows(ctx.vertex, ctx.field("output_schema"))


def output_schema(ctx: ComponentContext) -> dict[str, Any]:
    """The JSON schema of the reply: ``{"objects": [object, ...]}``, each object following the
    ``output_schema`` rows (any object without rows)."""
    rows = _schema_rows(ctx)
    item = json_schema(rows) if rows else {"type": "object"}
    return {
        "title": ctx.text("schema_name").strip() or "OutputModel",
        "type": "object",
        "properties": {"objects": {"type": "array", "items": item}},
        "required": ["objects"],
    }


def response_format(schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` asking for ``schema`` (OpenAI structured outputs; the name is the
    schema's title reduced to the characters OpenAI accepts)."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "OutputModel"))[:64] or "OutputModel"
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}


def check_objects(ctx: ComponentContext, schema: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    """Raise ComponentError ``StructuredOutputError`` naming the vertex and the first violation
    when an object does not conform to ``schema``'s object schema."""
    validator = Draft202012Validator(schema["properties"]["objects"]["items"])
    for index, obj in enumerate(objects):
        error = next(iter(sorted(validator.iter_errors(obj), key=lambda e: list(e.path))), None)
        if error is None:
            continue
        where = "/".join(str(p) for p in error.path) or "(the object)"
        message = (
            f"the model's object {index + 1} does not follow the output schema at {where}: "
            f"{error.message[:300]}"
        )
        raise ctx.fail(message, "StructuredOutputError")


def structured_request(ctx: ComponentContext) -> list[dict[str, Any]]:
    """The messages of the structuring call (see the module docstring)."""
    wrapper = output_schema(ctx)
    ask = (
        'Return only a JSON object of the form {"objects": [object, ...]} following this JSON schema:\n'
        + json.dumps(wrapper, ensure_ascii=False)
    )
    system = ctx.text("system_prompt").strip() or DEFAULT_SYSTEM_PROMPT
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"{to_text(ctx.field('input_value'))}\n\n{ask}"},
    ]


def parse_objects(ctx: ComponentContext, text: str) -> list[dict[str, Any]]:
    """The objects of a structuring reply: ``{"objects": [...]}``, a bare list, or one object.
    Raises ComponentError ``StructuredOutputError`` otherwise."""
    cleaned = text.strip()
    if cleaned.startswith("```"):
        cleaned = cleaned.strip("`").removeprefix("json").strip()
    try:
        value = loads_finite(cleaned)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict) and isinstance(value.get("objects"), list):
        value = value["objects"]
    elif isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), list):
        value = next(iter(value.values()))
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ctx.fail("the model's answer has no JSON objects", "StructuredOutputError")
    return value


@registry.register("StructuredOutput")
class StructuredOutput(Component):
    """See the module docstring."""

    display_name = "Structured Output"
    description = "Uses an LLM to generate structured data. Ideal for extraction and consistency."
    category = "models_and_agents"
    icon = "braces"
    documentation = "https://docs.langflow.org/components-processing#structured-output"
    field_specs = (
        MODEL_FIELD,
        FieldSpec("api_key", "API Key", input_type="SecretStrInput", advanced=True),
        FieldSpec(
            "input_value",
            "Input Message",
            input_type="MultilineInput",
            input_types=("Message",),
            required=True,
        ),
        FieldSpec(
            "system_prompt", "Format Instructions", input_type="MultilineInput", default=DEFAULT_SYSTEM_PROMPT
        ),
        FieldSpec("schema_name", "Schema Name", input_types=("Message",), advanced=True),
        FieldSpec("output_schema", "Output Schema", type="table", input_type="TableInput", default=[]),
    )
    output_specs = (
        OutputSpec(
            "structured_output", "Structured Output", types=("Data",), method="build_structured_output"
        ),
        OutputSpec(
            "dataframe_output", "Structured Output", types=("DataFrame",), method="build_structured_dataframe"
        ),
    )

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A malformed ``model`` or ``output_schema`` fails the run before anything runs."""
        check_model_fields(vertex, ("model",))
        check_output_schema(vertex)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        spec = model_spec(ctx, ("model",))
        schema = output_schema(ctx)
        try:
            reply = await ctx.services.chat_models(spec).complete(
                structured_request(ctx), stream=False, response_format=response_format(schema)
            )
        except ModelCallError as exc:
            raise model_call_error(ctx, exc) from exc
        objects = parse_objects(ctx, reply.text)
        check_objects(ctx, schema, objects)
        data: dict[str, Any] = objects[0] if len(objects) == 1 else {"results": objects}
        usage = reply.usage.as_dict() if reply.usage is not None else None
        return ComponentResult(
            {"structured_output": data, "dataframe_output": objects}, model_name=spec.model, token_usage=usage
        )
