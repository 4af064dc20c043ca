"""Upload limits and framing on the streamed upload routes: 413 declared (before reading) and
while streaming (no partial file left), 400 for a bad boundary or broken multipart, and
authentication (and the flow check) before any body byte is read."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from flowql.app import create_app
from flowql.services import AppServices
from flowql.settings import Settings
from tests.conftest import TestUser
from tests.live_server import HANG_GUARD, LiveServer
from tests.rest_compat.files_support import (
    BOUNDARY,
    CountingBody,
    big_upload,
    create_flow,
    multipart_body,
    multipart_head,
    multipart_headers,
    multipart_tail,
    stored_files,
)

MB = 1024 * 1024
UPLOAD_ROUTES = ["/api/v2/files", "/api/v2/files/", "/api/v1/files/upload/{flow_id}"]


@pytest.fixture
def app(services: AppServices) -> FastAPI:
    """The app built with ``FLOWQL_MAX_FILE_SIZE_UPLOAD=1``, so its app-wide body limit is
    1 MB + the multipart allowance too (the ``client`` fixture talks to this app)."""
    services.settings.max_file_size_upload = 1
    return create_app(services=services)


@pytest.fixture
def one_mb(app: FastAPI, services: AppServices) -> Settings:
    """The settings of :func:`app` (1 MB uploads)."""
    assert services.settings.max_file_size_upload == 1
    return services.settings


async def route(client: httpx.AsyncClient, user: TestUser, template: str) -> str:
    if "{flow_id}" in template:
        return template.format(flow_id=await create_flow(client, user))
    return template


@pytest.mark.parametrize("template", UPLOAD_ROUTES)
async def test_declared_length_over_the_limit_is_413_before_reading(
    client: httpx.AsyncClient, alice: TestUser, one_mb: Settings, template: str
) -> None:
    path = await route(client, alice, template)
    body = big_upload("big.bin", 2 * MB)
    headers = {**multipart_headers(alice), "Content-Length": str(body.size)}
    r = await client.post(path, content=body, headers=headers)
    assert r.status_code == 413
    assert r.json() == {"detail": "File size is larger than the maximum file size 1MB."}
    assert body.pulled == 0
    assert stored_files(one_mb) == []


@pytest.mark.parametrize("template", UPLOAD_ROUTES)
async def test_chunked_upload_over_the_limit_is_413_while_streaming(
    client: httpx.AsyncClient, alice: TestUser, one_mb: Settings, template: str
) -> None:
    path = await route(client, alice, template)
    body = big_upload("big.bin", MB + MB // 2)
    r = await client.post(path, content=body, headers=multipart_headers(alice))
    assert r.status_code == 413
    assert r.json() == {"detail": "File size is larger than the maximum file size 1MB."}
    assert 1 < body.pulled < len(body.chunks)  # it stopped reading part-way
    assert stored_files(one_mb) == []  # no partial file, published or temporary
    listed = await client.get("/api/v2/files", headers=alice.headers)
    assert listed.json() == []


async def test_a_file_of_exactly_the_limit_is_accepted(
    client: httpx.AsyncClient, alice: TestUser, one_mb: Settings
) -> None:
    body = big_upload("exact.bin", MB)
    r = await client.post("/api/v2/files", content=body, headers=multipart_headers(alice))
    assert r.status_code == 201, r.text
    assert r.json()["size"] == MB
    [stored] = stored_files(one_mb)
    assert stored.stat().st_size == MB


async def test_append_over_the_limit_keeps_the_old_bytes(
    client: httpx.AsyncClient, alice: TestUser, one_mb: Settings
) -> None:
    first = await client.post(
        "/api/v2/files", content=multipart_body("log.txt", b"kept"), headers=multipart_headers(alice)
    )
    body = big_upload("log.txt", 2 * MB)
    r = await client.post(
        "/api/v2/files", params={"append": "true"}, content=body, headers=multipart_headers(alice)
    )
    assert r.status_code == 413
    [stored] = stored_files(one_mb)
    assert stored.read_bytes() == b"kept"
    got = await client.get(f"/api/v2/files/{first.json()['id']}", headers=alice.headers)
    assert got.content == b"kept"


@pytest.mark.parametrize("template", UPLOAD_ROUTES)
@pytest.mark.parametrize("declared", [True, False])
async def test_no_credentials_is_401_without_reading_the_body(
    client: httpx.AsyncClient, alice: TestUser, one_mb: Settings, template: str, declared: bool
) -> None:
    path = await route(client, alice, template)
    body = big_upload("big.bin", 3 * MB)
    headers = multipart_headers()
    if declared:
        headers["Content-Length"] = str(body.size)
    r = await client.post(path, content=body, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "Not authenticated"}
    assert body.pulled == 0
    assert stored_files(one_mb) == []


async def test_other_routes_keep_the_app_wide_body_limit(client: httpx.AsyncClient, one_mb: Settings) -> None:
    body = CountingBody([b"[" + b" " * (2 * MB) + b"]"])
    headers = {"Content-Type": "application/json", "Content-Length": str(body.size)}
    r = await client.request("DELETE", "/api/v2/files/batch/", content=body, headers=headers)
    assert r.status_code == 413  # the framework's limiter answers before anything runs
    assert body.pulled == 0


async def test_another_users_flow_is_404_without_reading_the_body(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser, settings: Settings
) -> None:
    flow_id = await create_flow(client, alice)
    body = CountingBody([multipart_head("a.txt"), b"data", multipart_tail()])
    r = await client.post(f"/api/v1/files/upload/{flow_id}", content=body, headers=multipart_headers(bob))
    assert r.status_code == 404 and r.json() == {"detail": "Flow not found"}
    assert body.pulled == 0
    assert stored_files(settings) == []


BAD_CONTENT_TYPES = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary="bad\\"quote"',
    "multipart/form-data; boundary=" + "b" * 71,
    'multipart/form-data; boundary="ends-in-space "',
    "multipart/form-data; boundary=at@sign",
    "multipart/form-data; boundary=über",
    "multipart/form-data; boundary=tab\tinside",
]


@pytest.mark.parametrize(
    ("content_type", "template"),
    [(c, "/api/v2/files") for c in BAD_CONTENT_TYPES]
    + [(BAD_CONTENT_TYPES[0], t) for t in UPLOAD_ROUTES[1:]],
)
async def test_a_malformed_boundary_is_400_before_parsing(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings, content_type: str, template: str
) -> None:
    path = await route(client, alice, template)
    body = CountingBody([multipart_body("a.txt", b"data")])
    headers: dict[str, str | bytes] = {**alice.headers, "Content-Type": content_type.encode()}
    r = await client.post(path, content=body, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json() == {"detail": "The multipart boundary is missing or malformed"}
    assert body.pulled == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(multipart_body("a.txt", b"data", boundary="another-boundary"), id="other-boundary"),
        pytest.param(multipart_head("a.txt") + b"data but no closing boundary", id="truncated"),
        pytest.param(b"not multipart at all", id="garbage"),
        pytest.param(f"--{BOUNDARY}\r\nno header colon\r\n\r\ndata".encode(), id="bad-header"),
    ],
)
async def test_a_broken_multipart_body_is_400_and_keeps_nothing(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings, body: bytes
) -> None:
    r = await client.post("/api/v2/files", content=body, headers=multipart_headers(alice))
    assert r.status_code == 400, r.text
    assert stored_files(settings) == []
    assert (await client.get("/api/v2/files", headers=alice.headers)).json() == []


async def test_a_body_without_a_file_part_is_422(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    other_field = multipart_head("a.txt").replace(b'name="file"', b'name="other"') + b"x" + multipart_tail()
    r = await client.post("/api/v2/files", content=other_field, headers=multipart_headers(alice))
    assert r.status_code == 422
    assert r.json() == {"detail": "The multipart body has no 'file' part"}
    as_json = await client.post("/api/v2/files", json={"file": "x"}, headers=alice.headers)
    assert as_json.status_code == 422
    assert stored_files(settings) == []


async def test_the_file_part_may_follow_other_fields(client: httpx.AsyncClient, alice: TestUser) -> None:
    field = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'.encode()
    r = await client.post(
        "/api/v2/files", content=field + multipart_body("late.txt", b"late"), headers=multipart_headers(alice)
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "late"
    got = await client.get(f"/api/v2/files/{r.json()['id']}", headers=alice.headers)
    assert got.content == b"late"


async def _status_before_the_body(server: LiveServer, headers: dict[str, str]) -> bytes:
    """Send only a request head announcing a 3 MB body with ``Expect: 100-continue`` to a real
    server and return the first response line: a server that reads the body first would answer
    ``100 Continue`` and wait for it."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        head = {
            "Host": f"{server.host}:{server.port}",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(3 * MB),
            "Expect": "100-continue",
            **headers,
        }
        lines = ["POST /api/v2/files HTTP/1.1", *(f"{k}: {v}" for k, v in head.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        async with asyncio.timeout(HANG_GUARD):
            return await reader.readline()
    finally:
        writer.close()


async def test_a_real_server_answers_before_the_body_is_sent(
    live_server: LiveServer, alice: TestUser, one_mb: Settings
) -> None:
    assert (await _status_before_the_body(live_server, {})).startswith(b"HTTP/1.1 401 ")
    assert (await _status_before_the_body(live_server, alice.headers)).startswith(b"HTTP/1.1 413 ")
    assert stored_files(one_mb) == []


@pytest.mark.parametrize("template", UPLOAD_ROUTES)
async def test_a_client_disconnecting_mid_upload_is_not_an_error(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: TestUser,
    one_mb: Settings,
    caplog: pytest.LogCaptureFixture,
    template: str,
) -> None:
    path = await route(client, alice, template)
    messages = [
        {"type": "http.request", "body": multipart_head("gone.txt") + b"x" * 1000, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    headers = [(k.lower().encode(), v.encode()) for k, v in multipart_headers(alice).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
    }
    caplog.set_level("INFO")
    await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [400]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert any("client disconnected" in r.getMessage() for r in caplog.records)
    assert stored_files(one_mb) == []
