"""The ``flowql`` command: ``run`` gives Langflow's recorded texts, errors are one line on stderr
with exit 1, ``create-user`` and ``migrate`` work on a database file, and the console script runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flowql.cli import app
from tests.cases import CASE_NAMES, cases_dir, langflow_dir, load_case, output_pairs

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands read Settings from the environment: keep them off the user's own data dir."""
    for name in list(os.environ):
        if name.startswith("FLOWQL_") and name != "FLOWQL_SHARED_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("FLOWQL_DATA_DIR", str(tmp_path / "data"))


def cli_args(body: dict[str, Any]) -> list[str]:
    """A ``POST /api/v1/run`` body as ``flowql run`` flags."""
    args: list[str] = []
    if body.get("input_value") is not None:
        args += ["--input", body["input_value"]]
    for key in ("input_type", "output_type", "output_component"):
        if body.get(key) is not None:
            args += ["--" + key.replace("_", "-"), body[key]]
    if body.get("tweaks"):
        args += ["--tweaks", json.dumps(body["tweaks"])]
    if body.get("session_id") is not None:
        args += ["--session", body["session_id"]]
    unknown = set(body) - {
        "input_value",
        "input_type",
        "output_type",
        "output_component",
        "tweaks",
        "session_id",
    }
    assert not unknown, f"request fields without a CLI flag: {unknown}"
    return args


@pytest.mark.parametrize("name", CASE_NAMES)
def test_run_prints_the_recorded_texts_for_every_case(shared_dir: Path, name: str) -> None:
    case = load_case(shared_dir, name)
    for run in case.runs:
        assert run.status == 200
        result = runner.invoke(app, ["run", str(case.path), *cli_args(run.body)])
        assert result.exit_code == 0, (run.body, result.stderr)
        assert result.stdout.splitlines() == [text for _, text in run.outputs], run.body
        assert result.stderr == ""

        result = runner.invoke(app, ["run", str(case.path), *cli_args(run.body), "--json"])
        assert result.exit_code == 0, (run.body, result.stderr)
        assert output_pairs(json.loads(result.stdout)) == run.outputs, run.body


def test_hello_world_prints_the_stored_text_for_chat_input(shared_dir: Path) -> None:
    flow_file = langflow_dir(shared_dir) / "hello-world.json"
    result = runner.invoke(app, ["run", str(flow_file), "--input", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello, World!\n"
    result = runner.invoke(app, ["run", str(flow_file), "--input", "hi", "--input-type", "text"])
    assert result.stdout == "hi\n"


def test_json_output_is_the_run_response(shared_dir: Path) -> None:
    flow_file = cases_dir(shared_dir) / "prompt.json"
    flow_id = json.loads(flow_file.read_text(encoding="utf-8"))["id"]
    result = runner.invoke(app, ["run", str(flow_file), "--input", "hello", "--json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["session_id"] == flow_id
    [run] = body["outputs"]
    [output] = run["outputs"]
    assert output["component_id"] == "ChatOutput-p3"
    assert output["results"]["message"]["text"] == "You said: hello"

    result = runner.invoke(app, ["run", str(flow_file), "--input", "hello", "--json", "--session", "s-1"])
    assert json.loads(result.stdout)["session_id"] == "s-1"


def test_flows_wrapper_with_one_flow_runs_and_with_two_is_an_error(shared_dir: Path, tmp_path: Path) -> None:
    flow = json.loads((cases_dir(shared_dir) / "prompt.json").read_text(encoding="utf-8"))
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"flows": [flow]}), encoding="utf-8")
    result = runner.invoke(app, ["run", str(one), "--input", "x"])
    assert (result.exit_code, result.stdout) == (0, "You said: x\n"), result.stderr

    two = tmp_path / "two.json"
    two.write_text(json.dumps({"flows": [flow, flow]}), encoding="utf-8")
    result = runner.invoke(app, ["run", str(two), "--input", "x"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and "exactly one flow" in result.stderr


def test_persistent_database_keeps_the_flow_and_its_session(shared_dir: Path, tmp_path: Path) -> None:
    flow_file = cases_dir(shared_dir) / "prompt.json"
    db = tmp_path / "run.db"
    url = f"sqlite:///{db}"
    for word in ("one", "two"):
        result = runner.invoke(app, ["run", str(flow_file), "--input", word, "--database-url", url])
        assert (result.exit_code, result.stdout) == (0, f"You said: {word}\n"), result.stderr
    with sqlite3.connect(db) as conn:
        flow_ids = {row[0] for row in conn.execute("SELECT id FROM flow")}
        sessions = {row[0] for row in conn.execute("SELECT session_id FROM message")}
        texts = [row[0] for row in conn.execute("SELECT text FROM message ORDER BY timestamp")]
    assert len(flow_ids) == 1
    assert len(sessions) == 1
    assert texts == ["one", "You said: one", "two", "You said: two"]


def assert_one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope.json")])
    assert_one_line_error(result, "nope.json", "No such file")


def test_invalid_json_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert_one_line_error(runner.invoke(app, ["run", str(bad)]), "bad.json", "not valid JSON")


def test_bad_tweaks_json_is_an_error(shared_dir: Path) -> None:
    flow_file = str(cases_dir(shared_dir) / "prompt.json")
    assert_one_line_error(runner.invoke(app, ["run", flow_file, "--tweaks", "{oops"]), "--tweaks")
    assert_one_line_error(runner.invoke(app, ["run", flow_file, "--tweaks", "[1]"]), "--tweaks", "object")


def test_unknown_tweak_key_is_an_error(shared_dir: Path) -> None:
    flow_file = str(cases_dir(shared_dir) / "prompt.json")
    result = runner.invoke(app, ["run", flow_file, "--input", "x", "--tweaks", '{"NoSuchNode-1": {"a": 1}}'])
    assert_one_line_error(result, "NoSuchNode-1")


def test_unsupported_component_is_an_error(shared_dir: Path) -> None:
    flow_file = str(langflow_dir(shared_dir) / "Knowledge Retrieval.json")
    result = runner.invoke(app, ["run", flow_file, "--input", "x"])
    assert_one_line_error(result, "Knowledge-Y8gm2", "not supported")


def test_create_user_then_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "users.db"
    monkeypatch.setenv("FLOWQL_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("FLOWQL_DATA_DIR", str(tmp_path))
    result = runner.invoke(
        app, ["create-user", "carol", "--superuser", "--password-stdin"], input="s3cret!\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "carol" in result.stdout
    with sqlite3.connect(db) as conn:
        rows = conn.execute('SELECT username, is_superuser, is_active, password_hash FROM "user"').fetchall()
        projects = conn.execute("SELECT is_default FROM project").fetchall()
    [(username, is_superuser, is_active, password_hash)] = rows
    assert (username, is_superuser, is_active) == ("carol", 1, 1)
    assert "s3cret!" not in password_hash
    assert projects == [(1,)]

    result = runner.invoke(app, ["create-user", "carol", "--password-stdin"], input="other\n")
    assert_one_line_error(result, "carol", "already exists")


def test_create_user_prompts_for_a_password_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWQL_DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    result = runner.invoke(app, ["create-user", "dave"], input="pw-1\npw-1\n")
    assert result.exit_code == 0, result.stderr
    assert "Created user dave" in result.stdout
    assert "pw-1" not in result.stdout


def test_create_user_refuses_an_empty_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "users.db"
    monkeypatch.setenv("FLOWQL_DATABASE_URL", f"sqlite:///{db}")
    assert_one_line_error(
        runner.invoke(app, ["create-user", "erin", "--password-stdin"], input="\n"), "password"
    )
    assert not db.exists()


def test_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "fresh.db"
    monkeypatch.setenv("FLOWQL_DATABASE_URL", f"sqlite:///{db}")
    for _ in range(2):  # idempotent
        result = runner.invoke(app, ["migrate"])
        assert result.exit_code == 0, result.stderr
        assert "up to date" in result.stdout
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        [(revision,)] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"user", "api_key", "project", "flow", "message", "job", "job_event"} <= tables
    assert revision


def test_console_script_runs_hello_world(shared_dir: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("flowql")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flowql.cli"]
    flow_file = langflow_dir(shared_dir) / "hello-world.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWQL_")}
    env["FLOWQL_DATA_DIR"] = str(tmp_path)  # nothing may be written there by an in-memory run
    done = subprocess.run(
        [*command, "run", str(flow_file), "--input", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "Hello, World!\n", "")
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_reports_errors_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowql.cli", "run", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: cannot read") and "Traceback" not in done.stderr


def test_export_schema_prints_and_writes_the_sdl(tmp_path: Path) -> None:
    from flowql.schema.export import export_schema

    sdl = export_schema()
    assert "runFlow(" in sdl
    result = runner.invoke(app, ["export-schema"])
    assert (result.exit_code, result.stdout) == (0, sdl), result.stderr
    target = tmp_path / "schema.graphql"
    result = runner.invoke(app, ["export-schema", "--output", str(target)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert target.read_text(encoding="utf-8") == sdl


@pytest.mark.parametrize(
    "args",
    [
        ["run", "flow.json", "--input-type", "bogus"],
        ["run"],
        ["run", "flow.json", "--bogus"],
        ["no-such-command"],
    ],
)
def test_usage_errors_are_one_line_on_stderr_with_exit_code_1(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowql.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "extra",
    [
        ["--tweaks", '{"a": ' + "[" * 1100 + "]" * 1100 + "}"],
        ["--database-url", "sqlite:////nonexistent-flowql-dir/x.db"],
        ["--database-url", "postgresql://flowql-no-such-role:x@127.0.0.1:1/none"],
    ],
    ids=["deep-tweaks", "missing-sqlite-folder", "unreachable-postgres"],
)
def test_bad_tweaks_or_database_are_one_error_line(shared_dir: Path, extra: list[str]) -> None:
    flow_file = shared_dir / "flows" / "cases" / "prompt.json"
    done = subprocess.run(
        [sys.executable, "-m", "flowql.cli", "run", str(flow_file), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
