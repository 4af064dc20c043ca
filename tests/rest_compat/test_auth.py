"""Sign-in: auto-login, password login, API keys; credentials accepted on routes."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

from flowql.app import create_app
from flowql.db.models import ApiKey
from flowql.services import AppServices
from tests.conftest import TestUser


async def test_login_returns_tokens_and_cookies(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert r.cookies.get("access_token_lf") == body["access_token"]
    assert r.cookies.get("refresh_token_lf") == body["refresh_token"]


async def test_login_wrong_password_or_unknown_user_is_401(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    bad = await client.post("/api/v1/login", data={"username": "alice", "password": "nope"})
    unknown = await client.post("/api/v1/login", data={"username": "zed", "password": "nope"})
    assert bad.status_code == unknown.status_code == 401
    assert bad.json() == unknown.json() == {"detail": "Incorrect username or password"}


async def test_login_missing_field_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/login", data={"username": "alice"})
    assert r.status_code == 422


async def test_auto_login_off_is_403(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/auto_login")
    assert r.status_code == 403


async def test_auto_login_on_gives_superuser_tokens(services: AppServices) -> None:
    services.settings.auto_login = True
    app = create_app(services=services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:7860"
    ) as c:
        r = await c.get("/api/v1/auto_login")
        assert r.status_code == 200
        token = r.json()["access_token"]
        assert r.cookies.get("access_token_lf") == token
        # the token authenticates as the default superuser, by header and by cookie
        key = await c.post(
            "/api/v1/api_key/", json={"name": "k"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert key.status_code == 200
        assert key.json()["api_key"].startswith("sk-")


async def test_api_key_and_token_accepted(client: httpx.AsyncClient, alice: TestUser) -> None:
    token = (
        await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    ).json()
    created = await client.post(
        "/api/v1/api_key/", json={"name": "ci"}, headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert created.status_code == 200
    secret = created.json()["api_key"]
    for headers, params in (
        ({"x-api-key": secret}, {}),
        ({"Authorization": f"Bearer {secret}"}, {}),
        ({}, {"x-api-key": secret}),
    ):
        r = await client.post("/api/v1/api_key/", json={}, headers=headers, params=params)
        assert r.status_code == 200, (headers, params)


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient, alice: TestUser) -> None:
    tokens = (
        await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    ).json()
    client.cookies.clear()  # only the refresh token may be presented
    r = await client.post(
        "/api/v1/api_key/", json={}, headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert r.status_code == 401


async def test_missing_or_bad_credentials_401(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/api_key/", json={})).status_code == 401
    r = await client.post("/api/v1/api_key/", json={}, headers={"x-api-key": "sk-wrong"})
    assert r.status_code == 401


async def test_public_routes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/health_check")).json()["status"] == "ok"
    assert (await client.get("/api/v1/version")).json()["package"] == "FlowQL"
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


async def test_cookie_only_state_change_needs_same_origin(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert r.status_code == 200  # the client now holds the access_token_lf cookie
    cross = await client.post("/api/v1/api_key/", json={}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    missing = await client.post("/api/v1/api_key/", json={})
    assert missing.status_code == 403
    same = await client.post("/api/v1/api_key/", json={}, headers={"Origin": "http://testserver"})
    assert same.status_code == 200


async def test_api_key_secret_is_shown_once_and_stored_only_hashed(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    r = await client.post("/api/v1/api_key/", json={"name": "once"}, headers=alice.headers)
    secret = r.json()["api_key"]
    async with services.sessions() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.id == uuid.UUID(r.json()["id"])))
    assert row is not None
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(getattr(row, c.key)) for c in ApiKey.__table__.columns)
    assert secret not in stored
    assert row.prefix == secret[:8]


async def test_api_key_answer_has_the_peer_keys(
    client: httpx.AsyncClient, alice: TestUser, shared_dir: Path
) -> None:
    peer = json.loads((shared_dir / "peer" / "samples" / "api_key_create_response.json").read_text())
    r = await client.post("/api/v1/api_key/", json={"name": "bench"}, headers=alice.headers)
    assert r.status_code == 200
    assert set(r.json()) == set(peer)
    assert r.json()["user_id"] == str(alice.id) and r.json()["name"] == "bench"


async def test_auto_login_refuses_a_foreign_host(services: AppServices) -> None:
    services.settings.auto_login = True
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
        rebound = await c.get("/api/v1/auto_login", headers={"Host": "attacker.example:7860"})
        assert rebound.status_code == 403
        assert "access_token_lf" not in rebound.cookies
        for host in ("localhost:7860", "127.0.0.1", "[::1]:7860"):
            assert (await c.get("/api/v1/auto_login", headers={"Host": host})).status_code == 200, host


async def test_login_ignores_a_stale_cookie(client: httpx.AsyncClient, alice: TestUser) -> None:
    first = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert first.cookies.get("access_token_lf")  # the client now carries the cookie, and no Origin
    again = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert again.status_code == 200


async def test_bodies_over_the_upload_limit_are_413(services: AppServices, alice: TestUser) -> None:
    services.settings.max_file_size_upload = 1
    app = create_app(services=services)
    body = {"name": "big", "description": "x" * (2 * 1024 * 1024)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/api/v1/flows/", json=body, headers=alice.headers)
        assert r.status_code == 413
        listed = await c.get("/api/v1/flows/", headers=alice.headers)
        assert listed.json() == []
        gql = await c.post("/graphql", json={"query": "{ me { id } }", "pad": "x" * (2 * 1024 * 1024)})
        assert gql.status_code == 413
