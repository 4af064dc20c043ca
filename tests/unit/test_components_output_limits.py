"""The per-output cap (``DataAccess.max_output_chars``): Parser and Prompt stop before building
an over-long text, the executor refuses any over-long result, the SQL component stops reading
rows past it; PDF children are capped in memory and in number; Save to File's append merges as
Langflow's does."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from flowql.engine import EngineServices, RunRequest, pdf_child, run_flow
from flowql.engine.components.parser import fill_rows
from flowql.engine.components.prompt import fill_template
from flowql.engine.components.save_formats import appender, render
from flowql.engine.components.sql import SQLProblem, run_query
from flowql.engine.limits import OutputTooLarge, output_chars
from flowql.engine.types import ChatMessage, DataAccess, StoredFile
from flowql.errors import ComponentError
from tests.pdf_maker import make_pdf
from tests.unit._engine_helpers import EventLog, RecordingStore, chat_out, edge, node
from tests.unit.test_components_data import VALUE, FakeFiles, custom_types  # noqa: F401 - Value type


def _services(
    data: DataAccess, files: FakeFiles | None = None
) -> tuple[EngineServices, RecordingStore, EventLog]:
    store, log = RecordingStore(), EventLog()
    return EngineServices(messages=store, emit=log, files=files or FakeFiles({}), data=data), store, log


def _through(kind: str, fields: dict[str, Any], output: str, field_name: str) -> dict[str, Any]:
    return {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node("C-1", kind, fields, [output], kind),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Value-1", "value", "C-1", field_name),
            edge("C-1", output, "ChatOutput-1", "input_value"),
        ],
    }


async def _fails(flow: dict[str, Any], svc: EngineServices) -> ComponentError:
    with pytest.raises(ComponentError) as caught:
        await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    return caught.value


async def test_parser_amplification_fails_the_vertex_before_building_the_text() -> None:
    VALUE["v"] = [{"text": "x" * 100}, {"text": "y" * 100}]
    svc, store, log = _services(DataAccess(max_output_chars=1000))
    error = await _fails(
        _through("parser", {"pattern": "{text}" * 20, "sep": "\n"}, "parsed_text", "input_data"), svc
    )
    assert error.failure.component_id == "C-1" and error.failure.error_type == "OutputTooLarge"
    assert "longer than 1000 characters" in error.message and "(C-1)" in error.message
    assert store.messages == [] and log.names[-2:] == ["error", "end"]
    # within the cap the same flow runs
    svc, _store, _log = _services(DataAccess(max_output_chars=10_000))
    outcome = await run_flow(
        _through("parser", {"pattern": "{text}" * 20, "sep": "\n"}, "parsed_text", "input_data"),
        RunRequest(flow_id="f", session_id="s"),
        svc,
    )
    assert outcome.outputs[0].text == "x" * 2000 + "\n" + "y" * 2000


def test_fill_rows_stops_at_the_limit() -> None:
    with pytest.raises(OutputTooLarge):
        fill_rows("{a}{a}", [{"a": "abc"}] * 10, "|", 20)
    assert fill_rows("{a}{a}", [{"a": "abc"}] * 3, "|", 20) == "abcabc|abcabc|abcabc"


async def test_prompt_amplification_fails_the_vertex() -> None:
    VALUE["v"] = "z" * 50
    svc, _store, _log = _services(DataAccess(max_output_chars=500))
    error = await _fails(_through("Prompt", {"template": "{x}" * 20, "x": ""}, "prompt", "x"), svc)
    assert error.failure.component_id == "C-1" and error.failure.error_type == "OutputTooLarge"
    assert "longer than 500 characters" in error.message
    with pytest.raises(OutputTooLarge):
        fill_template("{{x}}" * 5, {"x": "ab"}, double_brackets=True, limit=9)
    assert fill_template("<{{x}}>{{y}}", {"x": "ab"}, double_brackets=True, limit=9) == "<ab>"


async def test_any_result_over_the_cap_fails_its_vertex() -> None:
    VALUE["v"] = [{"k": "v" * 60}, {"k": "w" * 60}]
    svc, _store, log = _services(DataAccess(max_output_chars=100))
    flow = {
        "nodes": [node("Value-1", "Value", {}, ["value"], "Value"), chat_out("ChatOutput-1")],
        "edges": [edge("Value-1", "value", "ChatOutput-1", "input_value")],
    }
    error = await _fails(flow, svc)
    assert error.failure.component_id == "Value-1" and error.failure.error_type == "OutputTooLarge"
    assert "longer than 100 characters (FLOWQL_MAX_OUTPUT_CHARS)" in error.message
    assert log.names[-2:] == ["error", "end"]


def test_output_chars_counts_texts_and_stops_early() -> None:
    message = ChatMessage(text="hello", sender="", sender_name="", session_id="s", flow_id="f", run_id="r")
    assert output_chars({"a": ["bc", message, None, 12], "d": b"\x00\x01"}, 100) == 1 + 2 + 5 + 2 + 1 + 4
    assert output_chars(["x" * 10] * 1000, 25) == 30


def _db(tmp_path: Path) -> str:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("r" * 40,)] * 10)
    return f"sqlite:///{path}"


def test_sql_result_over_the_cap_is_refused(tmp_path: Path) -> None:
    url = _db(tmp_path)
    with pytest.raises(SQLProblem) as caught:
        run_query(url, "SELECT hex(zeroblob(1000))", allow_writes=False, max_chars=500)
    assert caught.value.error_type == "OutputTooLarge" and "longer than 500 characters" in str(caught.value)
    with pytest.raises(SQLProblem):
        run_query(url, "SELECT a FROM t", allow_writes=False, max_chars=200)
    columns, rows = run_query(url, "SELECT a FROM t", allow_writes=False, max_chars=1000)
    assert columns == ["a"] and rows == [["r" * 40]] * 10


async def test_sql_vertex_over_the_cap_fails_naming_it(tmp_path: Path) -> None:
    url = _db(tmp_path)
    svc, _store, _log = _services(DataAccess(sql_allowed_urls=frozenset({url}), max_output_chars=300))
    flow = {
        "nodes": [
            node(
                "SQL-1",
                "SQLComponent",
                {"database_url": url, "query": "SELECT hex(zeroblob(5000))"},
                ["run_sql_query"],
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [edge("SQL-1", "run_sql_query", "ChatOutput-1", "input_value")],
    }
    error = await _fails(flow, svc)
    assert error.failure.component_id == "SQL-1" and error.failure.error_type == "OutputTooLarge"
    assert "longer than 300 characters" in error.message


async def test_pdf_children_run_at_most_two_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak = 0, 0

    async def fake_child(data: bytes, *_args: int) -> tuple[bytes, int]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return json.dumps({"text": data.decode()}).encode(), 0

    monkeypatch.setattr(pdf_child, "_run_child", fake_child)
    texts = await asyncio.gather(
        *(pdf_child.pdf_text_bounded(str(i).encode(), max_pages=1, max_chars=9, seconds=30) for i in range(6))
    )
    assert texts == [str(i) for i in range(6)]
    assert peak == pdf_child.MAX_PDF_CHILDREN == 2


async def test_a_pdf_over_its_memory_limit_fails_the_vertex() -> None:
    files = FakeFiles({"doc": StoredFile("doc.pdf", make_pdf([["one"], ["two"]]))})
    flow = {
        "nodes": [
            node("File-1", "File", {"path": "doc"}, ["message"], "Read File"),
            chat_out("ChatOutput-1"),
        ],
        "edges": [edge("File-1", "message", "ChatOutput-1", "input_value")],
    }
    svc, _store, _log = _services(DataAccess(pdf_max_memory_mb=16), files)
    error = await _fails(flow, svc)
    assert error.failure.component_id == "File-1" and error.failure.error_type == "UnreadableFile"
    assert "more than 16 MB of memory" in error.message
    svc, _store, _log = _services(DataAccess(), files)
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    assert outcome.outputs[0].text == "one\n\ntwo"


def test_append_merges_as_langflow_does() -> None:
    message = ChatMessage(text="two", sender="", sender_name="", session_id="s", flow_id="f", run_id="r")
    assert appender(message, "txt")(b"one") == b"one\ntwo"
    assert appender(message, "md")(b"one") == b"one\n\ntwo"
    merged = appender(message, "json")(render("one", "json")[1])
    assert json.loads(merged) == [{"message": "one"}, {"message": "two"}]
    assert json.loads(appender({"a": 2}, "json")(merged)) == [
        {"message": "one"},
        {"message": "two"},
        {"a": 2},
    ]
    assert json.loads(appender([{"a": 1}, {"a": 2}], "json")(b"[]")) == [{"a": 1}, {"a": 2}]
    assert json.loads(appender({"a": 1}, "json")(b"not json")) == [{"a": 1}]
    first = render([{"a": 1, "b": "x"}], "csv")[1]
    assert first == b"a,b\r\n1,x\r\n"
    assert appender([{"a": 2, "b": "y"}], "csv")(first) == b"a,b\r\n1,x\r\n2,y\r\n"
