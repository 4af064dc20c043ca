"""The data and control-flow components stay bounded: an If-Else regex is matched off the event
loop within a time budget, and every limit of :class:`~flowql.engine.types.DataAccess` ends the
vertex with a component error naming it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowql.engine import EngineServices, RunRequest, run_flow
from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from flowql.engine.components.sql import SQLProblem, run_query
from flowql.engine.types import DataAccess
from flowql.errors import ComponentError
from tests.unit._engine_helpers import EventLog, RecordingStore, chat_in, chat_out, edge, node

TICKS: list[int] = []


class Ticker(Component):
    """Yields to the event loop 20 times, recording each turn it got."""

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        for n in range(20):
            TICKS.append(n)
            await asyncio.sleep(0)
        return ComponentResult({"ticks": str(len(TICKS))})


@pytest.fixture(autouse=True)
def custom_types() -> Iterator[None]:
    registry.register("Ticker")(Ticker)
    TICKS.clear()
    yield
    registry.unregister("Ticker")


def _services(data: DataAccess) -> tuple[EngineServices, RecordingStore, EventLog]:
    store, log = RecordingStore(), EventLog()
    return EngineServices(messages=store, emit=log, data=data), store, log


def _regex_flow(pattern: str) -> dict[str, object]:
    """Chat Input → If-Else(regex ``pattern``) → Chat Output; Chat Input → Ticker (same layer)."""
    return {
        "nodes": [
            chat_in("ChatInput-1", ""),
            node("Ticker-1", "Ticker", {"x": ""}, ["ticks"], "Ticker"),
            node(
                "If-1",
                "ConditionalRouter",
                {"input_text": "", "operator": "regex", "match_text": pattern, "case_sensitive": True},
                ["true_result", "false_result"],
                "If-Else",
            ),
            chat_out("ChatOutput-T"),
        ],
        "edges": [
            edge("ChatInput-1", "message", "Ticker-1", "x"),
            edge("ChatInput-1", "message", "If-1", "input_text"),
            edge("If-1", "true_result", "ChatOutput-T", "input_value"),
        ],
    }


async def test_a_backtracking_regex_times_out_off_the_event_loop_naming_the_vertex() -> None:
    svc, store, log = _services(DataAccess(regex_timeout_seconds=0.5))
    request = RunRequest(flow_id="f", session_id="s", input_value="a" * 60 + "!")
    with pytest.raises(ComponentError) as caught:
        await run_flow(_regex_flow("^(a|aa)+$"), request, svc)
    assert caught.value.failure.component_id == "If-1"
    assert caught.value.failure.error_type == "RegexTimeout"
    assert "If-Else" in caught.value.message and "0.5 seconds" in caught.value.message
    # the event loop kept turning while the regex ran: the ticker in the same layer finished
    assert TICKS == list(range(20))
    assert log.names[-2:] == ["error", "end"]
    assert [m.text for m in store.messages] == ["a" * 60 + "!"]


async def test_a_regex_within_its_budget_still_routes() -> None:
    svc, _store, _log = _services(DataAccess(regex_timeout_seconds=5))
    request = RunRequest(flow_id="f", session_id="s", input_value="ticket 42")
    outcome = await run_flow(_regex_flow(r"\d+$"), request, svc)
    assert [(o.component_id, o.text) for o in outcome.outputs] == [("ChatOutput-T", "ticket 42")]


def _pricing_db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "pricing.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE plans (name TEXT, monthly_usd INTEGER)")
        conn.executemany("INSERT INTO plans VALUES (?, ?)", [("Basic", 10), ("Pro", 30)])
    conn.close()
    return path, f"sqlite:///{path}"


@pytest.mark.parametrize(
    "query",
    [
        "PRAGMA journal_mode=WAL",
        "PRAGMA query_only=0",
        "PRAGMA writable_schema=1",
        "PRAGMA database_list",
        "pragma main.journal_mode = 'wal'",
        "ATTACH DATABASE 'other.db' AS other",
        "VACUUM",
    ],
)
def test_read_only_sql_refuses_pragmas_that_write_or_show_paths(query: str, tmp_path: Path) -> None:
    path, url = _pricing_db(tmp_path)
    before = path.read_bytes()
    with pytest.raises(SQLProblem) as caught:
        run_query(url, query, allow_writes=False)
    assert "only" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pricing.db"]


def test_read_only_sql_still_reads_the_schema(tmp_path: Path) -> None:
    _path, url = _pricing_db(tmp_path)
    columns, rows = run_query(url, "PRAGMA table_info(plans)", allow_writes=False)
    assert "name" in columns
    assert [row[1] for row in rows] == ["name", "monthly_usd"]


def test_read_only_sql_opens_the_file_read_only(tmp_path: Path) -> None:
    """A write hidden behind WITH is refused by the database itself; the file is unchanged."""
    path, url = _pricing_db(tmp_path)
    before = path.read_bytes()
    with pytest.raises(SQLProblem) as caught:
        run_query(url, "WITH x AS (SELECT 1) DELETE FROM plans", allow_writes=False)
    assert "readonly" in str(caught.value).lower() or "read-only" in str(caught.value).lower()
    assert path.read_bytes() == before
    assert run_query(url, "SELECT count(*) FROM plans", allow_writes=False)[1] == [[2]]


ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"


def test_a_query_over_its_time_budget_is_interrupted(tmp_path: Path) -> None:
    _path, url = _pricing_db(tmp_path)
    with pytest.raises(SQLProblem) as caught:
        run_query(url, ENDLESS, allow_writes=False, timeout=0.3)
    assert caught.value.error_type == "SQLTimeout"
    assert str(caught.value) == "the query took longer than 0.3 seconds"


def test_a_cancelled_query_stops_its_thread(tmp_path: Path) -> None:
    _path, url = _pricing_db(tmp_path)
    cancel = threading.Event()
    failures: list[SQLProblem] = []

    def worker() -> None:
        try:
            run_query(url, ENDLESS, allow_writes=False, timeout=3600, cancel=cancel)
        except SQLProblem as exc:
            failures.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    cancel.set()
    thread.join(60)
    assert not thread.is_alive()
    assert [f.error_type for f in failures] == ["Cancelled"]


def _sql_flow(url: str, query: str) -> dict[str, object]:
    return {
        "nodes": [
            node("SQL-1", "SQLComponent", {"database_url": url, "query": query}, ["run_sql_query"], "SQL"),
            chat_out("ChatOutput-1"),
        ],
        "edges": [edge("SQL-1", "run_sql_query", "ChatOutput-1", "input_value")],
    }


async def test_sql_timeout_fails_the_vertex_naming_it(tmp_path: Path) -> None:
    _path, url = _pricing_db(tmp_path)
    svc, _store, log = _services(DataAccess(sql_allowed_urls=frozenset({url}), sql_timeout_seconds=0.3))
    with pytest.raises(ComponentError) as caught:
        await run_flow(_sql_flow(url, ENDLESS), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.component_id == "SQL-1"
    assert caught.value.failure.error_type == "SQLTimeout"
    assert "(SQL-1)" in caught.value.message and "0.3 seconds" in caught.value.message
    assert log.names[-2:] == ["error", "end"]
