"""The Prompt Template component (Langflow ``PromptComponent``, ``data.type`` ``Prompt`` or
``Prompt Template``).

``template`` holds ``{name}`` placeholders (``{{name}}`` with ``use_double_brackets``; with single
brackets ``{{`` / ``}}`` are literal braces, as in Python ``str.format``). Each variable's value
comes from the edge feeding the field of that name, else the field's value, else ``""``.
The output ``prompt`` is a Message; a text longer than ``FLOWQL_MAX_OUTPUT_CHARS`` fails the
vertex (``OutputTooLarge``) before it is built.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Mapping
from typing import Any

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field, message_text
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.limits import BoundedText
from flowql.engine.values import to_bool, to_text
from flowql.errors import FieldProblem, InvalidInput

_DOUBLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def prompt_variables(template: str, double_brackets: bool = False) -> list[str]:
    """The variable names of ``template`` in order of first appearance.

    Raises ``ValueError`` for a single-bracket template whose braces do not balance.
    """
    if double_brackets:
        names = _DOUBLE.findall(template)
    else:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return list(dict.fromkeys(names))


def fill_template(
    template: str, values: Mapping[str, str], double_brackets: bool = False, limit: int = sys.maxsize
) -> str:
    """``template`` with each variable replaced by ``values[name]`` (missing → ``""``).

    Raises ``ValueError`` for unbalanced single-bracket templates and
    :class:`~flowql.engine.limits.OutputTooLarge` as soon as the text would pass ``limit``
    characters (before it is built).
    """
    out = BoundedText(limit)
    if double_brackets:
        start = 0
        for match in _DOUBLE.finditer(template):
            out.add(template[start : match.start()])
            out.add(values.get(match.group(1), ""))
            start = match.end()
        out.add(template[start:])
        return out.text()
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.add(literal)
        if name is not None:
            out.add(values.get(name, ""))
    return out.text()


@registry.register("Prompt", "Prompt Template")
class Prompt(Component):
    """Fills ``template`` from its variables; output ``prompt`` (a Message)."""

    display_name = "Prompt Template"
    description = "Create a prompt template with dynamic variables."
    category = "models_and_agents"
    icon = "prompts"
    documentation = "https://docs.langflow.org/components-prompts"
    field_specs = (
        FieldSpec("template", "Template", type="prompt", input_type="PromptInput"),
        bool_field(
            "use_double_brackets", "Use Double Brackets", "Use {{variable}} syntax instead of {variable}."
        ),
        message_text("tool_placeholder", "Tool Placeholder", "A placeholder input for tool mode."),
    )
    output_specs = (OutputSpec("prompt", "Prompt", method="build_prompt"),)

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring. A malformed template fails the vertex."""
        template = ctx.text("template")
        double = ctx.flag("use_double_brackets", False)
        values = {name: to_text(ctx.field(name, "")) for name in prompt_variables(template, double)}
        text = fill_template(template, values, double, ctx.services.data.max_output_chars)
        return ComponentResult({"prompt": ctx.new_message(text, "", "")})

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """A template whose braces do not balance is an InvalidInput naming the vertex, raised
        before the run starts."""
        spec = vertex.template.get("template", {})
        template = spec.get("value")
        double = to_bool(vertex.template.get("use_double_brackets", {}).get("value"), False)
        if not isinstance(template, str) or double:
            return
        try:
            prompt_variables(template)
        except ValueError as exc:
            message = f"Invalid template of '{vertex.display_name}' ({vertex.id}): {exc}"
            raise InvalidInput(message, [FieldProblem(f"nodes.{vertex.id}.template", str(exc))]) from exc

    @classmethod
    def extra_tweak_fields(cls, template: Mapping[str, Any], tweak: Mapping[str, Any]) -> set[str]:
        """A tweak of ``template`` re-derives the variables: the same tweak may set the new ones."""
        new_template = tweak.get("template")
        if not isinstance(new_template, str):
            return set()
        double_spec = template.get("use_double_brackets")
        stored = double_spec.get("value") if isinstance(double_spec, Mapping) else False
        double = to_bool(tweak.get("use_double_brackets", stored), False)
        try:
            return set(prompt_variables(new_template, double))
        except ValueError:
            return set()
