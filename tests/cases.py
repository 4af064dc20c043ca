"""Helpers for the shared flow cases (``shared/flows/cases/``) and Langflow files, used by the REST,
GraphQL and CLI tests alike.

A case NAME is ``NAME.json`` (the flow export), ``NAME.requests.json`` (``/run`` bodies) and
``NAME.expected.json`` (Langflow's answers: per request the ``(component_id, text)`` outputs in
the order of ``outputs[0].outputs``).

Typical use::

    case = load_case(shared_dir, "prompt")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    for run in case.runs:
        r = await run_rest(client, alice.headers, flow["id"], run.body)
        assert r.status_code == run.status
        assert output_pairs(r.json()) == run.outputs
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.shared_files import find_shared_dir

#: Every case in ``shared/flows/cases`` (a test checks the folder holds exactly these).
CASE_NAMES: tuple[str, ...] = ("echo", "prompt", "branches", "tweak", "two-vars", "hello-world")


@dataclass(frozen=True)
class ExpectedRun:
    """One recorded request: the ``/run`` body, Langflow's status and ``(component_id, text)``
    outputs in order."""

    body: dict[str, Any]
    status: int
    outputs: list[tuple[str, str]]


@dataclass(frozen=True)
class Case:
    """A shared case: ``flow`` is the export (with ``name``, ``id``, ``data``)."""

    name: str
    flow: dict[str, Any]
    runs: list[ExpectedRun]

    @property
    def path(self) -> Path:
        """Where ``NAME.json`` lives (for ``flowql run``)."""
        shared = find_shared_dir()
        assert shared is not None
        return shared / "flows" / "cases" / f"{self.name}.json"


def cases_dir(shared_dir: Path) -> Path:
    """``shared/flows/cases``."""
    return shared_dir / "flows" / "cases"


def case_names_on_disk(shared_dir: Path) -> list[str]:
    """The case names found in the folder (files with a ``.requests.json`` sibling)."""
    return sorted(
        p.name.removesuffix(".requests.json") for p in cases_dir(shared_dir).glob("*.requests.json")
    )


def load_case(shared_dir: Path, name: str) -> Case:
    """Read case ``name``; each request body is paired with its expected answer."""
    folder = cases_dir(shared_dir)
    flow = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    requests = json.loads((folder / f"{name}.requests.json").read_text(encoding="utf-8"))["requests"]
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))["requests"]
    assert len(requests) == len(expected), name
    runs = []
    for req, exp in zip(requests, expected, strict=True):
        assert req["body"] == exp["body"], name
        runs.append(
            ExpectedRun(
                body=req["body"],
                status=exp["status"],
                outputs=[(o["component_id"], o["text"]) for o in exp["outputs"]],
            )
        )
    return Case(name=name, flow=flow, runs=runs)


def langflow_dir(shared_dir: Path) -> Path:
    """``shared/flows/langflow`` (real Langflow exports)."""
    return shared_dir / "flows" / "langflow"


def langflow_file_names() -> list[str]:
    """File names in ``shared/flows/langflow`` for parametrising at collection time (a
    placeholder when ``shared/`` is missing, so the ``shared_dir`` fixture skips or fails)."""
    shared = find_shared_dir()
    if shared is None:
        return ["<shared dir missing>"]
    return sorted(p.name for p in langflow_dir(shared).glob("*.json"))


def load_langflow(shared_dir: Path, file_name: str) -> dict[str, Any]:
    """A Langflow export from ``shared/flows/langflow``."""
    loaded: dict[str, Any] = json.loads((langflow_dir(shared_dir) / file_name).read_text(encoding="utf-8"))
    return loaded


def output_pairs(run_response: dict[str, Any]) -> list[tuple[str, str]]:
    """``(component_id, results.message.text)`` of each output of a ``/run`` response, in order."""
    return [
        (o["component_id"], o["results"]["message"]["text"]) for o in run_response["outputs"][0]["outputs"]
    ]


async def create_flow_rest(
    client: httpx.AsyncClient, headers: dict[str, str], flow: dict[str, Any]
) -> dict[str, Any]:
    """``POST /api/v1/flows/`` with the export as body; asserts 201 and returns the FlowRead."""
    r = await client.post("/api/v1/flows/", json=flow, headers=headers)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def run_rest(
    client: httpx.AsyncClient, headers: dict[str, str], flow_id_or_name: str, body: dict[str, Any]
) -> httpx.Response:
    """``POST /api/v1/run/{flow_id_or_name}`` with ``body``."""
    return await client.post(f"/api/v1/run/{flow_id_or_name}", json=body, headers=headers)


async def messages_rest(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    """``GET /api/v1/monitor/messages`` with the given filters; asserts 200."""
    r = await client.get("/api/v1/monitor/messages", params=params, headers=headers)
    assert r.status_code == 200, r.text
    messages: list[dict[str, Any]] = r.json()
    return messages


def same_structure(actual: Any, reference: Any, path: str = "$") -> list[str]:
    """Differences in keys, nesting and value types between ``actual`` and ``reference``
    (values themselves are not compared; ``None`` matches only ``None``; lists are compared
    item by item against the reference's first item when it has one). Empty means same shape."""
    problems: list[str] = []
    if isinstance(reference, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {type(actual).__name__}"]
        if set(actual) != set(reference):
            missing = sorted(set(reference) - set(actual))
            extra = sorted(set(actual) - set(reference))
            problems.append(f"{path}: missing keys {missing}, extra keys {extra}")
        for key in set(actual) & set(reference):
            problems.extend(same_structure(actual[key], reference[key], f"{path}.{key}"))
    elif isinstance(reference, list):
        if not isinstance(actual, list):
            return [f"{path}: expected list, got {type(actual).__name__}"]
        if reference:
            for i, item in enumerate(actual):
                problems.extend(same_structure(item, reference[0], f"{path}[{i}]"))
    elif reference is None:
        if actual is not None:
            problems.append(f"{path}: expected null, got {type(actual).__name__}")
    elif isinstance(reference, bool) or isinstance(actual, bool):
        if type(actual) is not type(reference):
            problems.append(f"{path}: expected {type(reference).__name__}, got {type(actual).__name__}")
    elif isinstance(reference, int | float):
        if not isinstance(actual, int | float):
            problems.append(f"{path}: expected number, got {type(actual).__name__}")
    elif type(actual) is not type(reference):
        problems.append(f"{path}: expected {type(reference).__name__}, got {type(actual).__name__}")
    return problems
