"""Declarative catalog metadata of a component: its fields and outputs.

A component class lists ``fields`` (:class:`FieldSpec`) and ``outputs`` (:class:`OutputSpec`) as
class attributes; :mod:`flowql.engine.catalog` turns them into Langflow's ``GET /api/v1/all``
template dicts and GraphQL ``ComponentType`` values. The specs describe; they do not change how a
component runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldSpec:
    """One template field (Langflow ``template.<name>``).

    - ``type``: Langflow's field ``type`` (``"str"``, ``"bool"``, ``"int"``, ``"float"``,
      ``"prompt"``, ``"file"``, ``"other"``, ...).
    - ``input_type``: Langflow's ``_input_type`` (``"MessageTextInput"``, ``"BoolInput"``, ...).
    - ``input_types``: the edge types the field accepts (``["Message"]``); empty for none.
    - ``default``: the field's ``value`` in a fresh node.
    - ``options``: the choices of a dropdown (``None`` otherwise).
    """

    name: str
    display_name: str
    type: str = "str"
    input_type: str = "MessageTextInput"
    info: str = ""
    required: bool = False
    default: Any = ""
    input_types: tuple[str, ...] = ()
    advanced: bool = False
    list: bool = False
    multiline: bool = False
    options: tuple[str, ...] | None = None


@dataclass(frozen=True)
class OutputSpec:
    """One output (Langflow ``outputs[]``): ``name``, ``display_name``, ``types`` (e.g.
    ``["Message"]``) and the Langflow ``method`` that builds it."""

    name: str
    display_name: str
    types: tuple[str, ...] = ("Message",)
    method: str = ""


def message_text(
    name: str, display_name: str, info: str = "", default: str = "", *, advanced: bool = True
) -> FieldSpec:
    """A ``MessageTextInput`` text field accepting ``Message`` edges."""
    return FieldSpec(
        name, display_name, info=info, default=default, input_types=("Message",), advanced=advanced
    )


def bool_field(name: str, display_name: str, info: str = "", default: bool = False) -> FieldSpec:
    """An advanced ``BoolInput`` field."""
    return FieldSpec(
        name, display_name, type="bool", input_type="BoolInput", info=info, default=default, advanced=True
    )
