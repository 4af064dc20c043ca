"""Per-operation DataLoaders of the monitor types: ``Message.flow``, ``Session.flow`` and
``Trace.flow`` (flows by id), ``Trace.spans`` (span trees by trace id), ``Flow.messages`` and
``Flow.sessions`` (a page per flow).

The loaders are made on an operation's first use and kept on its
:class:`~flowql.schema.context.GraphQLContext` with that operation, so they live exactly as long
as one operation (never module-level): listing 50 traces with their spans and flows is a fixed
handful of statements, not one per trace.

This module imports no GraphQL type at load time (``types/flows.py`` and ``types/runs.py``
import it), so :func:`message_flow` builds its ``Flow`` with a local import.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from strawberry.dataloader import DataLoader

from flowql.context import Context
from flowql.resolvers import messages, sessions, traces
from flowql.schema.context import GraphQLContext, Info
from flowql.schema.records import FlowRecord, MessagePageRecord, SessionPageRecord, SpanNodeRecord

if TYPE_CHECKING:
    from flowql.schema.types.flows import Flow

_SLOT = "flowql_monitor_loaders"


@dataclass(frozen=True)
class FlowMessagesKey:
    """One ``Flow.messages`` page: the flow and the field's arguments."""

    flow_id: uuid.UUID
    session_id: str | None
    first: int
    after: str | None


@dataclass(frozen=True)
class FlowSessionsKey:
    """One ``Flow.sessions`` page: the flow and the field's arguments."""

    flow_id: uuid.UUID
    first: int
    after: str | None


class MonitorLoaders:
    """The DataLoaders of one operation (see the module docstring). Without a principal (a
    PUBLIC flow read anonymously) flows load as ``None`` and pages come back empty."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.flows: DataLoader[uuid.UUID, FlowRecord | None] = DataLoader(load_fn=self._flows)
        self.span_trees: DataLoader[uuid.UUID, Sequence[SpanNodeRecord]] = DataLoader(
            load_fn=self._span_trees
        )
        self.flow_messages: DataLoader[FlowMessagesKey, MessagePageRecord] = DataLoader(
            load_fn=self._flow_messages
        )
        self.flow_sessions: DataLoader[FlowSessionsKey, SessionPageRecord] = DataLoader(
            load_fn=self._flow_sessions
        )

    async def _flows(self, keys: list[uuid.UUID]) -> list[FlowRecord | None]:
        if self._ctx.principal is None:
            return [None] * len(keys)
        found = await messages.owned_flows(self._ctx, flow_ids=keys)
        return [found.get(key) for key in keys]

    async def _span_trees(self, keys: list[uuid.UUID]) -> list[Sequence[SpanNodeRecord]]:
        if self._ctx.principal is None:
            return [[] for _ in keys]
        found = await traces.span_trees(self._ctx, trace_ids=keys)
        return [found.get(key, []) for key in keys]

    async def _flow_messages(self, keys: list[FlowMessagesKey]) -> list[MessagePageRecord]:
        if self._ctx.principal is None:
            return [messages.MessagePage([], False) for _ in keys]
        pages: dict[FlowMessagesKey, MessagePageRecord] = {}
        groups: dict[tuple[str | None, int, str | None], list[FlowMessagesKey]] = {}
        for key in keys:
            groups.setdefault((key.session_id, key.first, key.after), []).append(key)
        for (session_id, first, after), group in groups.items():
            found = await messages.messages_pages_for_flows(
                self._ctx,
                flow_ids=[k.flow_id for k in group],
                session_id=session_id,
                first=first,
                after=after,
            )
            pages.update({k: found[k.flow_id] for k in group})
        return [pages[key] for key in keys]

    async def _flow_sessions(self, keys: list[FlowSessionsKey]) -> list[SessionPageRecord]:
        if self._ctx.principal is None:
            return [sessions.SessionPage([], False) for _ in keys]
        pages: dict[FlowSessionsKey, SessionPageRecord] = {}
        groups: dict[tuple[int, str | None], list[FlowSessionsKey]] = {}
        for key in keys:
            groups.setdefault((key.first, key.after), []).append(key)
        for (first, after), group in groups.items():
            found = await sessions.sessions_pages_for_flows(
                self._ctx, flow_ids=[k.flow_id for k in group], first=first, after=after
            )
            pages.update({k: found[k.flow_id] for k in group})
        return [pages[key] for key in keys]


def monitor_loaders(info: Info) -> MonitorLoaders:
    """The loaders of ``info``'s operation, made on its first use and kept on the GraphQL
    context with the operation they belong to: a websocket's context serves many operations,
    and each gets fresh loaders, so no cache outlives the operation that filled it."""
    context: GraphQLContext = info.context
    kept = context.__dict__.get(_SLOT)
    if isinstance(kept, tuple) and kept[0] is info.operation and isinstance(kept[1], MonitorLoaders):
        return kept[1]
    loaders = MonitorLoaders(context.ctx)
    context.__dict__[_SLOT] = (info.operation, loaders)
    return loaders


async def load_flow(info: Info, flow_id: uuid.UUID | None) -> Flow | None:
    """The caller's flow ``flow_id`` as a GraphQL ``Flow`` through the flows loader (None when
    there is no flow id, or the flow is not the caller's)."""
    from flowql.schema.types.flows import Flow

    if flow_id is None:
        return None
    record = await monitor_loaders(info).flows.load(flow_id)
    return Flow.from_record(record) if record is not None else None


class _HasFlowId(Protocol):
    @property
    def flow_id(self) -> str | None: ...


async def message_flow(root: _HasFlowId, info: Info) -> Flow | None:
    """``Message.flow``: the flow a message belongs to (null for a message made outside a stored
    flow of the caller's)."""
    try:
        flow_id = uuid.UUID(root.flow_id) if root.flow_id else None
    except ValueError:
        return None
    return await load_flow(info, flow_id)
