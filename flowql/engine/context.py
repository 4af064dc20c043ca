"""What a running component sees: its fields, its edge inputs, the run and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowql.engine.graph import Vertex
from flowql.engine.results import serialize_message
from flowql.engine.types import ChatMessage, EngineEvent, EngineServices
from flowql.engine.values import to_bool, to_text
from flowql.errors import ComponentError, ComponentFailure


@dataclass(frozen=True)
class SourceInfo:
    """The upstream vertex of a message (Langflow ``properties.source``); ``consumers`` is the
    number of edges leaving it."""

    id: str
    display_name: str
    consumers: int = 1

    def as_properties(self) -> dict[str, Any]:
        """``{"id", "display_name", "source"}``, both names the upstream's display name."""
        return {"id": self.id, "display_name": self.display_name, "source": self.display_name}


NULL_SOURCE: dict[str, Any] = {"id": None, "display_name": None, "source": None}


@dataclass
class ComponentContext:
    """The context of one vertex execution.

    ``inputs`` maps target field → value delivered by edges (a list when several edges feed one
    field). ``upstream`` is the source of the vertex's first incoming edge. ``session_id`` is the
    run's session (the request's, which wins over a component's ``session_id`` field).
    ``consumed_outputs`` names the vertex's outputs that an outgoing edge reads (a component may
    skip the work of an output nobody reads). ``chat_output_source``: when the vertex's one
    outgoing edge goes to a chat output vertex (Chat Output), the output that edge reads (else
    ``None``); that Chat Output stores the message under the id of this vertex's reply, so only
    then does a model stream ``token`` events for that output, as in Langflow, where the Chat
    Output streams. See :meth:`streams`. ``count_step`` counts one step of the run against its
    step limit (see :meth:`step`).
    """

    vertex: Vertex
    inputs: dict[str, Any]
    services: EngineServices
    session_id: str
    flow_id: str
    run_id: str
    upstream: SourceInfo | None = None
    used_fields: set[str] = field(default_factory=set)
    consumed_outputs: frozenset[str] = frozenset()
    chat_output_source: str | None = None
    count_step: Callable[[], None] | None = None

    def step(self) -> None:
        """Count one unit of repeated work (a Batch Run row) against the run's step limit;
        raises ComponentError ``StepLimit`` beyond it."""
        if self.count_step is not None:
            self.count_step()

    def is_fed(self, name: str) -> bool:
        """True when an edge feeds field ``name``."""
        return name in self.inputs

    def field(self, name: str, default: Any = None) -> Any:
        """The value of field ``name``: the edge value when fed, else the template value.

        A template field with ``load_from_db: true`` holds a variable name resolved from
        ``services.variables``. Raises :class:`~flowql.errors.ComponentError` naming the component
        and the variable when it is not set. Absent field → ``default``.
        """
        self.used_fields.add(name)
        if name in self.inputs:
            return self.inputs[name]
        spec = self.vertex.template.get(name)
        if spec is None or "value" not in spec:
            return default
        value = spec["value"]
        if spec.get("load_from_db") and isinstance(value, str) and value:
            return self._variable(name, value)
        return value

    def optional_secret(self, name: str) -> str | None:
        """Field ``name`` as a secret that may be missing: the edge or literal value, or for a
        ``load_from_db`` field its variable's value; ``None`` when empty or the variable is not
        set (the caller falls back, e.g. a model's ``api_key`` to ``OPENAI_API_KEY``)."""
        self.used_fields.add(name)
        if name in self.inputs:
            value = self.inputs[name]
        else:
            spec = self.vertex.template.get(name) or {}
            value = spec.get("value")
            if spec.get("load_from_db") and isinstance(value, str) and value:
                value = self.services.variables.get(value)
        text = to_text(value).strip() if value is not None else ""
        return text or None

    def literal_secret(self, name: str) -> str | None:
        """Field ``name`` only as written in the flow or fed by an edge: a ``load_from_db``
        field (a variable name) gives ``None``, so no server-side secret is resolved."""
        self.used_fields.add(name)
        spec = self.vertex.template.get(name) or {}
        if name not in self.inputs and spec.get("load_from_db"):
            return None
        value = self.inputs[name] if name in self.inputs else spec.get("value")
        text = to_text(value).strip() if value is not None else ""
        return text or None

    def text(self, name: str, default: str = "") -> str:
        """Field ``name`` as text (see :func:`~flowql.engine.values.to_text`)."""
        value = self.field(name)
        return default if value is None else to_text(value)

    def flag(self, name: str, default: bool) -> bool:
        """Field ``name`` as a bool."""
        return to_bool(self.field(name), default)

    def fail(self, message: str, error_type: str) -> ComponentError:
        """The error that fails this vertex (HTTP 422 through the run surfaces):
        ``Error building component '<name>' (<id>): <message>``, typed ``error_type``."""
        vertex = self.vertex
        return ComponentError(
            f"Error building component '{vertex.display_name}' ({vertex.id}): {message}",
            ComponentFailure(vertex.id, vertex.display_name, error_type=error_type),
        )

    def source_properties(self) -> dict[str, Any]:
        """``properties.source`` for a message this vertex makes from its upstream's output."""
        return self.upstream.as_properties() if self.upstream else dict(NULL_SOURCE)

    def output_properties(self, value: Any) -> dict[str, Any]:
        """``properties`` for a message this vertex makes from edge value ``value``: the
        upstream's source, or — when ``value`` is a message that upstream made itself (a model's
        reply, whose ``source`` names the model) — that message's ``source`` and ``usage``."""
        props: dict[str, Any] = {"source": self.source_properties()}
        if isinstance(value, ChatMessage) and self.upstream is not None:
            source = value.properties.get("source")
            if isinstance(source, dict) and source.get("id") == self.upstream.id:
                props["source"] = dict(source)
                if value.properties.get("usage") is not None:
                    props["usage"] = value.properties["usage"]
        return props

    def streams(self, output: str) -> bool:
        """Whether the reply in ``output`` should stream as ``token`` events: ``stream`` is on
        and that output alone feeds a Chat Output."""
        return self.chat_output_source == output and self.flag("stream", False)

    def inherited_id(self, value: Any) -> str | None:
        """The id this vertex's message takes over from edge value ``value``: a message its
        upstream made itself (a model's or agent's reply, whose streamed ``token`` events carry
        that id) when no other vertex reads it; else ``None`` (a fresh id). So a client matches
        the tokens to the stored message, as with Langflow."""
        if not isinstance(value, ChatMessage) or self.upstream is None or self.upstream.consumers != 1:
            return None
        source = value.properties.get("source")
        return value.id if isinstance(source, dict) and source.get("id") == self.upstream.id else None

    def new_message(self, text: str, sender: str, sender_name: str, **extra: Any) -> ChatMessage:
        """A fresh message of this run (new id, now), ``properties`` defaulting to a null source."""
        properties = extra.pop("properties", None) or {"source": dict(NULL_SOURCE)}
        return ChatMessage(
            text=text,
            sender=sender,
            sender_name=sender_name,
            session_id=self.session_id,
            flow_id=self.flow_id,
            run_id=self.run_id,
            properties=properties,
            **extra,
        )

    async def store_message(self, message: ChatMessage) -> ChatMessage:
        """Store ``message`` via ``services.messages.add`` and emit ``add_message`` with the
        stored message (Langflow's ``send_message``). Returns the stored message."""
        stored = await self.services.messages.add(message)
        await self.services.emit(EngineEvent("add_message", serialize_message(stored, include_id=True)))
        return stored

    def _variable(self, field_name: str, variable: str) -> str:
        value = self.services.variables.get(variable)
        if value is None:
            message = (
                f"Component '{self.vertex.display_name}' ({self.vertex.id}): variable '{variable}' "
                f"for field '{field_name}' is not set"
            )
            raise ComponentError(
                message,
                ComponentFailure(
                    component_id=self.vertex.id,
                    display_name=self.vertex.display_name,
                    error_type="MissingVariable",
                    extra={"variable": variable, "field": field_name},
                ),
            )
        return value
