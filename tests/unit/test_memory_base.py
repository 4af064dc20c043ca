"""The ``MemoryBase`` component (``retrieve_memory``): query terms, ``top_k`` clamping, ranking and
the tool's text with a fake store; the ``memory_base`` check; the DB store's ``search`` on SQLite
(scoping, run exclusion, LIKE wildcards) and its statement on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from flowql.context import Context
from flowql.engine import EngineServices, RunRequest, run_flow
from flowql.engine.components.memory import (
    CANDIDATE_LIMIT,
    DEFAULT_TOP_K,
    MAX_TERMS,
    MAX_TOP_K,
    NO_MATCH_TEXT,
    MemoryBaseComponent,
    clamp_top_k,
    rank_memories,
    search_terms,
    session_filter_enabled,
)
from flowql.engine.context import ComponentContext
from flowql.engine.graph import parse_flow
from flowql.engine.types import ChatMessage
from flowql.errors import InvalidInput
from flowql.resolvers import flows
from flowql.resolvers.message_store import DbMessageStore, escape_like
from tests.conftest import TestUser
from tests.flowbuilder import flow, node

MB = "MemoryBase-1"
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _msg(
    text: str, minute: int, *, session: str = "s1", run: str = "old", sender: str = "User"
) -> ChatMessage:
    return ChatMessage(
        text=text,
        sender=sender,
        sender_name="AI" if sender == "Machine" else "User",
        session_id=session,
        flow_id="f",
        run_id=run,
        timestamp=T0 + timedelta(minutes=minute),
    )


@dataclass
class SearchCall:
    terms: list[str]
    session_id: str | None
    exclude_run_id: str | None
    limit: int


class FakeStore:
    """A MessageStore whose ``search`` follows the protocol over an in-memory list."""

    def __init__(self, messages: list[ChatMessage]) -> None:
        self.messages = messages
        self.calls: list[SearchCall] = []

    async def add(self, message: ChatMessage) -> ChatMessage:
        self.messages.append(message)
        return message

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]:
        return [m for m in self.messages if m.session_id == session_id][-limit:]

    async def search(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> list[ChatMessage]:
        self.calls.append(SearchCall(list(terms), session_id, exclude_run_id, limit))
        found = [
            m
            for m in self.messages
            if (session_id is None or m.session_id == session_id)
            and m.run_id != exclude_run_id
            and (not terms or any(t.lower() in m.text.lower() for t in terms))
        ]
        return sorted(found, key=lambda m: m.timestamp, reverse=True)[:limit]


def _memory_node(*, tool_mode: bool = True, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "memory_base": None,
        "search_query": "",
        "top_k": 5,
        "include_metadata": True,
        "filter_by_session": True,
        **fields,
    }
    made = node(
        MB, "MemoryBase", values, ["component_as_tool" if tool_mode else "retrieve_data"], "Memory Base"
    )
    if tool_mode:
        made["data"]["node"]["outputs"][0]["types"] = ["Tool"]
    return made


def _ctx(store: FakeStore, **fields: Any) -> ComponentContext:
    graph = parse_flow(flow("m", [_memory_node(**fields)], [])["data"])
    return ComponentContext(
        vertex=graph.vertices[MB],
        inputs={},
        services=EngineServices(messages=store),
        session_id="s1",
        flow_id="f",
        run_id="now",
    )


async def _call(store: FakeStore, query: str | None, **fields: Any) -> str:
    ctx = _ctx(store, **fields)
    [tool] = MemoryBaseComponent().toolkit(ctx)
    assert tool.name == "retrieve_memory"
    return await tool.run({} if query is None else {"search_query": query})


# --- pure helpers -------------------------------------------------------------------------------


def test_search_terms_drop_stop_words_and_short_words() -> None:
    assert search_terms("What is my favourite colour?") == ["favourite", "colour"]
    assert search_terms("TEAL teal Teal, a b") == ["teal"]
    assert search_terms("the") == ["the"]  # nothing but stop words: keep them
    assert search_terms("") == []
    assert search_terms("  ?! ") == []
    assert search_terms("Grüße aus KÖLN") == ["grüße", "aus", "köln"]
    many = " ".join(f"word{i}" for i in range(MAX_TERMS + 5))
    assert search_terms(many) == [f"word{i}" for i in range(MAX_TERMS)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_TOP_K),
        ("", DEFAULT_TOP_K),
        ("five", DEFAULT_TOP_K),
        (True, DEFAULT_TOP_K),
        (2.5, DEFAULT_TOP_K),
        ([3], DEFAULT_TOP_K),
        (3, 3),
        (" 7 ", 7),
        (4.0, 4),
        (0, 1),
        (-3, 1),
        (51, MAX_TOP_K),
        (10_000, 50),
    ],
)
def test_top_k_is_clamped(value: Any, expected: int) -> None:
    assert clamp_top_k(value) == expected


def test_session_filter_fails_closed() -> None:
    assert session_filter_enabled(None) is True
    assert session_filter_enabled(True) is True
    assert session_filter_enabled("maybe") is True
    assert session_filter_enabled(False) is False
    assert session_filter_enabled("false") is False
    assert session_filter_enabled(" OFF ") is False
    assert session_filter_enabled(0) is False


def test_rank_by_distinct_terms_then_newest() -> None:
    one_old = _msg("my colour is teal", 1)
    two_old = _msg("favourite colour: teal", 2)
    one_new = _msg("Colour blind", 3)
    two_new = _msg("COLOUR and FAVOURITE, favourite again", 4)
    none = _msg("unrelated", 5)
    blank = _msg("   ", 6)
    newest_first = [blank, none, two_new, one_new, two_old, one_old]
    ranked = rank_memories(newest_first, ["favourite", "colour"], 10)
    assert [m.text for m in ranked] == [two_new.text, two_old.text, one_new.text, one_old.text]
    assert [m.text for m in rank_memories(newest_first, ["favourite", "colour"], 3)] == [
        two_new.text,
        two_old.text,
        one_new.text,
    ]
    # no terms: the newest top_k (blank texts skipped), whatever order the input had
    assert [m.text for m in rank_memories(list(reversed(newest_first)), [], 2)] == ["unrelated", two_new.text]


# --- the tool over a fake store -----------------------------------------------------------------


async def test_tool_returns_ranked_json_rows_and_asks_the_store_for_candidates() -> None:
    store = FakeStore(
        [
            _msg("My favourite colour is teal", 1),
            _msg("Teal is a nice colour", 2, sender="Machine"),
            _msg("favourite food is pizza", 3),
            _msg("What is my favourite colour?", 4, run="now"),  # the current run's own question
            _msg("favourite colour in s2 is red", 5, session="s2"),
        ]
    )
    rows = json.loads(await _call(store, "What is my favourite colour?"))
    assert [r["text"] for r in rows] == [
        "My favourite colour is teal",  # both terms
        "favourite food is pizza",  # one term, newer
        "Teal is a nice colour",  # one term, older
    ]
    assert rows[0] == {
        "text": "My favourite colour is teal",
        "sender": "User",
        "sender_name": "User",
        "session_id": "s1",
        "timestamp": "2025-01-01 12:01:00.000000 UTC",
    }
    assert rows[2]["sender"] == "Machine"
    assert store.calls == [SearchCall(["favourite", "colour"], "s1", "now", CANDIDATE_LIMIT)]


async def test_tool_without_session_filter_top_k_and_plain_text() -> None:
    store = FakeStore(
        [
            _msg("favourite colour is teal", 1),
            _msg("favourite colour in s2 is red", 5, session="s2"),
            _msg("colour only", 6, session="s3"),
        ]
    )
    text = await _call(store, "favourite colour", filter_by_session=False, include_metadata=False, top_k="2")
    assert text == "favourite colour in s2 is red\n\nfavourite colour is teal"
    assert store.calls[-1].session_id is None
    assert await _call(
        store, "favourite colour", filter_by_session="false", top_k=0, include_metadata=False
    ) == ("favourite colour in s2 is red")


async def test_tool_empty_query_gives_most_recent_and_no_match_text() -> None:
    store = FakeStore([_msg(f"note {i}", i) for i in range(8)])
    rows = json.loads(await _call(store, None, top_k=3))
    assert [r["text"] for r in rows] == ["note 7", "note 6", "note 5"]
    assert store.calls[-1].terms == []
    assert await _call(store, "zebra") == NO_MATCH_TEXT
    assert await _call(FakeStore([]), "") == NO_MATCH_TEXT


async def test_not_in_tool_mode_outputs_retrieve_data_rows() -> None:
    store = FakeStore([_msg("teal is my colour", 1), _msg("red", 2)])
    data = flow("m", [_memory_node(tool_mode=False, search_query="colour", include_metadata=False)], [])[
        "data"
    ]
    outcome = await run_flow(
        data,
        RunRequest(flow_id="f", session_id="s1", output_component=MB),
        EngineServices(messages=store),
    )
    [out] = outcome.outputs
    assert out.results == {"retrieve_data": [{"text": "teal is my colour"}]}
    assert store.calls[-1].exclude_run_id == outcome.run_id


@pytest.mark.parametrize("value", [None, "", "   "])
async def test_empty_memory_base_passes_the_check(value: Any) -> None:
    graph = parse_flow(flow("m", [_memory_node(memory_base=value)], [])["data"])
    MemoryBaseComponent.check(graph.vertices[MB])


@pytest.mark.parametrize("value", ["other", "test MB", ["x"]])
async def test_other_memory_base_is_invalid_before_anything_runs(value: Any) -> None:
    store = FakeStore([])
    data = flow("m", [_memory_node(memory_base=value)], [])["data"]
    with pytest.raises(InvalidInput) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s1"), EngineServices(messages=store))
    assert [p.path for p in info.value.fields] == [f"{MB}.memory_base"]
    assert MB in str(info.value)
    assert store.calls == []


# --- the DB store ---------------------------------------------------------------------------------

CtxFor = Callable[[TestUser], Context]


async def test_db_search_is_scoped_and_escapes_wildcards(
    alice: TestUser, bob: TestUser, ctx_for: CtxFor
) -> None:
    fa = await flows.create_flow(ctx_for(alice), values={"name": "a"})
    fa2 = await flows.create_flow(ctx_for(alice), values={"name": "a2"})
    fb = await flows.create_flow(ctx_for(bob), values={"name": "b"})
    store = DbMessageStore(ctx_for(alice).sessions, user_id=alice.id, flow_id=fa.id)
    other_flow = DbMessageStore(ctx_for(alice).sessions, user_id=alice.id, flow_id=fa2.id)
    bobs = DbMessageStore(ctx_for(bob).sessions, user_id=bob.id, flow_id=fb.id)

    def m(text: str, minute: int, session: str = "s1", run: str = "r1", flow_id: str = "") -> ChatMessage:
        return ChatMessage(
            text, "User", "User", session, flow_id, run, timestamp=T0 + timedelta(minutes=minute)
        )

    await store.add(m("My favourite COLOUR is teal", 1))
    await store.add(m("foo_bar exact", 2))
    await store.add(m("fooXbar is not foo underscore bar", 3))
    await store.add(m("100% sure", 4))
    await store.add(m("1000 sure", 5))
    await store.add(m("teal in another session", 6, session="s2"))
    await store.add(m("teal asked just now", 7, run="current"))
    await other_flow.add(m("teal in alice's other flow", 8))
    await bobs.add(m("teal of bob, same session", 9))

    async def texts(terms: list[str], session: str | None = "s1", limit: int = 50) -> list[str]:
        found = await store.search(terms, session_id=session, exclude_run_id="current", limit=limit)
        return [x.text for x in found]

    assert await texts(["teal"]) == ["My favourite COLOUR is teal"]
    assert await texts(["teal"], session=None) == ["teal in another session", "My favourite COLOUR is teal"]
    assert await texts(["colour", "sure"]) == ["1000 sure", "100% sure", "My favourite COLOUR is teal"]
    assert await texts(["foo_bar"]) == ["foo_bar exact"]
    assert await texts(["100%"]) == ["100% sure"]
    assert await texts([], limit=2) == ["1000 sure", "100% sure"]
    found = await store.search(["teal"], session_id=None, exclude_run_id=None, limit=50)
    assert found[0].text == "teal asked just now"
    assert all(x.flow_id == str(fa.id) for x in found)


async def test_db_search_keeps_messages_without_run_id(alice: TestUser, ctx_for: CtxFor) -> None:
    fa = await flows.create_flow(ctx_for(alice), values={"name": "a"})
    store = DbMessageStore(ctx_for(alice).sessions, user_id=alice.id, flow_id=fa.id)
    await store.add(ChatMessage("teal without run", "User", "User", "s1", "", ""))
    found = await store.search(["teal"], session_id="s1", exclude_run_id="current", limit=5)
    assert [x.text for x in found] == ["teal without run"]


def test_search_statement_on_postgresql_uses_ilike_with_escape() -> None:
    store = DbMessageStore(None, user_id=uuid.uuid4(), flow_id=uuid.uuid4())  # type: ignore[arg-type]
    statement = store.search_statement(["a_b", "50%"], session_id=None, exclude_run_id="r", limit=500)
    compiled = statement.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert sql.count("ILIKE") == 2
    assert "ESCAPE '!'" in sql
    assert "session_id" not in sql.split("WHERE")[1]
    assert sorted(v for k, v in compiled.params.items() if k.startswith("text")) == ["%50!%%", "%a!_b%"]
    assert escape_like("x!y") == "x!!y"
