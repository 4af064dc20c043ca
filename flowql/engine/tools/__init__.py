"""Agent tools as pure engine code (no web or database imports).

- :class:`Tool` (name, description, JSON-schema ``args``, async ``run(arguments) -> str``),
  :class:`ToolResult`, :class:`ToolError`, :func:`validate_arguments`, :func:`parse_arguments`;
- the built-ins an Agent adds with ``add_calculator_tool`` / ``add_current_date_tool``:
  :func:`calculator_tool` (``evaluate_expression``) and :func:`current_date_tool`
  (``get_current_date``), named and shaped as Langflow's.
"""

from flowql.engine.tools.base import Tool, ToolError, ToolResult, parse_arguments, validate_arguments
from flowql.engine.tools.calculator import calculator_tool
from flowql.engine.tools.current_date import current_date_tool

__all__ = [
    "Tool",
    "ToolError",
    "ToolResult",
    "calculator_tool",
    "current_date_tool",
    "parse_arguments",
    "validate_arguments",
]
