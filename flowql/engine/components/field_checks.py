"""Checks of literal field values run before a flow starts (``Component.check``): a number out
of range or a value not among a dropdown's options is an InvalidInput (HTTP 422) naming
``<vertex id>.<field>``; and :func:`int_value` for reading an int field leniently at run time."""

from __future__ import annotations

from typing import Any

from flowql.engine.graph import Vertex
from flowql.errors import FieldProblem, InvalidInput


def int_value(value: Any, default: int) -> int:
    """``value`` as an int (a float is truncated, numeric text parsed); ``default`` for
    anything else (booleans included)."""
    if isinstance(value, bool):
        return default
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _number_problem(vertex: Vertex, name: str, low: float, high: float) -> InvalidInput | None:
    spec = vertex.template.get(name)
    value = spec.get("value") if spec else None
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not low <= number <= high:
        message = f"{name} must be a number from {low:g} to {high:g}"
        return InvalidInput(
            f"Component '{vertex.display_name}' ({vertex.id}): {message}",
            [FieldProblem(f"{vertex.id}.{name}", message)],
        )
    return None


def _option_problem(vertex: Vertex, name: str, options: tuple[str, ...]) -> InvalidInput | None:
    spec = vertex.template.get(name)
    value = spec.get("value") if spec else None
    if value in (None, "") or value in options:
        return None
    message = f"{name} must be one of {', '.join(options)}"
    return InvalidInput(
        f"Component '{vertex.display_name}' ({vertex.id}): {message}",
        [FieldProblem(f"{vertex.id}.{name}", message)],
    )


def check_fields(
    vertex: Vertex, numbers: dict[str, tuple[float, float]], options: dict[str, tuple[str, ...]]
) -> None:
    """Raise InvalidInput naming ``<vertex id>.<field>`` for the first literal field value out
    of its range (``numbers``: name → (low, high)) or not among its options."""
    for name, (low, high) in numbers.items():
        if (problem := _number_problem(vertex, name, low, high)) is not None:
            raise problem
    for name, choices in options.items():
        if (problem := _option_problem(vertex, name, choices)) is not None:
            raise problem
