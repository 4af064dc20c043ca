"""Langflow's ``MemoryBase`` ("Memory Base"): recall of earlier conversations, usually as the
agent tool ``retrieve_memory(search_query)``.

Langflow searches a vector store (a "Memory Base" attached to the flow). FlowQL has no Memory
Bases: it searches the flow owner's stored chat messages of this flow (the run's
``MessageStore``, already scoped to owner and flow) by keyword and recency. So ``memory_base``
must be empty (``null`` / ``""``: "this flow's messages"); any other name fails the run before
anything runs (InvalidInput naming ``<vertex id>.memory_base``, a 422).

Retrieval (:meth:`MemoryBaseComponent.retrieve`):

- ``search_query`` is split into lower-case word terms (:func:`search_terms`: stop words and
  one-character words dropped, at most :data:`MAX_TERMS`);
- the store returns up to :data:`CANDIDATE_LIMIT` candidates, newest first: messages containing
  any term, of the run's session while ``filter_by_session`` is on (all sessions when off), never
  those of the current run (so the question just asked is not "remembered");
- :func:`rank_memories` scores each by the number of distinct terms its text contains
  (case-insensitive), ties newest first, and keeps ``top_k`` (clamped to 1..:data:`MAX_TOP_K`;
  not an integer → :data:`DEFAULT_TOP_K`). An empty query gives the most recent ``top_k``.

The tool's text (:func:`format_memories`): with ``include_metadata`` a JSON list of ``{"text",
"sender", "sender_name", "session_id", "timestamp"}`` (timestamps ``"YYYY-MM-DD
HH:MM:SS.ffffff UTC"``), else the texts joined by blank lines; :data:`NO_MATCH_TEXT` when nothing
matched. A node not in tool mode outputs the same rows as ``retrieve_data`` (Langflow's output
name; a list of row dicts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tool_mode import ToolModeComponent
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.results import format_timestamp
from flowql.engine.types import ChatMessage
from flowql.errors import FieldProblem, InvalidInput

DEFAULT_TOP_K = 5
MAX_TOP_K = 50
#: At most this many candidate messages are read from the store per retrieval.
CANDIDATE_LIMIT = 500
#: At most this many query terms are searched for (the first ones of the query).
MAX_TERMS = 16
#: The tool's answer when no stored message matched.
NO_MATCH_TEXT = "No matching memories."
#: Langflow's output name for a node not in tool mode.
RESULTS_OUTPUT = "retrieve_data"

_WORD = re.compile(r"\w+")
#: Words too common to say anything about which memory is meant.
STOP_WORDS = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being
    between both but by can could did do does doing done down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours out over own same
    she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself
    tell remember recall
    """.split()
)


def search_terms(query: str) -> list[str]:
    """The distinct lower-case word terms of ``query``, in order, at most
    :data:`MAX_TERMS`: words of one character and :data:`STOP_WORDS` are dropped — unless that
    drops every word, then all words are kept. ``""`` (or no word at all) → ``[]``."""
    words = list(dict.fromkeys(_WORD.findall(query.lower())))
    kept = [w for w in words if len(w) > 1 and w not in STOP_WORDS]
    return (kept or words)[:MAX_TERMS]


def clamp_top_k(value: Any) -> int:
    """``top_k`` as an int in ``1..MAX_TOP_K``: an int, an integral float or an integer text;
    anything else (``None``, ``""``, a bool, ``"five"``, ``2.5``) → :data:`DEFAULT_TOP_K`."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None:
        return DEFAULT_TOP_K
    return min(max(number, 1), MAX_TOP_K)


def session_filter_enabled(value: Any) -> bool:
    """``filter_by_session`` as Langflow reads it, failing closed: ``None`` (absent) → on; a
    text is off only when it is ``""``, ``"0"``, ``"false"``, ``"no"`` or ``"off"``."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() not in {"", "0", "false", "no", "off"}
    return bool(value)


def rank_memories(messages: Sequence[ChatMessage], terms: Sequence[str], top_k: int) -> list[ChatMessage]:
    """The best ``top_k`` of ``messages`` for ``terms``: messages with blank text are skipped;
    with terms, a message's score is how many distinct terms its lower-cased text contains (as
    SQL ``lower() LIKE`` / ``ILIKE`` compare), score 0 is dropped, higher scores first and ties
    newest first; without terms, the ``top_k`` newest."""
    candidates = sorted((m for m in messages if m.text.strip()), key=lambda m: m.timestamp, reverse=True)
    if not terms:
        return candidates[:top_k]
    unique = list(dict.fromkeys(t.lower() for t in terms if t))
    scored = [(sum(t in m.text.lower() for t in unique), m) for m in candidates]
    matched = [(score, m) for score, m in scored if score > 0]
    matched.sort(key=lambda pair: pair[0], reverse=True)  # stable: newest first within a score
    return [m for _, m in matched[:top_k]]


def memory_row(message: ChatMessage, *, include_metadata: bool) -> dict[str, Any]:
    """One result row: ``{"text"}``, plus ``sender``, ``sender_name``, ``session_id`` and
    ``timestamp`` (``"YYYY-MM-DD HH:MM:SS.ffffff UTC"``) with ``include_metadata``."""
    if not include_metadata:
        return {"text": message.text}
    return {
        "text": message.text,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "session_id": message.session_id,
        "timestamp": format_timestamp(message.timestamp),
    }


def format_memories(messages: Sequence[ChatMessage], *, include_metadata: bool) -> str:
    """The tool's text: :data:`NO_MATCH_TEXT` for none; with ``include_metadata`` the JSON list
    of :func:`memory_row` rows; else the texts joined by blank lines."""
    if not messages:
        return NO_MATCH_TEXT
    if include_metadata:
        rows = [memory_row(m, include_metadata=True) for m in messages]
        return json.dumps(rows, ensure_ascii=False)
    return "\n\n".join(m.text for m in messages)


def _memory_base_problem(vertex: Vertex, value: Any) -> InvalidInput:
    message = (
        f"memory base {value!r} does not exist: FlowQL has no Memory Bases; leave memory_base "
        "empty to search this flow's stored messages"
    )
    return InvalidInput(
        f"Component '{vertex.display_name}' ({vertex.id}): {message}",
        [FieldProblem(f"{vertex.id}.memory_base", message)],
    )


@registry.register("MemoryBase")
class MemoryBaseComponent(ToolModeComponent):
    """Langflow's "Memory Base" (``lfx`` ``MemoryBaseComponent``): ``memory_base``,
    ``search_query`` (the tool argument), ``top_k``, ``include_metadata``,
    ``filter_by_session``; tool ``retrieve_memory``, output ``retrieve_data`` when not in tool
    mode. See the module docstring."""

    display_name = "Memory Base"
    description = (
        "Retrieve long-term memory from a Memory Base attached to this workflow. "
        "When 'Filter by Session' is off, queries run across all sessions."
    )
    category = "files_and_knowledge"
    icon = "brain"
    field_specs = (
        FieldSpec(
            "memory_base",
            "Memory Base",
            input_type="DropdownInput",
            info="Empty: this flow's stored chat messages (FlowQL has no other Memory Bases).",
            default=None,
            options=(),
        ),
        FieldSpec(
            "search_query",
            "Search Query",
            info="Query used for keyword retrieval against the stored messages.",
            input_types=("Message",),
        ),
        FieldSpec(
            "top_k",
            "Top K Results",
            type="int",
            input_type="IntInput",
            info=f"Number of top results to return (1-{MAX_TOP_K}).",
            default=DEFAULT_TOP_K,
            advanced=True,
        ),
        bool_field(
            "include_metadata",
            "Include Metadata",
            "Include session_id, sender, sender_name and timestamp on each row.",
            default=True,
        ),
        bool_field(
            "filter_by_session",
            "Filter by Session",
            "If enabled, only memories from the current session will be retrieved. "
            "Disable to allow retrieval across every session of this flow.",
            default=True,
        ),
    )
    output_specs = (OutputSpec(RESULTS_OUTPUT, "Results", types=("Table",), method="retrieve_memory"),)
    tool_name = "retrieve_memory"
    tool_description = (
        "Returns matching memory chunks. Scoped to the current session by default; "
        "turn 'Filter by Session' off to retrieve across sessions."
    )
    tool_args = {
        "search_query": {
            "default": "",
            "description": "Query used for semantic retrieval against the memory base.",
            "title": "Search Query",
            "type": "string",
        }
    }

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """``tools_metadata`` well formed (tool mode) and ``memory_base`` empty; otherwise
        InvalidInput naming ``<vertex id>.memory_base`` (or ``.tools_metadata``)."""
        super().check(vertex)
        value = (vertex.template.get("memory_base") or {}).get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        raise _memory_base_problem(vertex, value)

    async def retrieve(self, ctx: ComponentContext) -> list[ChatMessage]:
        """The ranked memories for the vertex's fields (see the module docstring)."""
        terms = search_terms(ctx.text("search_query"))
        top_k = clamp_top_k(ctx.field("top_k", DEFAULT_TOP_K))
        session = ctx.session_id if session_filter_enabled(ctx.field("filter_by_session")) else None
        candidates = await ctx.services.messages.search(
            terms, session_id=session, exclude_run_id=ctx.run_id or None, limit=CANDIDATE_LIMIT
        )
        return rank_memories(candidates, terms, top_k)

    async def call_tool(self, ctx: ComponentContext) -> str:
        """``retrieve_memory``: the matches as text (:func:`format_memories`)."""
        memories = await self.retrieve(ctx)
        return format_memories(memories, include_metadata=ctx.flag("include_metadata", True))

    async def run_outputs(self, ctx: ComponentContext) -> ComponentResult:
        """Not in tool mode: ``{"retrieve_data": [row, ...]}`` (:func:`memory_row` rows)."""
        include_metadata = ctx.flag("include_metadata", True)
        rows = [memory_row(m, include_metadata=include_metadata) for m in await self.retrieve(ctx)]
        return ComponentResult({RESULTS_OUTPUT: rows})
