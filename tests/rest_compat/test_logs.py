"""``GET /logs`` and ``GET /logs-stream``: superusers only, Langflow's parameters, and no secret
in any stored or printed line — while the requests that carry secrets are logged at all."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import update

from flowql.auth.api_keys import generate_api_key
from flowql.db.models import User
from flowql.logs import RunSecrets, current_run_secrets, redactor, start_run_secrets
from flowql.logs.run_secrets import MAX_RUN_SECRETS
from flowql.services import AppServices
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.conftest import MakeUser, TestUser
from tests.live_server import HANG_GUARD
from tests.model_server import ModelServer, error
from tests.rest_compat.agentic_support import log_lines, model_flow, url_flow, write_flow

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


async def test_negative_log_counts_are_refused(client: httpx.AsyncClient, admin: TestUser) -> None:
    for params in ({"lines_before": -1}, {"lines_after": -1, "timestamp": 1}, {"timestamp": -5}):
        r = await client.get("/logs", params=params, headers=admin.headers)
        assert r.status_code == 422, params
        assert r.json()["detail"][0]["loc"] == ["query", next(iter(params))]


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
            else:
                pytest.fail("the stream ended without the marker")


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
    for stamp, text in r.json().items():
        for line in text.split("\n"):  # records of one millisecond share a key
            for i in range(3):
                if line.endswith(f"{tag}-{i}"):
                    stamps[i] = int(stamp)
    assert stamps[0] <= stamps[1] <= stamps[2]  # never decreasing, never ahead of the clock
    assert stamps[2] <= int(time.time() * 1000)

    def tail(body: dict[str, str]) -> list[str]:
        return [line.rsplit(": ", 1)[-1] for text in body.values() for line in text.split("\n")]

    r = await client.get("/logs", params={"timestamp": stamps[0], "lines_after": 2}, headers=admin.headers)
    assert tail(r.json()) == [f"{tag}-0", f"{tag}-1"]
    r = await client.get(
        "/logs", params={"timestamp": stamps[2] + 1, "lines_before": 2}, headers=admin.headers
    )
    assert tail(r.json()) == [f"{tag}-1", f"{tag}-2"]
    r = await client.get("/logs", params={"timestamp": stamps[2] + 1}, headers=admin.headers)
    assert len(tail(r.json())) == 10 and tail(r.json())[-1] == f"{tag}-2"
    log.warning("%s-last", tag)
    r = await client.get("/logs", params={"lines_before": 1}, headers=admin.headers)
    assert tail(r.json()) == [f"{tag}-last"]
    r = await client.get("/logs", headers=admin.headers)
    assert len(tail(r.json())) == 10
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
    forged_cookie = f"forged-cookie-{uuid.uuid4().hex}"
    secrets = [password, header_key, query_key, bearer_key, flow_key, echoed_key, forged_jwt, forged_cookie]
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
    cookie = {"Cookie": f"access_token_lf={forged_cookie}"}
    assert (await client.get("/api/v1/flows/", headers=cookie)).status_code == 401
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
    assert any("GET /api/v1/flows/ -> 401" in line and "credentials=cookie" in line for line in lines)
    failure = [line for line in lines if "agentic flow 'failing' failed" in line]
    assert failure and "Incorrect API key provided: sk-***" in failure[0]
    for text in ("POST /api/v1/login?password=*** -> 401", "agentic flow 'failing' failed", "sk-***"):
        assert text in printed
    # ... and none carries a secret, in the buffer or on the console.
    for secret in secrets:
        assert not [line for line in lines if secret in line], secret
        assert secret not in printed, secret


async def test_run_variables_never_reach_a_line(
    client: httpx.AsyncClient,
    alice: TestUser,
    admin: TestUser,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Values of ``X-LANGFLOW-GLOBAL-VAR-*`` headers and of environment variables resolved for
    a run (not shaped like any key) are redacted from the error lines that echo them."""
    header_value = f"LEAKURL3gv{uuid.uuid4().hex[:12]}"
    env_value = f"ENVLEAK{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("FIX12_SERVICE_URL", f"http://127.0.0.1:9/env?access={env_value}")
    settings.agentic_flows_dir = tmp_path / "agentic"
    for name, variable in (("header", "SERVICE_URL"), ("env", "FIX12_SERVICE_URL")):
        write_flow(settings.agentic_flows_dir, name, url_flow(name, variable))
    headers = {
        **alice.headers,
        "X-LANGFLOW-GLOBAL-VAR-SERVICE_URL": f"http://127.0.0.1:9/x?key={header_value}",
    }
    for name in ("header", "env"):
        r = await client.post(f"/api/v1/agentic/execute/{name}", json={"flow_id": "f"}, headers=headers)
        assert r.status_code in (422, 502), r.text

    lines = await log_lines(client, admin)
    printed = capsys.readouterr().err
    for name in ("header", "env"):
        failure = [line for line in lines if f"agentic flow '{name}' failed" in line]
        assert failure and "fetch ***: 127.0.0.1 is a loopback address" in failure[0], failure
    for secret in (header_value, env_value):
        assert not [line for line in lines if secret in line], secret
        assert secret not in printed, secret


async def test_a_run_variable_masks_only_the_records_of_its_own_run(
    client: httpx.AsyncClient, alice: TestUser, admin: TestUser, settings: Settings, tmp_path: Path
) -> None:
    """A run's variable masks its value in that run's records, never in another request's (a
    failed login's access line naming the same text) or in a record logged outside any run."""
    settings.agentic_flows_dir = tmp_path / "agentic"
    write_flow(settings.agentic_flows_dir, "poison", url_flow("poison", "SERVICE_URL"))
    value = f"http://127.0.0.1:9/authentication-failed-{uuid.uuid4().hex[:8]}"
    headers = {**alice.headers, "X-LANGFLOW-GLOBAL-VAR-SERVICE_URL": value}
    r = await client.post("/api/v1/agentic/execute/poison", json={"flow_id": "f"}, headers=headers)
    assert r.status_code in (422, 502), r.text
    assert current_run_secrets() is None  # the request left no set to its caller
    marker = f"outside-{uuid.uuid4().hex}"
    logging.getLogger("flowql.test").warning("%s %s", marker, value)
    r = await client.post(
        "/api/v1/login", params={"next": value}, data={"username": alice.username, "password": "x"}
    )
    assert r.status_code == 401

    lines = await log_lines(client, admin)
    failure = [line for line in lines if "agentic flow 'poison' failed" in line]
    assert failure and "fetch ***: 127.0.0.1 is a loopback address" in failure[0], failure
    assert not [line for line in lines if value in line and "flowql.agentic" in line]
    assert any(line.endswith(f"WARNING flowql.test: {marker} {value}") for line in lines)
    encoded = quote(value, safe="")
    assert any(f"authentication failed: POST /api/v1/login?next={encoded} -> 401" in line for line in lines)


async def test_many_run_variables_stay_bounded_and_never_reach_the_process_redactor(
    client: httpx.AsyncClient,
    alice: TestUser,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs with 500 variable headers each: every run's set holds at most
    :data:`MAX_RUN_SECRETS` values (the first resolved), the process's redactor gains none."""
    names = [f"V{i}" for i in range(500)]
    fields = {n: fb.field(n, load_from_db=True) for n in names}
    template = "".join(f"{{{n}}}" for n in names)
    settings.agentic_flows_dir = tmp_path / "agentic"
    write_flow(
        settings.agentic_flows_dir,
        "many",
        fb.flow(
            "many",
            [fb.prompt("Prompt-a", template, fields), fb.chat_out("ChatOutput-a")],  # type: ignore[arg-type]
            [fb.edge("Prompt-a", "prompt", "ChatOutput-a", "input_value")],
        ),
    )
    made: list[RunSecrets] = []

    def capturing() -> RunSecrets:
        made.append(start_run_secrets())
        return made[-1]

    monkeypatch.setattr("flowql.resolvers.message_store.start_run_secrets", capturing)
    before = redactor().secret_count
    for run in range(3):
        headers = {**alice.headers, **{f"X-LANGFLOW-GLOBAL-VAR-{n}": f"run{run}-{n}-value" for n in names}}
        r = await client.post("/api/v1/agentic/execute/many", json={"flow_id": "f"}, headers=headers)
        assert r.status_code == 200, r.text
        assert f"run{run}-V0-valuerun{run}-V1-value" in r.text
    assert redactor().secret_count == before
    assert len(made) == 3
    for run, secrets in enumerate(made):
        assert len(secrets) == MAX_RUN_SECRETS
        resolved = [f"run{run}-{n}-value" for n in names]
        assert sum(value in secrets for value in resolved) == MAX_RUN_SECRETS
        assert f"run{run}-V499-value" not in secrets or f"run{run}-V0-value" not in secrets


async def test_a_request_cannot_forge_lines_or_send_terminal_escapes(
    client: httpx.AsyncClient, admin: TestUser, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = "2026-01-01T00:00:00Z INFO flowql.access: forged"
    tag = uuid.uuid4().hex
    path = f"/api/v1/{tag}%0A{forged.replace(' ', '%20')}%1b[31m%0D"
    r = await client.get(path, params={"q": f"a\nb\x1b[0m{tag}"})
    assert r.status_code == 404
    lines = await log_lines(client, admin)
    printed = capsys.readouterr().err
    access = [line for line in lines if tag in line and "-> 404" in line]
    assert len(access) == 1
    assert f"GET /api/v1/{tag}%0A2026-01-01T00:00:00Z%20INFO" in access[0]  # the path as sent
    assert "%1b[31m%0D?q=a%5Cnb%5Cx1b[0m" in access[0]  # the query decoded, escaped, encoded
    for text in (*lines, printed):
        assert "\x1b" not in text
    for text in (*lines, printed):  # /logs joins the lines of one millisecond with newlines
        assert not [part for part in text.split("\n") if part.startswith("2026-01-01T00:00:00Z")]


async def test_huge_requests_are_logged_cut(client: httpx.AsyncClient, admin: TestUser) -> None:
    tag = uuid.uuid4().hex
    r = await client.get(f"/api/v1/{tag}/{'p' * 20_000}", params={"q": "x" * 40_000, "page": "2"})
    assert r.status_code == 404
    (line,) = [line for line in await log_lines(client, admin) if tag in line]
    assert len(line) < 5_000
    assert (
        f"GET /api/v1/{tag}/…[20000 characters cut]?q=%E2%80%A6[40000+characters+cut]&page=2 -> 404" in line
    )
    r = await client.get(f"/api/v1/{tag}", params=[("k", "v" * 500)] * 40)
    (line,) = [line for line in await log_lines(client, admin) if f"{tag}?" in line]
    assert len(line) < 5_000 and "characters in all] -> 404" in line


async def test_a_graphql_get_login_is_logged_without_its_password(
    client: httpx.AsyncClient, alice: TestUser, admin: TestUser
) -> None:
    password = f"GqlPass-{uuid.uuid4().hex}"
    query = f'mutation {{ login(username: "{alice.username}", password: "{password}") {{ accessToken }} }}'
    await client.get("/api/v2/graphql", params={"query": query})
    lines = [line for line in await log_lines(client, admin) if "GET /api/v2/graphql?query=" in line]
    assert lines and all(password not in line for line in lines)
    assert "password%3A+%22***%22" in lines[-1]


@pytest.mark.parametrize("change", [{"is_superuser": False}, {"is_active": False}])
async def test_logs_stream_ends_when_the_superuser_is_demoted_or_deactivated(
    live_client: httpx.AsyncClient,
    admin: TestUser,
    services: AppServices,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, bool],
) -> None:
    monkeypatch.setattr("flowql.resolvers.logs.RECHECK_SECONDS", 0.1)
    marker = f"before-{uuid.uuid4().hex}"
    frames: list[str] = []
    async with asyncio.timeout(HANG_GUARD):
        async with live_client.stream("GET", "/logs-stream", headers=admin.headers) as r:
            assert r.status_code == 200
            lines = r.aiter_lines()
            async for raw in lines:  # the stream is live: it sends keepalives, then the marker
                logging.getLogger("flowql.test").warning(marker)
                if marker in raw:
                    break
            async with services.sessions() as session:
                await session.execute(update(User).where(User.id == admin.principal.user_id).values(**change))
                await session.commit()
            async for raw in lines:  # ends by itself; a keepalive or two may come first
                frames.append(raw)
    assert all(frame in ("", "keepalive") or frame.startswith("{") for frame in frames), frames
