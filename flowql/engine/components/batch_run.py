"""The Batch Run component (Langflow ``BatchRunComponent``, ``data.type``
``BatchRunComponent``): one model call per row of a DataFrame.

For each row of ``df`` the user message is the row's ``column_name`` value (empty
``column_name``: every column as ``name: value`` lines; a name the row lacks fails the vertex)
and ``system_message`` is the system message. Output ``batch_results``: the rows, each with the
reply under ``output_column_name`` (default ``model_response``); with ``enable_metadata`` also
``batch_index``, ``text_input``, ``model`` and ``processing_status``. Calls run one after
another, in row order; a provider failure ends the run as for the model components. Each row
counts one step against the run's step limit (``FLOWQL_MAX_RUN_STEPS``): beyond it the vertex
fails (ComponentError ``StepLimit``) before that row's model call.
"""

from __future__ import annotations

from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.language_model import (
    MODEL_FIELD,
    check_model_fields,
    model_call_error,
    model_spec,
)
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tabular import as_rows, cell_text
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.models.chat import ModelCallError


def row_text(row: dict[str, Any], column: str) -> str:
    """The text sent for ``row``: its ``column`` value, or all columns as ``name: value`` lines.
    Raises ``KeyError`` when the row lacks ``column``."""
    if column:
        return cell_text(row[column])
    return "\n".join(f"{k}: {cell_text(v)}" for k, v in row.items())


@registry.register("BatchRunComponent")
class BatchRun(Component):
    """See the module docstring."""

    display_name = "Batch Run"
    description = "Runs a language model over each row of a DataFrame's text column."
    category = "models_and_agents"
    icon = "List"
    documentation = "https://docs.langflow.org/components-processing#batch-run"
    field_specs = (
        MODEL_FIELD,
        FieldSpec("api_key", "API Key", input_type="SecretStrInput", advanced=True),
        FieldSpec("system_message", "Instructions", input_type="MultilineInput", multiline=True),
        FieldSpec(
            "df",
            "DataFrame",
            type="other",
            input_type="DataFrameInput",
            input_types=("DataFrame",),
            required=True,
        ),
        FieldSpec("column_name", "Column Name", input_types=("Message",), info="Empty: all columns."),
        FieldSpec(
            "output_column_name", "Output Column Name", default="model_response", input_types=("Message",)
        ),
        bool_field("enable_metadata", "Enable Metadata", "Add processing metadata to each row."),
    )
    output_specs = (OutputSpec("batch_results", "LLM Results", types=("Table",), method="run_batch"),)

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A malformed ``model`` fails the run before anything runs."""
        check_model_fields(vertex, ("model",))

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        spec = model_spec(ctx, ("model",))
        model = ctx.services.chat_models(spec)
        column = ctx.text("column_name").strip()
        out_column = ctx.text("output_column_name").strip() or "model_response"
        metadata = ctx.flag("enable_metadata", False)
        system = ctx.text("system_message")
        results: list[dict[str, Any]] = []
        for index, row in enumerate(as_rows(ctx.field("df"))):
            ctx.step()
            try:
                text = row_text(row, column)
            except KeyError as exc:
                raise ctx.fail(f"column {column!r} is not in the input", "KeyError") from exc
            messages = [{"role": "system", "content": system}] if system.strip() else []
            messages.append({"role": "user", "content": text})
            try:
                reply = await model.complete(messages, stream=False)
            except ModelCallError as exc:
                raise model_call_error(ctx, exc) from exc
            made = {**row, out_column: reply.text}
            if metadata:
                made.update(
                    {
                        "batch_index": index,
                        "text_input": text,
                        "model": spec.model,
                        "processing_status": "success",
                    }
                )
            results.append(made)
        return ComponentResult({"batch_results": results}, model_name=spec.model)
