"""``GET /logs`` and ``GET /logs-stream``: superusers only, Langflow's parameters, and no secret
in any stored or printed line — while the requests that carry secrets are logged at all."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path

import httpx
import pytest

from flowql.auth.api_keys import generate_api_key
from flowql.settings import Settings
from tests.conftest import MakeUser, TestUser
from tests.live_server import HANG_GUARD
from tests.model_server import ModelServer, error
from tests.rest_compat.agentic_support import log_lines, model_flow, write_flow

FORBIDDEN = {"detail": "The user doesn't have enough privileges"}


@pytest.fixture
async def admin(make_user: MakeUser) -> TestUser:
    """A superuser."""
    return await make_user("admin", superuser=True)


async def test_logs_need_a_superuser(client: httpx.AsyncClient, alice: TestUser, admin: TestUser) -> None:
    for path in ("/logs", "/logs-stream"):
        r = await client.get(path)
        assert r.status_code == 401, path
        assert r.json() == {"detail": "Not authenticated"}
        r = await client.get(path, headers=alice.headers)
        assert r.status_code == 403, path
        assert r.json() == FORBIDDEN
    marker = f"marker-{uuid.uuid4().hex}"
    logging.getLogger("flowql.test").warning(marker)
    r = await client.get("/logs", headers=admin.headers)
    assert r.status_code == 200
    lines = r.json()
    assert all(key.isdigit() for key in lines)
    assert any(line.endswith(f"WARNING flowql.test: {marker}") for line in lines.values())


async def test_logs_stream_sends_new_records_to_a_superuser(
    live_client: httpx.AsyncClient, admin: TestUser
) -> None:
    marker = f"streamed-{uuid.uuid4().hex}"
    key = generate_api_key()
    async with asyncio.timeout(HANG_GUARD):
        async with live_client.stream("GET", "/logs-stream", headers=admin.headers) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            logging.getLogger("flowql.test").info("%s with key %s", marker, key)
            async for raw in r.aiter_lines():
                if not raw or raw == "keepalive":
                    continue
                frame = json.loads(raw)
                ((timestamp, line),) = frame.items()
                if marker in line:
                    assert timestamp.isdigit()
                    assert key not in line
                    assert line.endswith(f"{marker} with key sk-***")
                    break


async def test_logs_stream_refuses_an_ordinary_user_live(
    live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await live_client.get("/logs-stream", headers=alice.headers)
    assert r.status_code == 403
    assert r.json() == FORBIDDEN


async def test_lines_before_after_and_timestamp(client: httpx.AsyncClient, admin: TestUser) -> None:
    tag = uuid.uuid4().hex
    log = logging.getLogger("flowql.test")
    for i in range(3):
        log.warning("%s-%d", tag, i)
    stamps = {}
    r = await client.get("/logs", params={"lines_before": 200}, headers=admin.headers)
    for stamp, line in r.json().items():
        for i in range(3):
            if line.endswith(f"{tag}-{i}"):
                stamps[i] = int(stamp)
    assert stamps[0] < stamps[1] < stamps[2]  # unique, increasing keys

    def tail(body: dict[str, str]) -> list[str]:
        return [line.rsplit(": ", 1)[-1] for line in body.values()]

    r = await client.get("/logs", params={"timestamp": stamps[0], "lines_after": 2}, headers=admin.headers)
    assert tail(r.json()) == [f"{tag}-0", f"{tag}-1"]
    r = await client.get("/logs", params={"timestamp": stamps[2], "lines_before": 2}, headers=admin.headers)
    assert tail(r.json()) == [f"{tag}-0", f"{tag}-1"]
    r = await client.get("/logs", params={"timestamp": stamps[2]}, headers=admin.headers)
    assert len(r.json()) == 10 and tail(r.json())[-1] == f"{tag}-1"
    log.warning("%s-last", tag)
    r = await client.get("/logs", params={"lines_before": 1}, headers=admin.headers)
    assert tail(r.json()) == [f"{tag}-last"]
    r = await client.get("/logs", headers=admin.headers)
    assert len(r.json()) == 10
    for params in ({"lines_before": 1, "lines_after": 1, "timestamp": 1}, {"lines_after": 3}):
        r = await client.get("/logs", params=params, headers=admin.headers)
        assert r.status_code == 422, params
    r = await client.get("/logs", params={"lines_before": "many"}, headers=admin.headers)
    assert r.status_code == 422


async def test_secrets_never_reach_a_stored_or_printed_line(
    client: httpx.AsyncClient,
    alice: TestUser,
    admin: TestUser,
    settings: Settings,
    tmp_path: Path,
    model_server: ModelServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    password = f"Tr0ub4dor-{uuid.uuid4().hex}"
    header_key, query_key, bearer_key, flow_key, echoed_key = (generate_api_key() for _ in range(5))
    forged_jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmb3JnZWQifQ.c2lnbmF0dXJlLWZvcmdlZA"
    secrets = [password, header_key, query_key, bearer_key, flow_key, echoed_key, forged_jwt]
    secrets.append(str(settings.secret_key))

    # A failed login (the password also in the query string, as careless clients send it).
    r = await client.post("/api/v1/login", data={"username": alice.username, "password": password})
    assert r.status_code == 401
    r = await client.post(
        "/api/v1/login",
        params={"password": password},
        data={"username": alice.username, "password": password},
    )
    assert r.status_code == 401
    # Invalid API keys in the header, the query and as a bearer token; a forged JWT.
    assert (await client.get("/api/v1/flows/", headers={"x-api-key": header_key})).status_code == 401
    assert (await client.get("/api/v1/flows/", params={"x-api-key": query_key})).status_code == 401
    auth = {"Authorization": f"Bearer {bearer_key}"}
    assert (await client.get("/api/v1/flows/", headers=auth)).status_code == 401
    assert (await client.get("/api/v1/flows/", params={"token": forged_jwt})).status_code == 401
    # A flow error whose message echoes a key (the engine masks the key the flow sent itself; a
    # provider may echo another one, e.g. a key given in the prompt).
    settings.agentic_flows_dir = tmp_path / "agentic"
    write_flow(settings.agentic_flows_dir, "failing", model_flow("failing", api_key=flow_key, stream=False))
    model_server.add(error(401, f"Incorrect API key provided: {echoed_key}. Find your key elsewhere."))
    r = await client.post(
        "/api/v1/agentic/execute/failing", json={"flow_id": "f", "input_value": "hi"}, headers=alice.headers
    )
    assert r.status_code == 502, r.text
    assert model_server.requests[0].authorization == f"Bearer {flow_key}"

    lines = await log_lines(client, admin)
    printed = capsys.readouterr().err
    # The lines were logged at all ...
    assert any("authentication failed: POST /api/v1/login -> 401" in line for line in lines)
    assert any("POST /api/v1/login?password=*** -> 401" in line for line in lines)
    assert any("GET /api/v1/flows/ -> 401" in line and "x-api-key header" in line for line in lines)
    assert any("GET /api/v1/flows/?x-api-key=*** -> 401" in line for line in lines)
    assert any("GET /api/v1/flows/ -> 401" in line and "credentials=bearer" in line for line in lines)
    assert any("GET /api/v1/flows/?token=*** -> 401" in line for line in lines)
    failure = [line for line in lines if "agentic flow 'failing' failed" in line]
    assert failure and "Incorrect API key provided: sk-***" in failure[0]
    for text in ("POST /api/v1/login?password=*** -> 401", "agentic flow 'failing' failed", "sk-***"):
        assert text in printed
    # ... and none carries a secret, in the buffer or on the console.
    for secret in secrets:
        assert not [line for line in lines if secret in line], secret
        assert secret not in printed, secret
