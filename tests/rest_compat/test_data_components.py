"""The data components through ``POST /api/v1/run``: SQL (allow-list checked before connecting,
read-only by default), arXiv against a local endpoint, Read File by stored name, Save to File
appending, Structured Output and Batch Run against the scripted model server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from flowql.settings import Settings
from tests.cases import messages_rest, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import chat_in, chat_out, edge, flow, node, text_in
from tests.model_server import ModelServer, text
from tests.rest_compat.data_flows_support import PAPERS, pricing_db, serve_search
from tests.rest_compat.files_support import upload_v2
from tests.web_server import WebServer


async def _create(client: httpx.AsyncClient, user: TestUser, body: dict[str, Any]) -> str:
    r = await client.post("/api/v1/flows/", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def sql_flow(url: str, query: str) -> dict[str, Any]:
    """Chat Input → SQL (query fed by the chat input) → Parser → Chat Output."""
    return flow(
        "sql",
        [
            chat_in("ChatInput-1", query),
            node(
                "SQL-1",
                "SQLComponent",
                {"database_url": url, "query": "", "include_columns": True},
                ["run_sql_query"],
            ),
            node(
                "P-1",
                "parser",
                {"input_data": "", "pattern": "{name}={monthly_usd}", "sep": ", "},
                ["parsed_text"],
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("ChatInput-1", "message", "SQL-1", "query"),
            edge("SQL-1", "run_sql_query", "P-1", "input_data"),
            edge("P-1", "parsed_text", "ChatOutput-1", "input_value"),
        ],
    )


def _text(body: dict[str, Any]) -> str:
    [entry] = body["outputs"][0]["outputs"]
    return str(entry["results"]["message"]["text"])


async def test_sql_reads_an_allowed_database(
    tmp_path: Path, client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    url = pricing_db(tmp_path, settings)
    flow_id = await _create(client, alice, sql_flow(url, ""))
    query = "SELECT name, monthly_usd FROM plans WHERE monthly_usd < 100 ORDER BY name"
    r = await run_rest(client, alice.headers, flow_id, {"input_value": query})
    assert r.status_code == 200, r.text
    assert _text(r.json()) == "Starter=9.0, Team=49.0"


async def test_sql_outside_the_allow_list_is_422_before_connecting(
    tmp_path: Path, client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    pricing_db(tmp_path, settings)
    other = tmp_path / "other.db"
    flow_id = await _create(client, alice, sql_flow(f"sqlite:///{other}", "SELECT 1"))
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "SELECT 1"})
    assert r.status_code == 422
    detail = str(r.json()["detail"])
    assert "SQL-1" in detail and "FLOWQL_SQL_ALLOWED_URLS" in detail
    assert str(tmp_path) not in detail
    assert not other.exists()  # SQLite would have created the file on connecting


async def test_sql_is_read_only_by_default(
    tmp_path: Path, client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    url = pricing_db(tmp_path, settings)
    flow_id = await _create(client, alice, sql_flow(url, ""))
    for statement in (
        "DELETE FROM plans",
        "SELECT 1; DELETE FROM plans",
        "WITH x AS (SELECT 1) DELETE FROM plans",
    ):
        r = await run_rest(client, alice.headers, flow_id, {"input_value": statement})
        assert r.status_code == 422, (statement, r.text)
        assert "SQL-1" in str(r.json()["detail"])
    with sqlite3.connect(tmp_path / "pricing.db") as conn:
        assert conn.execute("SELECT count(*) FROM plans").fetchone() == (3,)
    conn.close()

    settings.sql_allow_writes = True
    r = await run_rest(
        client, alice.headers, flow_id, {"input_value": "DELETE FROM plans WHERE name = 'Scale'"}
    )
    assert r.status_code == 200, r.text
    with sqlite3.connect(tmp_path / "pricing.db") as conn:
        assert conn.execute("SELECT count(*) FROM plans").fetchone() == (2,)
    conn.close()


def arxiv_flow(search_type: str = "title") -> dict[str, Any]:
    return flow(
        "arxiv",
        [
            chat_in("ChatInput-1", ""),
            node(
                "ArXiv-1",
                "ArXivComponent",
                {"search_query": "", "search_type": search_type, "max_results": 2},
                ["dataframe"],
                "arXiv",
            ),
            node(
                "P-1",
                "ParserComponent",
                {"input_data": "", "pattern": "{title} ({authors})"},
                ["parsed_text"],
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("ChatInput-1", "message", "ArXiv-1", "search_query"),
            edge("ArXiv-1", "dataframe", "P-1", "input_data"),
            edge("P-1", "parsed_text", "ChatOutput-1", "input_value"),
        ],
    )


async def test_arxiv_searches_the_configured_endpoint(
    client: httpx.AsyncClient, alice: TestUser, web_server: WebServer, settings: Settings
) -> None:
    serve_search(web_server, settings)
    flow_id = await _create(client, alice, arxiv_flow())
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "graph loops"})
    assert r.status_code == 200, r.text
    assert _text(r.json()) == f"{PAPERS[0][1]} (['{PAPERS[0][3]}'])\n{PAPERS[1][1]} (['{PAPERS[1][3]}'])"
    [request] = web_server.requests
    assert request.query == {"search_query": "ti:graph loops", "start": "0", "max_results": "2"}


async def test_arxiv_endpoint_error_fails_the_vertex(
    client: httpx.AsyncClient, alice: TestUser, web_server: WebServer, settings: Settings
) -> None:
    serve_search(web_server, settings)
    web_server.page("/api/query", "busy", status=503)
    flow_id = await _create(client, alice, arxiv_flow())
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "x"})
    assert r.status_code == 422
    assert "ArXiv-1" in str(r.json()["detail"]) and "503" in str(r.json()["detail"])


def file_flow(path: Any) -> dict[str, Any]:
    return flow(
        "files",
        [
            node("File-1", "File", {"path": path}, ["message"], "Read File"),
            node(
                "Save-1",
                "SaveToFile",
                {"input": "", "file_name": "copy", "local_format": "txt", "append_mode": True},
                ["message"],
                "Write File",
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("File-1", "message", "Save-1", "input"),
            edge("Save-1", "message", "ChatOutput-1", "input_value"),
        ],
    )


async def test_read_file_by_stored_name_and_save_appends(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    uploaded = await upload_v2(client, alice, "notes.md", b"# Notes\nline one")
    stored_name = uploaded["path"].split("/", 1)[1]
    flow_id = await _create(client, alice, file_flow(stored_name))
    for _ in range(2):
        r = await run_rest(client, alice.headers, flow_id, {})
        assert r.status_code == 200, r.text
        assert _text(r.json()) == "Message saved successfully as 'copy.txt'"
    files = (await client.get("/api/v2/files", headers=alice.headers)).json()
    [copy] = [f for f in files if f["name"] == "copy"]
    r = await client.get(f"/api/v2/files/{copy['id']}", headers=alice.headers)
    assert r.content == b"# Notes\nline one\n# Notes\nline one"

    # bob's flow naming alice's file does not read it
    bob_flow = await _create(client, bob, file_flow(uploaded["id"]))
    r = await run_rest(client, bob.headers, bob_flow, {})
    assert r.status_code == 422
    assert "File-1" in str(r.json()["detail"]) and "not found" in str(r.json()["detail"])
    assert (await client.get("/api/v2/files", headers=bob.headers)).json() == []


def save_flow(name: str, fmt: str, *, append: bool) -> dict[str, Any]:
    """Chat Input → Save to File (``name``.``fmt``) → Chat Output."""
    return flow(
        "save",
        [
            chat_in("ChatInput-1", ""),
            node(
                "Save-1",
                "SaveToFile",
                {"input": "", "file_name": name, "local_format": fmt, "append_mode": append},
                ["message"],
                "Write File",
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("ChatInput-1", "message", "Save-1", "input"),
            edge("Save-1", "message", "ChatOutput-1", "input_value"),
        ],
    )


async def test_save_appends_txt_json_and_csv_as_langflow(client: httpx.AsyncClient, alice: TestUser) -> None:
    expected = {
        "txt": b"one\ntwo\nthree",
        "json": json.dumps([{"message": "one"}, {"message": "two"}, {"message": "three"}], indent=2).encode(),
        "csv": b"message\r\none\r\ntwo\r\nthree\r\n",
    }
    for fmt, content in expected.items():
        first = await _create(client, alice, save_flow(f"log-{fmt}", fmt, append=False))
        then = await _create(client, alice, save_flow(f"log-{fmt}", fmt, append=True))
        for flow_id, word in ((first, "one"), (then, "two"), (then, "three")):
            r = await run_rest(client, alice.headers, flow_id, {"input_value": word})
            assert r.status_code == 200, r.text
            assert _text(r.json()) == f"Message saved successfully as 'log-{fmt}.{fmt}'"
        files = (await client.get("/api/v2/files", headers=alice.headers)).json()
        [saved] = [f for f in files if f["name"] == f"log-{fmt}"]  # one file, changed in place
        r = await client.get(f"/api/v2/files/{saved['id']}", headers=alice.headers)
        assert r.content == content, fmt
        assert saved["size"] == len(content)


def structured_flow() -> dict[str, Any]:
    schema = [
        {"name": "name", "type": "str", "description": "Person name", "multiple": "False"},
        {"name": "age", "type": "int", "description": "Age", "multiple": "False"},
    ]
    return flow(
        "structured",
        [
            text_in("TextInput-1", ""),
            node(
                "SO-1",
                "StructuredOutput",
                {"input_value": "", "model": "", "output_schema": schema, "system_prompt": "Extract people."},
                ["structured_output", "dataframe_output"],
                "Structured Output",
            ),
            node(
                "P-1",
                "parser",
                {"input_data": "", "pattern": "{name} is {age}", "sep": "; "},
                ["parsed_text"],
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("TextInput-1", "text", "SO-1", "input_value"),
            edge("SO-1", "dataframe_output", "P-1", "input_data"),
            edge("P-1", "parsed_text", "ChatOutput-1", "input_value"),
        ],
    )


async def test_structured_output_asks_for_the_schema_and_parses_objects(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(text(json.dumps({"objects": [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]})))
    flow_id = await _create(client, alice, structured_flow())
    r = await run_rest(
        client, alice.headers, flow_id, {"input_value": "Ada (36) met Alan (41).", "input_type": "text"}
    )
    assert r.status_code == 200, r.text
    assert _text(r.json()) == "Ada is 36; Alan is 41"
    [request] = model_server.requests
    system, user = request.body["messages"]
    assert system == {"role": "system", "content": "Extract people."}
    assert user["content"].startswith("Ada (36) met Alan (41).")
    assert '"age": {"type": "integer", "description": "Age"}' in user["content"]
    asked = request.body["response_format"]
    assert asked["type"] == "json_schema" and asked["json_schema"]["name"] == "OutputModel"
    item = asked["json_schema"]["schema"]["properties"]["objects"]["items"]
    assert item["properties"]["age"] == {"type": "integer", "description": "Age"}
    assert item["required"] == ["name", "age"]

    model_server.add(text("no json here"))
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "x", "input_type": "text"})
    assert r.status_code == 422
    assert "SO-1" in str(r.json()["detail"]) and "StructuredOutputError" in r.text


async def test_structured_output_refuses_objects_that_ignore_the_schema(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    flow_id = await _create(client, alice, structured_flow())
    model_server.add(
        text(json.dumps({"objects": [{"name": "Ada", "age": 36}, {"name": "Alan", "age": "old"}]}))
    )
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "Ada met Alan.", "input_type": "text"})
    assert r.status_code == 422
    detail = str(r.json()["detail"])
    assert "(SO-1)" in detail and "object 2" in detail and "at age" in detail
    assert "StructuredOutputError" in r.text

    model_server.add(text(json.dumps({"objects": [{"unrelated": True}]})))
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "Ada met Alan.", "input_type": "text"})
    assert r.status_code == 422
    assert "'name' is a required property" in str(r.json()["detail"])


async def test_batch_run_calls_the_model_once_per_row(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    body = flow(
        "batch",
        [
            chat_in("ChatInput-1", ""),
            node(
                "Split-1",
                "SplitText",
                {"data_inputs": "", "chunk_size": 1, "chunk_overlap": 0, "separator": "\\n"},
                ["dataframe"],
            ),
            node(
                "Batch-1",
                "BatchRunComponent",
                {
                    "model": "",
                    "df": "",
                    "column_name": "text",
                    "output_column_name": "upper",
                    "system_message": "Uppercase it.",
                    "enable_metadata": True,
                },
                ["batch_results"],
            ),
            node(
                "P-1",
                "parser",
                {"input_data": "", "pattern": "{batch_index}:{text}->{upper}"},
                ["parsed_text"],
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("ChatInput-1", "message", "Split-1", "data_inputs"),
            edge("Split-1", "dataframe", "Batch-1", "df"),
            edge("Batch-1", "batch_results", "P-1", "input_data"),
            edge("P-1", "parsed_text", "ChatOutput-1", "input_value"),
        ],
    )
    model_server.add(text("ONE"), text("TWO"))
    flow_id = await _create(client, alice, body)
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "one\ntwo"})
    assert r.status_code == 200, r.text
    assert _text(r.json()) == "0:one->ONE\n1:two->TWO"
    assert [[m["content"] for m in q.body["messages"]] for q in model_server.requests] == [
        ["Uppercase it.", "one"],
        ["Uppercase it.", "two"],
    ]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["text"] for m in stored] == ["one\ntwo", "0:one->ONE\n1:two->TWO"]
