"""The Parser component (Langflow ``ParserComponent``, ``data.type`` ``ParserComponent`` or
``parser``): turns a DataFrame, Data or Message into text.

- ``mode`` ``Parser`` (the default): ``pattern`` (``{column}`` placeholders, ``str.format``
  syntax; ``{{`` / ``}}`` are literal braces) is filled once per row of ``input_data`` and the
  rows are joined by ``sep`` (default ``"\\n"``). A placeholder the row lacks fails the vertex
  naming it, as Langflow's ``KeyError`` does. A text longer than ``FLOWQL_MAX_OUTPUT_CHARS``
  fails the vertex (``OutputTooLarge``) before it is built. A Data whose only member is a list of objects (the
  Agent's ``structured_response``, ``{"results": [...]}``) is parsed as those rows.
- ``mode`` ``Stringify``: a DataFrame becomes a Markdown table, a Data its JSON (or its
  ``text``), a Message its text.

Output ``parsed_text``: a Message.
"""

from __future__ import annotations

import string
import sys
from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.components.tabular import as_rows, markdown_table
from flowql.engine.context import ComponentContext
from flowql.engine.limits import BoundedText
from flowql.engine.types import ChatMessage
from flowql.engine.values import to_text


def format_value(value: Any) -> str:
    """A cell as Langflow's ``str.format`` over a pandas row shows it: Python's ``str()``
    (``True``, ``['a', 'b']``), a message as its text, ``None`` as ``""``."""
    if value is None:
        return ""
    if isinstance(value, ChatMessage):
        return value.text
    return str(value)


def fill_row(pattern: str, row: dict[str, Any], out: BoundedText | None = None) -> str:
    """``pattern`` with each ``{name}`` replaced by ``row[name]`` (:func:`format_value`). Raises ``KeyError``
    (the name) when the row lacks it and ``ValueError`` for unbalanced braces. With ``out`` the
    parts are added to it instead (OutputTooLarge as soon as it is full) and ``""`` is returned."""
    parts = out if out is not None else BoundedText(sys.maxsize)
    for literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        parts.add(literal)
        if name is not None:
            if name not in row:
                raise KeyError(name)
            parts.add(format_value(row[name]))
    return "" if out is not None else parts.text()


def fill_rows(pattern: str, rows: list[dict[str, Any]], sep: str, limit: int) -> str:
    """Each row through :func:`fill_row`, joined by ``sep``; OutputTooLarge once the text would
    pass ``limit`` characters (before it is built)."""
    out = BoundedText(limit)
    for index, row in enumerate(rows):
        if index:
            out.add(sep)
        fill_row(pattern, row, out)
    return out.text()


@registry.register("ParserComponent", "parser")
class Parser(Component):
    """See the module docstring."""

    display_name = "Parser"
    description = "Extracts text using a template."
    category = "processing"
    icon = "braces"
    documentation = "https://docs.langflow.org/components-processing#parser"
    field_specs = (
        FieldSpec(
            "input_data",
            "Data or DataFrame",
            type="other",
            input_type="HandleInput",
            input_types=("DataFrame", "Data", "Message"),
            required=True,
        ),
        FieldSpec(
            "mode",
            "Mode",
            type="tab",
            input_type="TabInput",
            default="Parser",
            options=("Parser", "Stringify"),
        ),
        FieldSpec(
            "pattern",
            "Template",
            input_type="MultilineInput",
            default="Text: {text}",
            multiline=True,
            input_types=("Message",),
        ),
        FieldSpec("sep", "Separator", default="\n", input_types=("Message",), advanced=True),
    )
    output_specs = (OutputSpec("parsed_text", "Parsed Text", method="parse_combined_text"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        value = ctx.field("input_data")
        if ctx.text("mode", "Parser") == "Stringify":
            text = _stringify(value)
        else:
            pattern = ctx.text("pattern")
            sep = ctx.text("sep", "\n")
            try:
                text = fill_rows(pattern, as_rows(value), sep, ctx.services.data.max_output_chars)
            except KeyError as exc:
                problem = f"the template names {exc.args[0]!r}, which the input does not have"
                raise ctx.fail(problem, "KeyError") from exc
        message = ctx.new_message(text, "", "", properties={"source": ctx.source_properties()})
        return ComponentResult({"parsed_text": message})


def _stringify(value: Any) -> str:
    if isinstance(value, ChatMessage | str) or value is None:
        return to_text(value)
    if isinstance(value, list):
        return markdown_table(as_rows(value))
    return to_text(value)
