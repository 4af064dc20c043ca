"""Checks on client text and JSON before it reaches the database.

Every database FlowQL supports must be able to store what a resolver accepts: PostgreSQL
refuses NUL characters in text, no database can encode a lone UTF-16 surrogate as UTF-8, and
``String(n)`` columns have a length. JSON documents must also be sendable back: finite numbers
only, and no deeper than :data:`MAX_JSON_DEPTH` (a deeper document could be stored but not
serialised again). Each failure is an :class:`~flowql.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flowql.errors import FieldProblem, InvalidInput

#: Nesting levels allowed in stored or submitted JSON (Langflow flows use about 10).
MAX_JSON_DEPTH = 100


def text_problem(value: str, max_length: int | None = None) -> str | None:
    """Why ``value`` cannot be stored as text (``None`` when it can)."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds a lone surrogate)"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters"
    return None


def check_text(value: str | None, field: str, max_length: int | None = None) -> None:
    """InvalidInput naming ``field`` when ``value`` cannot be stored (``None`` passes)."""
    if value is None:
        return
    problem = text_problem(value, max_length)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", [FieldProblem(field, problem)])


def json_problem(value: object, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why the JSON-like ``value`` cannot be stored and sent back (``None`` when it can):
    a non-finite number, a string or key that is not storable text, or nesting deeper than
    ``max_depth``."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"is nested deeper than {max_depth} levels"
        if isinstance(item, float) and not math.isfinite(item):
            return "contains a non-finite number (NaN or Infinity), which is not valid JSON"
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return f"contains a string that {problem}"
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, depth + 1))
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


def check_json(value: object, field: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """InvalidInput naming ``field`` when :func:`json_problem` finds one."""
    problem = json_problem(value, max_depth)
    if problem is not None:
        raise InvalidInput(f"{field} {problem}", [FieldProblem(field, problem)])


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_document(raw: bytes | str, field: str = "file") -> object:
    """Parse a client's JSON document (UTF-8, a BOM allowed) and :func:`check_json` it.

    Raises InvalidInput naming ``field`` for text that is not UTF-8, not JSON (NaN and
    Infinity included), or too deeply nested.
    """
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        value: object = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{field} is not UTF-8 text", [FieldProblem(field, "not UTF-8 text")]) from exc
    except RecursionError as exc:
        problem = f"is nested deeper than {MAX_JSON_DEPTH} levels"
        raise InvalidInput(f"{field} {problem}", [FieldProblem(field, problem)]) from exc
    except ValueError as exc:
        problem = f"is not valid JSON ({exc})"
        raise InvalidInput(f"{field} {problem}", [FieldProblem(field, "not valid JSON")]) from exc
    check_json(value, field)
    return value
