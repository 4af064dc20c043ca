"""``ComponentType`` / ``ComponentField`` / ``ComponentOutput``: the component catalog
(as REST ``GET /api/v1/all``)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.records import ComponentFieldRecord, ComponentTypeRecord


@strawberry.type(description="A field of a component type (Langflow template.<name>).")
class ComponentField:
    """``name``, Langflow ``type``, ``required``, ``default`` (the fresh node's value) and
    ``inputTypes`` (edge types the field accepts)."""

    name: str
    type: str
    required: bool
    default: JSON | None
    input_types: list[str]

    @classmethod
    def from_record(cls, spec: ComponentFieldRecord) -> ComponentField:
        """Shape a field spec."""
        default: Any = spec.default
        return cls(
            name=spec.name,
            type=spec.type,
            required=spec.required,
            default=default,
            input_types=list(spec.input_types),
        )


@strawberry.type(description="An output of a component type (Langflow outputs[]).")
class ComponentOutput:
    """``name`` and the ``types`` it produces (e.g. ``["Message"]``)."""

    name: str
    types: list[str]


@strawberry.type(description="A component type FlowQL can run (as an entry of REST GET /api/v1/all).")
class ComponentType:
    """A supported ``data.type`` with its display name, description, category, fields, outputs."""

    type: str
    display_name: str
    description: str | None
    category: str
    fields: list[ComponentField]
    outputs: list[ComponentOutput]

    @classmethod
    def from_record(cls, info: ComponentTypeRecord) -> ComponentType:
        """Shape a catalog entry (an empty description becomes null)."""
        return cls(
            type=info.type,
            display_name=info.display_name,
            description=info.description or None,
            category=info.category,
            fields=[ComponentField.from_record(f) for f in info.fields],
            outputs=[ComponentOutput(name=o.name, types=list(o.types)) for o in info.outputs],
        )
