"""The Loop component (Langflow ``LoopComponent``, ``data.type`` ``LoopComponent``).

``data`` (a DataFrame, a list of Data, one Data or a Message) gives the items: each row as a
Data dict. The executor runs the body (everything downstream of output ``item``) once per item,
re-executing every body vertex; the value reaching the loop over its feedback edge (target
handle ``name`` ``item``) is collected each time. When the items are exhausted, output ``done``
is the DataFrame of the collected values (a message as its Data, text as ``{"text": ...}``),
and the vertices downstream of ``done`` run once. See
:mod:`flowql.engine.components.control` for the step limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.control import LoopingComponent
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.components.tabular import as_rows
from flowql.engine.context import ComponentContext

ITEM_OUTPUT = "item"
DONE_OUTPUT = "done"


@registry.register("LoopComponent")
class LoopComponent(LoopingComponent):
    """See the module docstring."""

    display_name = "Loop"
    description = (
        "Iterates over a list of Data objects, outputting one item at a time and aggregating results "
        "from loop inputs."
    )
    category = "logic"
    icon = "infinity"
    documentation = "https://docs.langflow.org/components-logic#loop"
    field_specs = (
        FieldSpec(
            "data",
            "Inputs",
            type="other",
            input_type="HandleInput",
            input_types=("DataFrame", "Data"),
            info="The initial list of Data objects or DataFrame to iterate over.",
        ),
    )
    output_specs = (
        OutputSpec(ITEM_OUTPUT, "Item", types=("Data",), method="item_output"),
        OutputSpec(DONE_OUTPUT, "Done", types=("DataFrame",), method="done_output"),
    )

    async def iterate(self, ctx: ComponentContext) -> AsyncIterator[Any]:
        """Each row of ``data``."""
        for row in as_rows(ctx.field("data")):
            yield row

    def finish(self, ctx: ComponentContext, items: list[Any], collected: list[Any]) -> ComponentResult:
        """``done``: the collected values as rows."""
        return ComponentResult({DONE_OUTPUT: as_rows(collected)})
