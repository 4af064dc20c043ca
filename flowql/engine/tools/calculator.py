"""The built-in calculator tool (Langflow ``CalculatorComponent``, tool ``evaluate_expression``
with the one argument ``expression``).

An AST walker over arithmetic only: int/float literals, ``+ - * / // % **``, unary ``+``/``-``
and parentheses. Names, calls, attributes, subscripts, comparisons and everything else are
refused; nothing is ever ``eval``-ed. Sizes are bounded (expression length, exponent, integer
bits, finite floats) so no call can exhaust CPU or memory. Every failure is a ToolError, which
the model reads as ``"Error: ..."``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from flowql.engine.tools.base import Tool, ToolError

TOOL_NAME = "evaluate_expression"
DESCRIPTION = "Perform basic arithmetic operations on a given expression."
MAX_EXPRESSION_LENGTH = 1000
MAX_EXPONENT = 1000
MAX_INT_BITS = 1100  # a little over 10**308, the float range

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _bounded(value: object) -> Number:
    """``value`` when it is a real number within the bounds; ToolError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolError("Invalid expression: the result is not a real number")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ToolError("Invalid expression: the result is too large")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError("Invalid expression: the result is too large")
    return value


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, refusing exponents over :data:`MAX_EXPONENT` and integer results
    over :data:`MAX_INT_BITS` before computing them."""
    if abs(exponent) > MAX_EXPONENT:
        raise ToolError(f"Invalid expression: exponent larger than {MAX_EXPONENT}")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if max(base.bit_length() - 1, 0) * exponent > MAX_INT_BITS:
            raise ToolError("Invalid expression: the result is too large")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    return _bounded(base**exponent)


def _walk(node: ast.AST) -> Number:
    """The value of an arithmetic AST node; ToolError for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ToolError(f"Invalid expression: only numbers are allowed, not {node.value!r}")
        return _bounded(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _bounded(_UNARY[type(node.op)](_walk(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        return _bounded(_BINARY[type(node.op)](left, right))
    raise ToolError(f"Invalid expression: unsupported element '{type(node).__name__}'")


def evaluate(expression: str) -> Number:
    """The value of ``expression``. Raises ToolError for anything but bounded arithmetic
    (``"Error: Division by zero"`` text for a zero divisor)."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ToolError(f"Invalid expression: longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
        return _walk(tree.body)
    except ZeroDivisionError as exc:
        raise ToolError("Division by zero") from exc
    except SyntaxError as exc:
        raise ToolError(f"Invalid expression: {exc.msg}") from exc
    except (OverflowError, RecursionError, MemoryError) as exc:
        raise ToolError("Invalid expression: the result is too large") from exc
    except (TypeError, ValueError) as exc:
        raise ToolError(f"Invalid expression: {exc}") from exc


def format_number(value: Number) -> str:
    """Integers exactly; floats as Langflow shows them (up to 6 decimals, trailing zeros
    dropped), falling back to ``repr`` for non-zero values that would print as 0."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return "0" if value == 0 else repr(value)
    return text


async def _evaluate_expression(arguments: dict[str, Any]) -> str:
    return format_number(evaluate(arguments["expression"]))


def calculator_tool() -> Tool:
    """The calculator tool: ``evaluate_expression(expression: string) -> str`` (e.g. ``"14"``
    for ``"2+3*4"``; ``"Error: ..."`` for a bad expression)."""
    return Tool(
        name=TOOL_NAME,
        description=DESCRIPTION,
        args={
            "expression": {
                "description": "The arithmetic expression to evaluate (e.g., '4*4*(33/22)+12-20').",
                "title": "Expression",
                "type": "string",
            }
        },
        required=("expression",),
        func=_evaluate_expression,
    )
