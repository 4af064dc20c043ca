"""The contract test: schemathesis over FlowQL's own ``/openapi.json``, in-process.

Every operation of the document gets a bounded number of generated requests (``EXAMPLES`` plus
``SEEDED`` with its path parameters set to objects the fixture created, so that reads, patches and
deletes reach real rows), sent with an API key through ``httpx.ASGITransport``. Each response goes
through schemathesis' ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance`` and ``response_schema_conformance`` checks. At least half of the
operations must answer at least one 2xx.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import NonInteractiveExampleWarning
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import flowbuilder as fb
from tests.conftest import TestUser

#: Generated requests per operation (random values), and per operation with seeded path ids.
EXAMPLES = 6
SEEDED = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Operations the run leaves out, with the reason.
EXCLUDED: dict[str, str] = {}


@dataclass
class Tally:
    """Per operation label: how many requests were sent and how many answered 2xx."""

    sent: dict[str, int] = field(default_factory=dict)
    ok: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _draw(strategy: Any, count: int) -> list[Case]:
    """``count`` (at most) cases from a schemathesis strategy, reproducibly."""
    drawn: list[Case] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Case) -> None:
        drawn.append(case)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        collect()
    return drawn[:count]


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


async def _send(client: httpx.AsyncClient, case: Case, headers: dict[str, str]) -> httpx.Response | None:
    """The response to ``case``, or None when httpx cannot even encode the generated request
    (e.g. a multipart part whose value is a number): nothing to check then."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    method = kwargs.pop("method")
    url = kwargs.pop("url")
    data = kwargs.pop("data", None)
    if isinstance(data, (bytes, str)):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    kwargs.pop("timeout", None)
    kwargs.pop("allow_redirects", None)
    kwargs.pop("follow_redirects", None)
    try:
        request = client.build_request(method, url, **kwargs)
        request.read()  # multipart bodies are streams; the checks read the request back
    except (TypeError, AttributeError, ValueError):
        return None
    return await client.send(request)


async def _seed(client: httpx.AsyncClient, user: TestUser) -> dict[str, str]:
    """Objects the seeded requests point at: a flow that has run (so it has messages,
    transactions and a trace), its project, the user and an API key."""
    flow = await client.post("/api/v1/flows/", json=fb.prompt_flow("contract"), headers=user.headers)
    assert flow.status_code == 201, flow.text
    flow_id = flow.json()["id"]
    run = await client.post(
        f"/api/v1/run/{flow_id}", json={"input_value": "hi", "session_id": "contract-s"}, headers=user.headers
    )
    assert run.status_code == 200, run.text
    key = await client.post("/api/v1/api_key/", json={"name": "contract"}, headers=user.headers)
    ids = {
        "flow_id": flow_id,
        "flow_id_or_name": flow_id,
        "folder_id": flow.json()["folder_id"],
        "project_id": flow.json()["folder_id"],
        "user_id": str(user.id),
        "api_key_id": key.json()["id"],
        "session_id": "contract-s",
        "old_session_id": "contract-s",
    }
    upload = await client.post(
        "/api/v2/files", files={"file": ("notes.txt", b"contract notes")}, headers=user.headers
    )
    assert upload.status_code == 201, upload.text
    ids["file_id"] = upload.json()["id"]
    build = await client.post(
        f"/api/v1/build/{flow_id}/flow", json={"inputs": {"input_value": "hi"}}, headers=user.headers
    )
    if build.status_code == 200:
        ids["job_id"] = build.json()["job_id"]
    messages = await client.get("/api/v1/monitor/messages", params={"flow_id": flow_id}, headers=user.headers)
    if messages.status_code == 200 and messages.json():
        ids["message_id"] = messages.json()[0]["id"]
    traces = await client.get("/api/v1/monitor/traces", params={"flow_id": flow_id}, headers=user.headers)
    if traces.status_code == 200 and traces.json().get("traces"):
        ids["trace_id"] = traces.json()["traces"][0]["id"]
    server = await client.post("/api/v2/mcp/servers/contract", json={"command": "uvx"}, headers=user.headers)
    if server.status_code == 200:  # issue 11: an MCP server config for /api/v2/mcp/servers/{server_name}
        ids["server_name"] = "contract"
    return ids


#: Deletes of the objects every seeded request points at: these run last.
SEED_OWNERS = ("/api/v1/flows/{flow_id}", "/api/v1/projects/{project_id}", "/api/v1/users/{user_id}")


def _order(op: Any) -> tuple[int, str, str]:
    """Reads and writes first, then deletes, then the deletes of the seeded flow, project and
    user, so that seeded ids reach real rows for as long as possible."""
    rank = 0 if op.method.upper() != "DELETE" else 2 if op.path in SEED_OWNERS else 1
    return (rank, op.path, op.method)


def _seeded_path(path_names: list[str], ids: dict[str, str]) -> dict[str, str] | None:
    if not path_names or any(name not in ids for name in path_names):
        return None
    return {name: ids[name] for name in path_names}


async def test_openapi_contract(app: FastAPI, client: httpx.AsyncClient, alice: TestUser) -> None:
    with _quiet():
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    ids = await _seed(client, alice)
    tally = Tally()
    for op in operations:
        label = f"{op.method.upper()} {op.path}"
        if label in EXCLUDED:
            continue
        path_names = [p.name for p in op.path_parameters]
        with _quiet():
            cases = _draw(op.as_strategy(), EXAMPLES)
            seeded = _seeded_path(path_names, ids)
            if seeded is not None:
                cases += _draw(op.as_strategy(path_parameters=seeded), SEEDED)
        for case in cases:
            response = await _send(client, case, alice.headers)
            if response is None:
                continue
            tally.sent[label] = tally.sent.get(label, 0) + 1
            if 200 <= response.status_code < 300:
                tally.ok[label] = tally.ok.get(label, 0) + 1
            try:
                with _quiet():
                    case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                detail = "; ".join(str(f.title) for f in group.exceptions)
                body = response.text[:300]
                tally.failures.append(f"{label} -> {response.status_code}: {detail} | {body}")
    requests = sum(tally.sent.values())
    print(f"contract: {len(tally.sent)} operations, {requests} requests, {len(tally.ok)} with a 2xx")
    assert not tally.failures, "\n".join(tally.failures)
    assert len(tally.ok) * 2 >= len(tally.sent), (
        f"only {len(tally.ok)} of {len(tally.sent)} operations answered 2xx: "
        + json.dumps(sorted(set(tally.sent) - set(tally.ok)))
    )


def test_seeded_path_needs_every_name() -> None:
    ids = {"flow_id": str(uuid.uuid4())}
    assert _seeded_path(["flow_id"], ids) == ids
    assert _seeded_path(["flow_id", "trace_id"], ids) is None
    assert _seeded_path([], ids) is None


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
