"""Parser, Split Text, Read File and Save to File in the engine (a fake file store)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowql.engine import EngineServices, RunRequest, run_flow
from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from flowql.engine.components.split_text import merge_pieces, split_pieces
from flowql.engine.types import StoredFile
from flowql.errors import ComponentError, NotFound
from tests.pdf_maker import make_pdf
from tests.unit._engine_helpers import EventLog, RecordingStore, chat_out, edge, node, text_in

VALUE: dict[str, Any] = {}


class Value(Component):
    """Outputs ``VALUE["v"]`` (set by each test)."""

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"value": VALUE["v"]})


@pytest.fixture(autouse=True)
def custom_types() -> Iterator[None]:
    registry.register("Value")(Value)
    yield
    registry.unregister("Value")


class FakeFiles:
    def __init__(self, files: dict[str, StoredFile]) -> None:
        self.files = files
        self.saved: list[tuple[str, bytes, bool]] = []

    async def read(self, ref: str) -> StoredFile:
        if ref not in self.files:
            raise NotFound("File not found")
        return self.files[ref]

    async def save(
        self, name: str, data: bytes, *, append: bool = False, merge: Callable[[bytes], bytes] | None = None
    ) -> str:
        self.saved.append((name, data, append))
        return name


def _services(files: FakeFiles | None = None) -> tuple[EngineServices, RecordingStore, EventLog]:
    store, log = RecordingStore(), EventLog()
    return EngineServices(messages=store, emit=log, files=files or FakeFiles({})), store, log


def _one(kind: str, fields: dict[str, Any], output: str, field_name: str) -> dict[str, Any]:
    """Value → <kind> (its ``field_name``) → Chat Output."""
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


async def _run(flow: dict[str, Any], services: EngineServices) -> str:
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s"), services)
    text = outcome.outputs[0].text
    assert text is not None
    return text


def _parser(pattern: str, mode: str = "Parser", sep: str = "\n") -> dict[str, Any]:
    return _one(
        "ParserComponent",
        {"input_data": "", "mode": mode, "pattern": pattern, "sep": sep},
        "parsed_text",
        "input_data",
    )


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ([{"a": "x", "b": 1}, {"a": "y", "b": 2}], "{a}={b}", "x=1\ny=2"),
        ({"a": "only", "b": None}, "{a}/{b}", "only/"),
        ({"results": [{"COMPANY": "Acme"}, {"COMPANY": "Beta"}]}, "# {COMPANY}", "# Acme\n# Beta"),
        ({"data": {"text": "wrapped"}, "text_key": "text"}, "T: {text}", "T: wrapped"),
        ("plain text", "T: {text}", "T: plain text"),
        ([{"a": {"k": [1, 2]}, "b": True}], "{a} {b} {{literal}}", "{'k': [1, 2]} True {literal}"),
    ],
)
async def test_parser_fills_the_pattern_per_row(value: Any, pattern: str, expected: str) -> None:
    VALUE["v"] = value
    svc, _store, _log = _services()
    assert await _run(_parser(pattern), svc) == expected


async def test_parser_names_a_missing_column() -> None:
    VALUE["v"] = [{"a": 1}]
    svc, _store, log = _services()
    with pytest.raises(ComponentError) as caught:
        await _run(_parser("{missing}"), svc)
    assert "'missing'" in caught.value.message and "C-1" in caught.value.message
    assert log.names[-2:] == ["error", "end"]


async def test_parser_stringify_makes_a_markdown_table() -> None:
    VALUE["v"] = [{"a": "x|y", "b": 1}, {"a": "z"}]
    svc, _store, _log = _services()
    assert await _run(_parser("", mode="Stringify"), svc) == "| a | b |\n|---|---|\n| x\\|y | 1 |\n| z |  |"


async def test_parser_in_the_shared_parser_flow_is_registered_under_both_names() -> None:
    assert registry.get("parser") is registry.get("ParserComponent") is not None


def test_split_and_merge_follow_character_text_splitter() -> None:
    pieces = split_pieces("aaa\nbbb\nccc\nddd", "\n", "False")
    assert pieces == ["aaa", "bbb", "ccc", "ddd"]
    assert merge_pieces(pieces, "\n", 7, 3) == ["aaa\nbbb", "bbb\nccc", "ccc\nddd"]
    assert merge_pieces(pieces, "\n", 100, 0) == ["aaa\nbbb\nccc\nddd"]
    assert merge_pieces(["toolongpiece", "x"], " ", 5, 0) == ["toolongpiece", "x"]
    assert split_pieces("a.b.c", ".", "End") == ["a.", "b.", "c"]
    assert split_pieces("a.b.c", ".", "Start") == ["a", ".b", ".c"]


async def test_split_text_makes_a_row_per_chunk() -> None:
    VALUE["v"] = [{"text": "one two\nthree four\nfive", "source": "doc.txt"}]
    flow = {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node(
                "Split-1",
                "SplitText",
                {
                    "data_inputs": "",
                    "chunk_size": 10,
                    "chunk_overlap": 0,
                    "separator": "\\n",
                    "text_key": "text",
                },
                ["dataframe"],
                "Split Text",
            ),
        ],
        "edges": [edge("Value-1", "value", "Split-1", "data_inputs")],
    }
    svc, _store, _log = _services()
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s", output_type="debug"), svc)
    split = next(o for o in outcome.outputs if o.component_id == "Split-1")
    assert split.results["dataframe"] == [
        {"text": "one two", "source": "doc.txt"},
        {"text": "three four", "source": "doc.txt"},
        {"text": "five", "source": "doc.txt"},
    ]


def _file_flow(path: Any, **fields: Any) -> dict[str, Any]:
    return {
        "nodes": [
            node("File-1", "File", {"path": path, "separator": "\n\n", **fields}, ["message"], "Read File"),
            chat_out("ChatOutput-1"),
        ],
        "edges": [edge("File-1", "message", "ChatOutput-1", "input_value")],
    }


async def test_read_file_reads_text_csv_json_and_pdf() -> None:
    files = FakeFiles(
        {
            "a": StoredFile("notes.txt", "héllo notes".encode()),
            "b": StoredFile("table.csv", b"name,score\nada,3\n"),
            "c": StoredFile("x.json", b'{"k": 1}'),
            "d": StoredFile("report.pdf", make_pdf([["Revenue: 100"], ["Profit: 20"]])),
            "e": StoredFile("image.png", b"\x89PNG"),
        }
    )
    svc, _store, _log = _services(files)
    text = await _run(_file_flow(["a", "b", "c", "d", "e"]), svc)
    assert text == 'héllo notes\n\nname,score\nada,3\n\n\n{"k": 1}\n\nRevenue: 100\n\nProfit: 20'


async def test_read_file_missing_or_unsupported_fails_naming_the_vertex() -> None:
    svc, _store, _log = _services(FakeFiles({"e": StoredFile("image.png", b"x")}))
    with pytest.raises(ComponentError) as caught:
        await _run(_file_flow("nope"), svc)
    assert caught.value.failure.error_type == "FileNotFound" and "File-1" in caught.value.message
    with pytest.raises(ComponentError) as caught:
        await _run(_file_flow("e", ignore_unsupported_extensions=False), svc)
    assert caught.value.failure.error_type == "UnsupportedFile"
    with pytest.raises(ComponentError) as caught:
        await _run(_file_flow(""), svc)
    assert caught.value.failure.error_type == "NoFile"
    assert await _run(_file_flow(["nope", "e"], silent_errors=True), svc) == ""


def _save_flow(fmt: str, **fields: Any) -> dict[str, Any]:
    return {
        "nodes": [
            node("Value-1", "Value", {}, ["value"], "Value"),
            node(
                "Save-1",
                "SaveToFile",
                {"input": "", "file_name": "out", "local_format": fmt, "append_mode": False, **fields},
                ["message"],
                "Write File",
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Value-1", "value", "Save-1", "input"),
            edge("Save-1", "message", "ChatOutput-1", "input_value"),
        ],
    }


@pytest.mark.parametrize(
    ("value", "fmt", "kind", "saved"),
    [
        ("hello", "txt", "Message", b"hello"),
        ("hello", "json", "Message", b'{\n  "message": "hello"\n}'),
        ([{"a": 1, "b": "x"}, {"a": 2}], "csv", "DataFrame", b"a,b\r\n1,x\r\n2,\r\n"),
        ([{"a": 1}], "json", "DataFrame", b'[\n  {\n    "a": 1\n  }\n]'),
        ({"a": 1}, "json", "Data", b'{\n  "a": 1\n}'),
        ([{"a": 1}], "markdown", "DataFrame", b"| a |\n|---|\n| 1 |"),
    ],
)
async def test_save_to_file_writes_the_owner_store(value: Any, fmt: str, kind: str, saved: bytes) -> None:
    VALUE["v"] = value
    files = FakeFiles({})
    svc, _store, _log = _services(files)
    text = await _run(_save_flow(fmt), svc)
    assert text == f"{kind} saved successfully as 'out.{fmt}'"
    assert files.saved == [(f"out.{fmt}", saved, False)]


async def test_save_to_file_refuses_cloud_storage_and_unknown_formats() -> None:
    VALUE["v"] = "x"
    files = FakeFiles({})
    svc, _store, _log = _services(files)
    cloud = [{"name": "AWS", "chosen": True}]
    with pytest.raises(ComponentError) as caught:
        await _run(_save_flow("txt", storage_location=cloud), svc)
    assert caught.value.failure.error_type == "UnsupportedStorage"
    with pytest.raises(ComponentError) as caught:
        await _run(_save_flow("xlsx"), svc)
    assert caught.value.failure.error_type == "UnsupportedFormat"
    assert files.saved == []
    local = [{"name": "Local", "chosen": False, "selected": False}]
    assert (
        await _run(_save_flow("txt", storage_location=local), svc)
        == "Message saved successfully as 'out.txt'"
    )
    assert json.loads(json.dumps(files.saved[0][0])) == "out.txt"


async def test_text_input_reaches_parser_as_text() -> None:
    flow = {
        "nodes": [
            text_in("TextInput-1", "raw"),
            node("P-1", "parser", {"input_data": "", "pattern": "<{text}>", "sep": "\n"}, ["parsed_text"]),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("TextInput-1", "text", "P-1", "input_data"),
            edge("P-1", "parsed_text", "ChatOutput-1", "input_value"),
        ],
    }
    svc, _store, _log = _services()
    assert await _run(flow, svc) == "<raw>"


def test_issue_7_components_are_in_the_catalog_with_their_outputs() -> None:
    from flowql.engine.catalog import langflow_catalog

    listed = {name: entry for group in langflow_catalog().values() for name, entry in group.items()}
    expected = {
        "parser": ["parsed_text"],
        "ParserComponent": ["parsed_text"],
        "SplitText": ["dataframe"],
        "ConditionalRouter": ["true_result", "false_result"],
        "LoopComponent": ["item", "done"],
        "File": ["message", "dataframe"],
        "SaveToFile": ["message"],
        "StructuredOutput": ["structured_output", "dataframe_output"],
        "BatchRunComponent": ["batch_results"],
        "SQLComponent": ["run_sql_query"],
        "ArXivComponent": ["dataframe"],
    }
    for name, outputs in expected.items():
        assert [o["name"] for o in listed[name]["outputs"]] == outputs, name
    assert {"database_url", "query"} <= set(listed["SQLComponent"]["template"])
    assert "data" in listed["LoopComponent"]["template"]
    for unsupported in ("AstraDB", "AssemblyAITranscriber", "Knowledge"):
        assert unsupported not in listed


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("SELECT 1", None),
        ("  -- note\n with x as (select 1) select * from x;", None),
        ("PRAGMA table_info(plans)", None),
        ("", "the query is empty"),
        ("SELECT 1; DROP TABLE plans", "only one statement may run"),
        ("/* hidden */ DELETE FROM plans", "only read statements may run"),
    ],
)
def test_sql_read_only_check(query: str, problem: str | None) -> None:
    from flowql.engine.components.sql import read_only_problem

    found = read_only_problem(query)
    assert (found if found is None or problem is None else found[: len(problem)]) == problem
