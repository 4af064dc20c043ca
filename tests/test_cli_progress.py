"""``flowql run`` progress: one stderr line per finished vertex and streamed tokens, only when
stderr is a terminal (a pseudo-terminal here); captured stderr stays empty."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from flowql.cli_progress import TerminalProgress, vertex_line
from flowql.engine.types import EngineEvent

SENTINEL_TIMEOUT = 120  # seconds; a hang guard only


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWQL_")}
    env["FLOWQL_DATA_DIR"] = str(tmp_path)
    return env


def _read_all(fd: int) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO once the terminal is drained and its other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_run_on_a_terminal_shows_each_finished_vertex(shared_dir: Path, tmp_path: Path) -> None:
    flow_file = shared_dir / "flows" / "cases" / "prompt.json"
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "flowql.cli", "run", str(flow_file), "--input", "hey"],
            stdout=subprocess.PIPE,
            stderr=terminal,
            timeout=SENTINEL_TIMEOUT,
            env=_env(tmp_path),
            check=False,
        )
        os.close(terminal)
        progress = _read_all(controller)
    finally:
        os.close(controller)
    assert done.returncode == 0
    assert done.stdout.decode() == "You said: hey\n"
    lines = progress.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["✓ Chat Input", "✓ Prompt Template", "✓ Chat Output"]
    assert [line.split("(")[1].split(")")[0] for line in lines] == [
        "ChatInput-p1",
        "Prompt-p2",
        "ChatOutput-p3",
    ]


def test_run_with_captured_stderr_prints_no_progress(shared_dir: Path, tmp_path: Path) -> None:
    flow_file = shared_dir / "flows" / "cases" / "prompt.json"
    done = subprocess.run(
        [sys.executable, "-m", "flowql.cli", "run", str(flow_file), "--input", "hey"],
        capture_output=True,
        text=True,
        timeout=SENTINEL_TIMEOUT,
        env=_env(tmp_path),
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "You said: hey\n", "")


async def test_tokens_stream_then_end_their_line() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    end_vertex = {
        "build_data": {"id": "LLM-1", "valid": True, "data": {"duration": "5 ms"}},
        "output_meta": {"display_name": "Model"},
    }
    for event in [
        EngineEvent("build_start", {}),
        EngineEvent("token", {"chunk": "Hel", "id": "m1"}),
        EngineEvent("token", {"chunk": "lo", "id": "m1"}),
        EngineEvent("end_vertex", end_vertex),
        EngineEvent("end", {"build_duration": 0.1}),
    ]:
        await progress(event)
    assert stream.getvalue() == "Hello\n✓ Model (LLM-1) 5 ms\n"


def test_vertex_line_tolerates_missing_fields() -> None:
    assert vertex_line({}) == "✓ ? (?)"
    assert vertex_line({"build_data": {"id": "X", "valid": False}}) == "✗ X (X)"
