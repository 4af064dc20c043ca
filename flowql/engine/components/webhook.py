"""Webhook (Langflow's ``Webhook`` component): the payload a flow receives through
``POST /api/v1/webhook/{flow_id_or_name}``.

The route puts the raw request body in the ``data`` field; the component parses it and passes it
on as Data through its ``output_data`` output (display name "Data", as in Langflow): a JSON
object as itself, any other JSON value or unparsable text as ``{"payload": value}``, nothing as
``{}``.
"""

from __future__ import annotations

import json
from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.context import ComponentContext

OUTPUT = "output_data"


def parse_payload(raw: Any) -> dict[str, Any]:
    """The Data a payload becomes (see the module docstring)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    value: Any = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return {"payload": raw}
    return dict(value) if isinstance(value, dict) else {"payload": value}


@registry.register("Webhook")
class Webhook(Component):
    """Parses ``data`` (the webhook body) into Data on output ``output_data``."""

    display_name = "Webhook"
    description = "Defines a webhook trigger for the flow."
    category = "data"
    icon = "webhook"
    documentation = "https://docs.langflow.org/component-webhook"
    field_specs = (
        FieldSpec(
            "data",
            "Payload",
            input_type="MultilineInput",
            info="Receives a payload from external systems via HTTP POST.",
            advanced=True,
            multiline=True,
        ),
        FieldSpec(
            "curl", "cURL", input_type="MultilineInput", default="CURL_WEBHOOK", advanced=True, multiline=True
        ),
        FieldSpec("endpoint", "Endpoint", input_type="MultilineInput", default="BACKEND_URL", multiline=True),
    )
    output_specs = (OutputSpec(OUTPUT, "Data", types=("Data",), method="build_data"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the class docstring."""
        return ComponentResult({OUTPUT: parse_payload(ctx.field("data"))})
