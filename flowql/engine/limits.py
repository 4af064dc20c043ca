"""The per-output size cap of the engine (``FLOWQL_MAX_OUTPUT_CHARS``, ``DataAccess.max_output_chars``).

Every result a component hands to the run is measured (:func:`output_chars`, a bounded walk
that stops as soon as the cap is passed); the text renderers (Parser, Prompt Template) build
their text with :class:`BoundedText`, so they stop before the whole string exists. Beyond the
cap the vertex fails with a component error ``OutputTooLarge`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowql.engine.types import ChatMessage


class OutputTooLarge(ValueError):
    """An output longer than the cap; the message names the cap (safe to show)."""

    def __init__(self, limit: int, what: str = "the output") -> None:
        super().__init__(f"{what} is longer than {limit} characters (FLOWQL_MAX_OUTPUT_CHARS)")
        self.limit = limit


def output_chars(value: Any, limit: int) -> int:
    """The characters of ``value``'s texts (strings, message texts, dict keys and values, list
    items; other scalars by their ``str``), counted until the total passes ``limit`` (then a
    number above ``limit`` is returned without walking the rest). Iterative: no recursion limit."""
    total = 0
    stack: list[Any] = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, ChatMessage):
            total += len(item.text)
        elif isinstance(item, bytes | bytearray):
            total += 2 * len(item)
        elif isinstance(item, Mapping | list | tuple):
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, Mapping):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
        elif item is not None and isinstance(item, bool | int | float):
            total += len(str(item))
        if total > limit:
            return total
    return total


def check_output(value: Any, limit: int, what: str = "the output") -> None:
    """Raise :class:`OutputTooLarge` when ``value`` holds more than ``limit`` characters."""
    if output_chars(value, limit) > limit:
        raise OutputTooLarge(limit, what)


class BoundedText:
    """A string under construction that may not pass ``limit`` characters: :meth:`add` raises
    :class:`OutputTooLarge` as soon as it would."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._parts: list[str] = []

    def add(self, part: str) -> None:
        """Append ``part``; OutputTooLarge when the text would pass the limit."""
        self.size += len(part)
        if self.size > self.limit:
            raise OutputTooLarge(self.limit)
        self._parts.append(part)

    def text(self) -> str:
        """The text so far."""
        return "".join(self._parts)
