"""The component contract and the registry that maps ``data.type`` to a native class.

A component is a Python class, never the ``code`` field of the flow JSON. To add one::

    from flowql.engine.components import Component, ComponentContext, ComponentResult, registry

    @registry.register("Uppercase")          # one or more ``data.type`` names
    class Uppercase(Component):
        display_name = "Uppercase"           # Langflow's class-level display name
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            return ComponentResult({"text": ctx.text("input_value").upper()})

``registry.unregister("Uppercase")`` removes it again (tests use it to clean up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from flowql.engine.components.spec import FieldSpec, OutputSpec
from flowql.engine.types import ChatMessage, ChildSpan

if TYPE_CHECKING:
    from flowql.engine.context import ComponentContext
    from flowql.engine.graph import Vertex

IOKind = Literal["chat", "text"]


@dataclass
class ComponentResult:
    """What a component produced.

    ``outputs`` maps output name (``data.node.outputs[].name``) → value: a :class:`ChatMessage`
    for Langflow ``Message`` outputs, a ``str``, or JSON-able data (``dict`` for Data).
    ``message`` is the chat message the component made (the stored one when it was stored);
    ``stored`` says whether the message store kept it. A model component names the model it
    called (``model_name``) and its token counts (``token_usage``: ``input_tokens``,
    ``output_tokens``, ``total_tokens``) for the vertex's trace span; ``spans`` lists the model
    and tool calls made inside the vertex (child spans of that span).
    """

    outputs: dict[str, Any]
    message: ChatMessage | None = None
    stored: bool = False
    model_name: str | None = None
    token_usage: dict[str, Any] | None = None
    spans: list[ChildSpan] = field(default_factory=list)


class Component:
    """Base class of native components. Subclasses implement :meth:`run`.

    Class attributes:
    - ``display_name``: Langflow's class-level name, used in ``properties.source`` of messages
      made downstream (falls back to the node's display name when empty).
    - ``input_kind`` / ``output_kind``: ``"chat"`` or ``"text"`` when the component is an input /
      output vertex selected by ``input_type`` / ``output_type`` (Chat/Text Input/Output).
    - ``is_loop``: a loop component, whose feedback edges may close a cycle.
    - Catalog metadata (``GET /api/v1/all``, GraphQL ``componentTypes``; see
      :mod:`flowql.engine.catalog`): ``description``, ``category`` (Langflow's category key, e.g.
      ``"input_output"``), ``icon``, ``documentation``, ``legacy``, ``field_specs`` and
      ``output_specs`` (:mod:`flowql.engine.components.spec`). All optional: a class without them
      is listed under ``custom_component`` with its type and display name.
    """

    display_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    category: ClassVar[str] = "custom_component"
    icon: ClassVar[str] = ""
    documentation: ClassVar[str] = ""
    legacy: ClassVar[bool] = False
    field_specs: ClassVar[tuple[FieldSpec, ...]] = ()
    output_specs: ClassVar[tuple[OutputSpec, ...]] = ()
    input_kind: ClassVar[IOKind | None] = None
    output_kind: ClassVar[IOKind | None] = None
    is_loop: ClassVar[bool] = False

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Build the vertex's outputs. Raise any exception to fail the run (it becomes a
        :class:`~flowql.errors.ComponentError` naming the vertex)."""
        raise NotImplementedError

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """Validate the vertex's fields (tweaks applied) before any vertex of the run starts, so a
        bad value fails the run with nothing stored. Raise InvalidInput naming the vertex and
        field. Default: nothing to check."""

    @classmethod
    def extra_tweak_fields(cls, template: Mapping[str, Any], tweak: Mapping[str, Any]) -> set[str]:
        """Field names a tweak may set although the template lacks them (default: none).

        ``template`` is the vertex's template, ``tweak`` the merged tweak for that vertex. The
        Prompt overrides this: a ``template`` tweak introduces new variables.
        """
        return set()


C = TypeVar("C", bound=type[Component])


class ComponentRegistry:
    """Maps ``data.type`` names to component classes. Extend it with :meth:`register`."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Component]] = {}

    def register(self, *type_names: str) -> Callable[[C], C]:
        """Class decorator registering the class under each of ``type_names`` (at least one).

        A later registration of the same name replaces the earlier one.
        """
        if not type_names:
            raise ValueError("register() needs at least one data.type name")

        def decorate(cls: C) -> C:
            for name in type_names:
                self._classes[name] = cls
            return cls

        return decorate

    def unregister(self, *type_names: str) -> None:
        """Remove the given names (missing names are ignored)."""
        for name in type_names:
            self._classes.pop(name, None)

    def get(self, type_name: str | None) -> type[Component] | None:
        """The class for ``type_name``, or ``None`` when it is not supported."""
        return self._classes.get(type_name) if type_name is not None else None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def items(self) -> list[tuple[str, type[Component]]]:
        """``(data.type, class)`` pairs, sorted by type name (a class registered under several
        names appears once per name)."""
        return sorted(self._classes.items())


registry = ComponentRegistry()
"""The process-wide registry the built-in components register into."""
