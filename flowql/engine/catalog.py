"""The component catalog: what the registry supports, described for clients.

Two views of the same class-level metadata (:mod:`flowql.engine.components.spec`):

- :func:`component_types` → a list of :class:`ComponentInfo` (GraphQL ``componentTypes``);
- :func:`langflow_catalog` → Langflow's ``GET /api/v1/all`` body: ``{category: {data.type:
  template dict}}`` (see :func:`langflow_component` for the dict's keys).

Both read the registry at call time, so a component registered later (a model, an agent, a test
component) is listed without further changes. A class without metadata is still listed: type,
display name (the class's, else the type name), category ``custom_component``, no fields/outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowql.engine.components import ComponentRegistry, registry
from flowql.engine.components.base import Component
from flowql.engine.components.spec import FieldSpec, OutputSpec

# A placeholder ``code`` field: FlowQL runs native classes and never reads it, but Langflow
# clients expect the key in every template.
_CODE_FIELD: dict[str, Any] = {
    "advanced": True,
    "dynamic": True,
    "fileTypes": [],
    "file_path": "",
    "info": "",
    "list": False,
    "load_from_db": False,
    "multiline": True,
    "name": "code",
    "password": False,
    "placeholder": "",
    "required": True,
    "show": True,
    "title_case": False,
    "type": "code",
    "value": "",
}


@dataclass(frozen=True)
class ComponentInfo:
    """One supported ``data.type``: ``type``, ``display_name``, ``description``, ``category``,
    ``fields`` and ``outputs`` (in declaration order)."""

    type: str
    display_name: str
    description: str
    category: str
    fields: tuple[FieldSpec, ...]
    outputs: tuple[OutputSpec, ...]


def describe(type_name: str, cls: type[Component]) -> ComponentInfo:
    """The :class:`ComponentInfo` of ``cls`` registered as ``type_name``."""
    return ComponentInfo(
        type=type_name,
        display_name=cls.display_name or type_name,
        description=cls.description,
        category=cls.category or "custom_component",
        fields=tuple(cls.field_specs),
        outputs=tuple(cls.output_specs),
    )


def component_types(source: ComponentRegistry = registry) -> list[ComponentInfo]:
    """Every registered type, sorted by category then type name."""
    infos = [describe(name, cls) for name, cls in source.items()]
    return sorted(infos, key=lambda info: (info.category, info.type))


def _field_dict(spec: FieldSpec) -> dict[str, Any]:
    """Langflow's template entry for one field (``template.<name>``)."""
    entry: dict[str, Any] = {
        "_input_type": spec.input_type,
        "advanced": spec.advanced,
        "display_name": spec.display_name,
        "dynamic": False,
        "info": spec.info,
        "input_types": list(spec.input_types),
        "list": spec.list,
        "name": spec.name,
        "placeholder": "",
        "required": spec.required,
        "show": True,
        "title_case": False,
        "tool_mode": False,
        "trace_as_metadata": True,
        "type": spec.type,
        "value": spec.default,
    }
    if spec.multiline:
        entry["multiline"] = True
    if spec.options is not None:
        entry["options"] = list(spec.options)
    return entry


def _output_dict(spec: OutputSpec) -> dict[str, Any]:
    """Langflow's ``outputs[]`` entry."""
    return {
        "allows_loop": False,
        "cache": True,
        "display_name": spec.display_name,
        "group_outputs": False,
        "method": spec.method,
        "name": spec.name,
        "selected": spec.types[0] if spec.types else None,
        "tool_mode": True,
        "types": list(spec.types),
        "value": "__UNDEFINED__",
    }


def langflow_component(type_name: str, cls: type[Component]) -> dict[str, Any]:
    """The Langflow frontend-node dict of one type, as in ``/api/v1/all``.

    Keys: ``display_name``, ``description``, ``template`` (``_type``: ``"Component"``, ``code``
    and one entry per field with ``_input_type``, ``type``, ``required``, ``value``,
    ``input_types``, ``display_name``, ``info``, ``advanced``, ``list``, ``show``, ...),
    ``outputs`` (``name``, ``display_name``, ``types``, ``selected``, ``method``, ...),
    ``field_order``, ``base_classes``, ``output_types``, ``icon``, ``documentation``, ``legacy``,
    ``beta``, ``edited``, ``frozen``, ``pinned``, ``minimized``, ``tool_mode``,
    ``conditional_paths``, ``custom_fields`` and ``metadata`` (``component_class_name``,
    ``module``).
    """
    info = describe(type_name, cls)
    template: dict[str, Any] = {"_type": "Component", "code": dict(_CODE_FIELD)}
    for spec in info.fields:
        template[spec.name] = _field_dict(spec)
    base_classes = sorted({t for out in info.outputs for t in out.types})
    return {
        "base_classes": base_classes,
        "beta": False,
        "conditional_paths": [],
        "custom_fields": {},
        "description": info.description,
        "display_name": info.display_name,
        "documentation": cls.documentation,
        "edited": False,
        "field_order": [spec.name for spec in info.fields],
        "frozen": False,
        "icon": cls.icon,
        "legacy": cls.legacy,
        "metadata": {"component_class_name": cls.__name__, "module": f"{cls.__module__}.{cls.__name__}"},
        "minimized": False,
        "output_types": [],
        "outputs": [_output_dict(spec) for spec in info.outputs],
        "pinned": False,
        "template": template,
        "tool_mode": False,
    }


def langflow_catalog(source: ComponentRegistry = registry) -> dict[str, dict[str, dict[str, Any]]]:
    """Langflow's ``GET /api/v1/all`` body: ``{category: {data.type: langflow_component(...)}}``,
    categories and types in sorted order."""
    catalog: dict[str, dict[str, dict[str, Any]]] = {}
    for name, cls in source.items():
        category = cls.category or "custom_component"
        catalog.setdefault(category, {})[name] = langflow_component(name, cls)
    return {category: catalog[category] for category in sorted(catalog)}
