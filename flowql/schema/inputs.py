"""Input types and enums, and their translation to resolver arguments (parsing only)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers.jobs import BuildParams
from flowql.resolvers.runs import RunParams
from flowql.schema.types.flows import AccessType


def parse_uuid(value: str, path: str) -> uuid.UUID:
    """``value`` as a UUID, else InvalidInput naming ``path``."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        message = f"'{path}' is not a valid UUID"
        raise InvalidInput(message, [FieldProblem(path=path, message=message)]) from None


@strawberry.input(description="A new flow (as REST FlowCreate); projectId is Langflow's folder_id.")
class FlowInput:
    """A new flow; mirrors Langflow ``FlowCreate`` (``POST /api/v1/flows/``).

    ``projectId`` is Langflow's ``folder_id``; without it the flow goes to the caller's
    default project.
    """

    name: str
    description: str | None = strawberry.UNSET
    data: JSON | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    endpoint_name: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    icon: str | None = strawberry.UNSET
    icon_bg_color: str | None = strawberry.UNSET
    is_component: bool | None = False
    access_type: AccessType | None = AccessType.PRIVATE
    webhook: bool | None = False
    mcp_enabled: bool | None = False
    action_name: str | None = strawberry.UNSET
    action_description: str | None = strawberry.UNSET

    def to_values(self) -> dict[str, Any]:
        """The ``values`` for ``resolvers.flows.create_flow`` (FlowCreate field names); absent
        and null fields are left out so the resolver's defaults apply. Raises InvalidInput for
        a malformed ``projectId``."""
        raw: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "data": self.data,
            "endpoint_name": self.endpoint_name,
            "tags": self.tags,
            "icon": self.icon,
            "icon_bg_color": self.icon_bg_color,
            "is_component": self.is_component,
            "access_type": self.access_type.value if isinstance(self.access_type, AccessType) else None,
            "webhook": self.webhook,
            "mcp_enabled": self.mcp_enabled,
            "action_name": self.action_name,
            "action_description": self.action_description,
        }
        if self.project_id:
            raw["folder_id"] = parse_uuid(self.project_id, "input.projectId")
        return {k: v for k, v in raw.items() if v is not None and v is not strawberry.UNSET}


@strawberry.enum(description="Which input vertices receive inputValue: Chat Input, Text Input, or both.")
class InputType(Enum):
    """Which input vertices receive ``inputValue`` (Langflow ``input_type``)."""

    CHAT = "chat"
    TEXT = "text"
    ANY = "any"


@strawberry.enum(description="Which output vertices are returned; DEBUG returns every vertex.")
class OutputType(Enum):
    """Which output vertices are returned (Langflow ``output_type``; DEBUG returns every vertex)."""

    CHAT = "chat"
    TEXT = "text"
    ANY = "any"
    DEBUG = "debug"


@strawberry.input(
    description="One run (as the REST /api/v1/run body). tweaks is keyed by component id, display name "
    "or bare field name; sessionId defaults to the flow id."
)
class RunInput:
    """One run; mirrors the body of Langflow ``POST /api/v1/run/{flow_id_or_name}``.

    ``tweaks`` is keyed by component id, display name, or a bare field name; ``sessionId``
    defaults to the flow id.
    """

    input_value: str | None = strawberry.UNSET
    input_type: InputType | None = InputType.CHAT
    output_type: OutputType | None = OutputType.CHAT
    output_component: str | None = strawberry.UNSET
    tweaks: JSON | None = strawberry.UNSET
    session_id: str | None = strawberry.UNSET

    def to_params(self) -> RunParams:
        """``RunParams`` for ``resolvers.runs.run_flow``. Raises InvalidInput when ``tweaks``
        is not an object."""
        tweaks: object = self.tweaks if self.tweaks is not strawberry.UNSET else None
        if tweaks is not None and not isinstance(tweaks, dict):
            message = "tweaks must be an object keyed by component id, display name or field name"
            raise InvalidInput(message, [FieldProblem(path="input.tweaks", message=message)])
        return RunParams(
            input_value=_given(self.input_value),
            input_type=(self.input_type or InputType.CHAT).value,
            output_type=(self.output_type or OutputType.CHAT).value,
            output_component=_given(self.output_component) or None,
            tweaks=dict(tweaks or {}),
            session_id=_given(self.session_id) or None,
        )


def _given(value: str | None) -> str | None:
    return None if value is None or value is strawberry.UNSET else value


@strawberry.input(
    description="One build (as the REST POST /api/v1/build/{flow_id}/flow query and body): "
    "inputs.inputValue, inputType and sessionId feed the input vertices; data builds this graph "
    "instead of the stored one."
)
class BuildInput:
    """One build; mirrors Langflow ``POST /api/v1/build/{flow_id}/flow`` (query parameters
    ``start_component_id``, ``stop_component_id``, ``log_builds``; body ``inputs``, ``data``).

    Of ``inputs`` only ``inputValue``, ``inputType`` and ``sessionId`` apply (a build runs every
    selected vertex); ``tweaks`` are refused.
    """

    inputs: RunInput | None = strawberry.UNSET
    start_component_id: str | None = strawberry.UNSET
    stop_component_id: str | None = strawberry.UNSET
    log_builds: bool | None = True
    data: JSON | None = strawberry.UNSET

    def to_params(self) -> BuildParams:
        """``BuildParams`` for ``resolvers.jobs.start_build``. Raises InvalidInput for tweaks
        or a ``data`` that is not an object."""
        params = build_params(self.inputs if isinstance(self.inputs, RunInput) else None, "input.inputs")
        data: object = self.data if self.data is not strawberry.UNSET else None
        if data is not None and not isinstance(data, dict):
            message = "data must be a flow graph object (nodes, edges)"
            raise InvalidInput(message, [FieldProblem(path="input.data", message=message)])
        params.data = data
        params.start_component_id = _given(self.start_component_id) or None
        params.stop_component_id = _given(self.stop_component_id) or None
        params.log_builds = self.log_builds is not False
        return params


def build_params(inputs: RunInput | None, path: str) -> BuildParams:
    """``BuildParams`` from a ``RunInput`` (``inputValue``, ``inputType``, ``sessionId``).
    Raises InvalidInput naming ``path.tweaks`` when tweaks are given."""
    if inputs is None:
        return BuildParams()
    if inputs.tweaks is not strawberry.UNSET and inputs.tweaks:
        message = "tweaks are not supported by builds; use runFlow"
        raise InvalidInput(message, [FieldProblem(path=f"{path}.tweaks", message=message)])
    return BuildParams(
        input_value=_given(inputs.input_value),
        input_type=(inputs.input_type or InputType.CHAT).value,
        session_id=_given(inputs.session_id) or None,
    )
