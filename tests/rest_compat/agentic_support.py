"""Helpers for the assistant and log tests: flow files in a flows directory, a model flow that
streams, SSE parsing and reading the log buffer as a superuser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests import flowbuilder as fb
from tests.conftest import TestUser

MODEL_ID = "LanguageModelComponent-1"


def model_flow(name: str = "assistant", *, api_key: str = "", stream: bool = True) -> dict[str, Any]:
    """Chat Input → Language Model (default model, ``stream`` on, ``api_key`` as given) →
    Chat Output."""
    model = fb.node(
        MODEL_ID,
        "LanguageModelComponent",
        {"input_value": "", "model": "", "api_key": api_key, "stream": stream, "system_message": ""},
        ["text_output"],
        "Language Model",
    )
    return fb.flow(
        name,
        [fb.chat_in("ChatInput-1", ""), model, fb.chat_out("ChatOutput-1")],
        [
            fb.edge("ChatInput-1", "message", MODEL_ID, "input_value"),
            fb.edge(MODEL_ID, "text_output", "ChatOutput-1", "input_value"),
        ],
    )


def url_flow(name: str, variable: str) -> dict[str, Any]:
    """URL component fetching the URL held by ``load_from_db`` variable ``variable`` (failing
    on any error) → Chat Output."""
    url = fb.node(
        "URLComponent-1",
        "URLComponent",
        {
            "urls": fb.field(variable, load_from_db=True),
            "continue_on_failure": False,
            "check_response_status": True,
            "max_depth": 1,
            "format": "Text",
        },
        ["page_results", "raw_results"],
        "URL",
    )
    return fb.flow(
        name,
        [url, fb.chat_out("ChatOutput-1")],
        [fb.edge("URLComponent-1", "raw_results", "ChatOutput-1", "input_value")],
    )


def write_flow(directory: Path, name: str, flow: dict[str, Any]) -> Path:
    """Store ``flow`` as ``<directory>/<name>.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(flow))
    return path


def sse_events(body: str) -> list[dict[str, Any]]:
    """The JSON payloads of the ``data:`` lines of an SSE body, in order."""
    return [json.loads(line[len("data: ") :]) for line in body.splitlines() if line.startswith("data: ")]


async def log_lines(client: httpx.AsyncClient, admin: TestUser, lines: int = 5000) -> list[str]:
    """The newest ``lines`` lines of ``GET /logs`` (asserts 200)."""
    r = await client.get("/logs", params={"lines_before": lines}, headers=admin.headers)
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return list(body.values())
