"""The agent tool contract: a name, a description, a JSON-schema argument list and an async
``run`` that always answers text.

Bad arguments and failures a tool reports (:class:`ToolError`) come back as an ``"Error: ..."``
string for the model to read and retry (design.md "Tools and errors in agents"); they never end
the run. Every result text is made storable (:func:`storable_text`) before the model sees it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowql.engine.text import storable_text

ToolFunc = Callable[[dict[str, Any]], Awaitable[str]]

#: Characters a string argument (also one inside an array or object) may hold at most.
MAX_STRING_ARGUMENT = 10_000

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class ToolError(Exception):
    """A failure to report to the model as the tool's result (``"Error: <message>"``)."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool call produced: the ``text`` the model sees and whether it is an ``error``."""

    text: str
    error: bool = False


def _value_problem(value: object) -> str | None:
    """Why ``value`` (itself, or any item, key or member inside) is not a usable argument: a
    string holding a lone surrogate or more than :data:`MAX_STRING_ARGUMENT` characters, or a
    number that is not finite (JSON's ``NaN`` / ``Infinity``)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "holds a number that is not finite"
        if isinstance(item, str):
            if len(item) > MAX_STRING_ARGUMENT:
                return f"holds text longer than {MAX_STRING_ARGUMENT} characters"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "holds text that is not valid Unicode (a lone surrogate)"
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return None


def parse_arguments(raw: object) -> dict[str, Any]:
    """The call's arguments as a dict: a mapping as is, a JSON object text (OpenAI's
    ``function.arguments``) parsed, ``None`` / ``""`` as ``{}``. Raises ToolError otherwise
    (also for JSON nested too deeply to parse or holding a number too large to read)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ToolError(f"arguments are not valid JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise ToolError("arguments are nested too deeply") from exc
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise ToolError("arguments are not valid JSON: a value is too large") from exc
    if not isinstance(raw, Mapping):
        raise ToolError("arguments must be a JSON object")
    return dict(raw)


def _type_ok(value: object, expected: str) -> bool:
    """Whether ``value`` has JSON-schema type ``expected`` (unknown types accept anything)."""
    kinds = _JSON_TYPES.get(expected)
    if kinds is None:
        return True
    if isinstance(value, bool) and expected in ("number", "integer"):
        return False
    return isinstance(value, kinds)


def validate_arguments(
    args: Mapping[str, Mapping[str, Any]], required: tuple[str, ...], arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """``arguments`` checked against the tool's ``args`` schema: every ``required`` name present,
    no unknown names, each value of its declared ``type`` (an array's items of ``items.type``;
    in its ``enum``), no string in it
    (also inside an array or object) holding a lone surrogate or longer than
    :data:`MAX_STRING_ARGUMENT`, no non-finite number; missing optional names take their
    ``default``. Returns the completed dict; raises ToolError naming the argument otherwise."""
    unknown = sorted(set(arguments) - set(args))
    if unknown:
        shown = ", ".join(name[:64] for name in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise ToolError(f"unknown argument(s): {shown}")
    result: dict[str, Any] = {}
    for name, schema in args.items():
        if name not in arguments or arguments[name] is None:
            if name in required:
                raise ToolError(f"missing required argument '{name}'")
            if "default" in schema:
                result[name] = schema["default"]
            continue
        value = arguments[name]
        expected = schema.get("type")
        if isinstance(expected, str) and not _type_ok(value, expected):
            raise ToolError(f"argument '{name}' must be of type {expected}")
        items = schema.get("items")
        item_type = items.get("type") if isinstance(items, Mapping) else None
        if (
            expected == "array"
            and isinstance(item_type, str)
            and not all(_type_ok(v, item_type) for v in value)
        ):
            raise ToolError(f"argument '{name}' must be an array of {item_type}")
        problem = _value_problem(value)
        if problem is not None:
            raise ToolError(f"argument '{name}' {problem}")
        enum = schema.get("enum")
        if isinstance(enum, list) and value not in enum:
            raise ToolError(f"argument '{name}' must be one of {enum}")
        result[name] = value
    return result


@dataclass(frozen=True)
class Tool:
    """An agent tool.

    - ``name`` / ``description``: what the model sees (OpenAI ``function.name`` /
      ``description``; Langflow ``tools_metadata.value[*].name`` / ``description``).
    - ``args``: ``{argument: JSON schema}`` (Langflow ``tools_metadata.value[*].args``), e.g.
      ``{"expression": {"type": "string", "description": ..., "title": "Expression"}}``.
    - ``required``: argument names the call must give.
    - ``func``: the implementation, called with validated arguments; it returns text or raises
      :class:`ToolError`.
    """

    name: str
    description: str
    args: dict[str, dict[str, Any]]
    func: ToolFunc
    required: tuple[str, ...] = field(default=())

    def public(self) -> dict[str, Any]:
        """The tool as a JSON value (outputs, events, records): ``{"name", "description",
        "args"}``."""
        return {"name": self.name, "description": self.description, "args": self.args}

    def parameters(self) -> dict[str, Any]:
        """OpenAI's function ``parameters``: ``{"type": "object", "properties": args,
        "required": [...]}``."""
        return {"type": "object", "properties": self.args, "required": list(self.required)}

    def openai_spec(self) -> dict[str, Any]:
        """The entry of OpenAI's ``tools`` list: ``{"type": "function", "function": {name,
        description, parameters}}``."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters()},
        }

    async def call(self, arguments: object) -> ToolResult:
        """Parse and validate ``arguments`` (a dict or a JSON text), run the tool. A bad argument
        or a ToolError gives ``ToolResult("Error: ...", error=True)``; other exceptions
        propagate (they are bugs, not model mistakes). The text is made storable
        (:func:`storable_text`), so it can be sent back to the model and recorded."""
        try:
            checked = validate_arguments(self.args, self.required, parse_arguments(arguments))
            return ToolResult(storable_text(await self.func(checked)))
        except ToolError as exc:
            return ToolResult(storable_text(f"Error: {exc}"), error=True)

    async def run(self, arguments: object) -> str:
        """The text of :meth:`call` (``"Error: ..."`` for bad arguments or a tool error)."""
        return (await self.call(arguments)).text
