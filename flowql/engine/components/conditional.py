"""The If-Else component (Langflow ``ConditionalRouterComponent``, ``data.type``
``ConditionalRouter``).

Compares ``input_text`` with ``match_text`` by ``operator`` (``equals``, ``not equals``,
``contains``, ``starts with``, ``ends with``, ``regex``, and numerically ``less than``,
``less than or equal``, ``greater than``, ``greater than or equal``); ``case_sensitive`` (default
off) applies to the text operators. When the condition holds, output ``true_result`` carries
``true_case_message`` (else the older ``message`` field, else ``input_text``) and the
``false_result`` branch is inactivated; otherwise the reverse with ``false_case_message``.
The vertices only the branch not taken feeds do not run and are reported in the router's
``end_vertex`` ``build_data.inactivated_vertices`` (see :mod:`flowql.engine.components.control`).
A ``regex`` that does not compile fails the run before anything runs (InvalidInput); a numeric
comparison of non-numbers is false. A ``regex`` is matched by the ``regex`` package in a worker
thread (never on the event loop), bounded by ``DataAccess.regex_timeout_seconds``
(``FLOWQL_REGEX_TIMEOUT_SECONDS``): a pattern that backtracks longer fails the vertex with a
component error (``RegexTimeout``) naming it.
"""

from __future__ import annotations

import asyncio

import regex as re

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.control import RoutedResult
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field, message_text
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.errors import ComponentError, ComponentFailure, FieldProblem, InvalidInput

OPERATORS = (
    "equals",
    "not equals",
    "contains",
    "starts with",
    "ends with",
    "regex",
    "less than",
    "less than or equal",
    "greater than",
    "greater than or equal",
)
TRUE_OUTPUT = "true_result"
FALSE_OUTPUT = "false_result"


def evaluate(
    operator: str, text: str, match: str, *, case_sensitive: bool, timeout: float | None = None
) -> bool:
    """Whether ``text`` ``operator`` ``match`` holds. Raises ``regex.error`` for a bad regex,
    ``TimeoutError`` when a regex match takes longer than ``timeout`` seconds and
    ``ValueError`` for an unknown operator."""
    if operator in {"less than", "less than or equal", "greater than", "greater than or equal"}:
        try:
            left, right = float(text), float(match)
        except ValueError:
            return False
        return {
            "less than": left < right,
            "less than or equal": left <= right,
            "greater than": left > right,
            "greater than or equal": left >= right,
        }[operator]
    if operator == "regex":
        flags = re.V0 if case_sensitive else re.V0 | re.IGNORECASE
        return re.search(match, text, flags, timeout=timeout, concurrent=True) is not None
    if not case_sensitive:
        text, match = text.lower(), match.lower()
    if operator == "equals":
        return text == match
    if operator == "not equals":
        return text != match
    if operator == "contains":
        return match in text
    if operator == "starts with":
        return text.startswith(match)
    if operator == "ends with":
        return text.endswith(match)
    raise ValueError(f"unknown operator {operator!r}")


@registry.register("ConditionalRouter")
class ConditionalRouter(Component):
    """See the module docstring."""

    display_name = "If-Else"
    description = "Routes an input message to a corresponding output based on text comparison."
    category = "logic"
    icon = "split"
    documentation = "https://docs.langflow.org/components-logic#conditional-router-if-else-component"
    field_specs = (
        message_text("input_text", "Text Input", "The primary text input for the operation.", advanced=False),
        FieldSpec(
            "operator",
            "Operator",
            input_type="DropdownInput",
            default="equals",
            options=OPERATORS,
        ),
        message_text("match_text", "Match Text", "The text input to compare against.", advanced=False),
        bool_field("case_sensitive", "Case Sensitive", "If true, the comparison will be case sensitive."),
        message_text("true_case_message", "Case True", "The message to pass if the condition is True."),
        message_text("false_case_message", "Case False", "The message to pass if the condition is False."),
    )
    output_specs = (
        OutputSpec(TRUE_OUTPUT, "True", method="true_response"),
        OutputSpec(FALSE_OUTPUT, "False", method="false_response"),
    )

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """An unknown ``operator`` or a literal ``regex`` ``match_text`` that does not compile is
        an InvalidInput naming the field."""
        operator = (vertex.template.get("operator") or {}).get("value") or "equals"
        if operator not in OPERATORS:
            raise _problem(vertex, "operator", f"operator must be one of {', '.join(OPERATORS)}")
        match = (vertex.template.get("match_text") or {}).get("value")
        if operator == "regex" and isinstance(match, str):
            try:
                re.compile(match)
            except re.error as exc:
                raise _problem(vertex, "match_text", f"invalid regular expression: {exc}") from exc

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        text = ctx.text("input_text")
        operator = ctx.text("operator", "equals") or "equals"
        match, case_sensitive = ctx.text("match_text"), ctx.flag("case_sensitive", False)
        timeout = ctx.services.data.regex_timeout_seconds
        try:
            if operator == "regex":
                holds = await asyncio.to_thread(
                    evaluate, operator, text, match, case_sensitive=case_sensitive, timeout=timeout
                )
            else:
                holds = evaluate(operator, text, match, case_sensitive=case_sensitive)
        except TimeoutError as exc:
            vertex = ctx.vertex
            raise ComponentError(
                f"Component '{vertex.display_name}' ({vertex.id}): the regular expression took "
                f"longer than {timeout:g} seconds to match",
                ComponentFailure(vertex.id, vertex.display_name, error_type="RegexTimeout"),
            ) from exc
        except (re.error, ValueError) as exc:
            raise _problem(ctx.vertex, "match_text" if operator == "regex" else "operator", str(exc)) from exc
        chosen = "true_case_message" if holds else "false_case_message"
        value = ctx.field(chosen) if ctx.text(chosen) else None
        if value is None:
            value = ctx.field("message") if ctx.text("message") else ctx.field("input_text")
        message = ctx.new_message(
            ctx.text(chosen) or ctx.text("message") or text,
            "",
            "",
            properties=ctx.output_properties(value),
        )
        taken, stopped = (TRUE_OUTPUT, FALSE_OUTPUT) if holds else (FALSE_OUTPUT, TRUE_OUTPUT)
        return RoutedResult({taken: message}, stopped=frozenset({stopped}))


def _problem(vertex: Vertex, name: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"Component '{vertex.display_name}' ({vertex.id}): {message}",
        [FieldProblem(f"{vertex.id}.{name}", message)],
    )
