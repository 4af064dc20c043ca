"""The contracts the executor honours for control flow (design.md "Order": routers inactivate
branches; loops iterate with a per-run step limit).

- A router returns a :class:`RoutedResult` naming the outputs it did not take (``stopped``).
  Vertices fed only through stopped outputs (or only by vertices so inactivated) do not run;
  they are listed in the router's ``end_vertex`` ``build_data.inactivated_vertices``.
- A loop subclasses :class:`LoopingComponent`. Its body (the vertices downstream of its
  ``loop_outputs``) runs once per item :meth:`LoopingComponent.iterate` yields, with the item
  as the value of those outputs; each body run re-executes every body vertex (nothing cached).
  The values reaching the loop over its feedback edges (target handle with ``name`` and no
  ``fieldName``) are collected, one per iteration, and :meth:`LoopingComponent.finish` turns
  them into the loop's final outputs (``done``). Every iteration and every body vertex counts
  toward the run's step limit (``EngineServices.max_steps``), which ends a runaway loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flowql.engine.components.base import Component, ComponentResult
from flowql.engine.context import ComponentContext


@dataclass
class RoutedResult(ComponentResult):
    """A router's result: ``stopped`` names the outputs whose branches do not run."""

    stopped: frozenset[str] = field(default_factory=frozenset)


class LoopingComponent(Component):
    """Base class of loop components (see the module docstring)."""

    is_loop: ClassVar[bool] = True
    loop_outputs: ClassVar[tuple[str, ...]] = ("item",)

    def iterate(self, ctx: ComponentContext) -> AsyncIterator[Any]:
        """The items, one per body run."""
        raise NotImplementedError

    def finish(self, ctx: ComponentContext, items: list[Any], collected: list[Any]) -> ComponentResult:
        """The loop's outputs once the items are exhausted: ``items`` were iterated, ``collected``
        holds what the feedback edges delivered per iteration (the item itself when the loop
        has no feedback edge)."""
        raise NotImplementedError

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """Loops are driven by the executor; running one directly is a programming error."""
        raise NotImplementedError("a loop component is driven by the executor")
