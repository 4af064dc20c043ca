"""Sign-in: auto-login, password login, refresh, logout, API keys; credentials accepted on routes."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from flowql.app import create_app
from flowql.db.models import ApiKey, RevokedToken, User
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


# ---------------------------------------------------------------- refresh and logout

SAME_ORIGIN = {"Origin": "http://testserver"}


async def _login_tokens(client: httpx.AsyncClient, user: TestUser) -> dict[str, str]:
    r = await client.post("/api/v1/login", data={"username": user.username, "password": user.password})
    assert r.status_code == 200, r.text
    tokens: dict[str, str] = r.json()
    return tokens


def _cookie_attributes(response: httpx.Response) -> dict[str, set[str]]:
    """Each Set-Cookie header's attributes (lower-cased, value and lifetime left out), by name."""
    found: dict[str, set[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        name_value, *attributes = [part.strip() for part in header.split(";")]
        kept = {a.lower() for a in attributes if not a.lower().startswith(("max-age", "expires"))}
        found[name_value.split("=", 1)[0]] = kept
    return found


async def test_refresh_rotates_the_tokens(client: httpx.AsyncClient, alice: TestUser) -> None:
    first = await _login_tokens(client, alice)
    r = await client.post("/api/v1/refresh", headers=SAME_ORIGIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type"}
    assert body["refresh_token"] != first["refresh_token"]
    assert r.cookies.get("access_token_lf") == body["access_token"]
    assert r.cookies.get("refresh_token_lf") == body["refresh_token"]
    me = await client.get("/api/v1/users/whoami", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "alice"
    # the used refresh token is spent; the new one works once
    client.cookies.clear()
    client.cookies.set("refresh_token_lf", first["refresh_token"])
    spent = await client.post("/api/v1/refresh", headers=SAME_ORIGIN)
    assert (spent.status_code, spent.json()) == (401, {"detail": "Invalid refresh token"})
    client.cookies.set("refresh_token_lf", body["refresh_token"])
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 200


async def test_refresh_refuses_what_is_not_a_live_refresh_token(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 401
    tokens = await _login_tokens(client, alice)
    client.cookies.clear()
    for wrong in (tokens["access_token"], "not-a-jwt", alice.api_key):
        client.cookies.set("refresh_token_lf", wrong)
        r = await client.post("/api/v1/refresh", headers=SAME_ORIGIN)
        assert (r.status_code, r.json()) == (401, {"detail": "Invalid refresh token"})
    # a deactivated user's refresh token is refused
    async with services.sessions() as session:
        user = await session.get(User, alice.id)
        assert user is not None
        user.is_active = False
        await session.commit()
    client.cookies.set("refresh_token_lf", tokens["refresh_token"])
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 401


async def test_refresh_by_cookie_needs_a_same_origin_request(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    await _login_tokens(client, alice)
    assert (await client.post("/api/v1/refresh")).status_code == 403
    cross = await client.post("/api/v1/refresh", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 200


async def test_logout_revokes_the_refresh_token_and_clears_the_cookies(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    login = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    refresh_token = login.json()["refresh_token"]
    r = await client.post("/api/v1/logout", headers=SAME_ORIGIN)  # authenticated by the access cookie
    assert (r.status_code, r.json()) == (200, {"message": "Logout successful"})
    assert "access_token_lf" not in client.cookies and "refresh_token_lf" not in client.cookies
    # cleared with exactly the attributes they were set with
    assert _cookie_attributes(r) == _cookie_attributes(login)
    assert _cookie_attributes(r)["refresh_token_lf"] == {"httponly", "path=/", "samesite=lax"}
    assert all("max-age=0" in h.lower() for h in r.headers.get_list("set-cookie"))
    # the old refresh token is refused from now on
    client.cookies.set("refresh_token_lf", refresh_token)
    refused = await client.post("/api/v1/refresh", headers=SAME_ORIGIN)
    assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid refresh token"})


async def test_logout_needs_credentials(client: httpx.AsyncClient, alice: TestUser) -> None:
    tokens = await _login_tokens(client, alice)
    client.cookies.clear()
    client.cookies.set("refresh_token_lf", tokens["refresh_token"])
    r = await client.post("/api/v1/logout", headers=SAME_ORIGIN)
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 200  # not revoked


async def test_logout_does_not_revoke_another_users_token(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    alices = await _login_tokens(client, alice)
    client.cookies.clear()
    client.cookies.set("refresh_token_lf", alices["refresh_token"])
    assert (await client.post("/api/v1/logout", headers=bob.headers)).status_code == 200
    client.cookies.set("refresh_token_lf", alices["refresh_token"])
    assert (await client.post("/api/v1/refresh", headers=SAME_ORIGIN)).status_code == 200


async def test_logout_deletes_expired_revocations(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    async with services.sessions() as session:
        session.add(RevokedToken(jti="old", expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        session.add(RevokedToken(jti="live", expires_at=datetime.now(UTC) + timedelta(days=1)))
        await session.commit()
    assert (await client.post("/api/v1/logout", headers=alice.headers)).status_code == 200
    async with services.sessions() as session:
        left = set(await session.scalars(select(RevokedToken.jti)))
    assert left == {"live"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users/whoami"),
        ("GET", "/api/v1/api_key/"),
        ("GET", "/api/v1/flows/"),
        ("POST", "/api/v1/logout"),
    ],
)
async def test_refresh_token_as_bearer_is_401(
    client: httpx.AsyncClient, alice: TestUser, method: str, path: str
) -> None:
    tokens = await _login_tokens(client, alice)
    client.cookies.clear()
    r = await client.request(method, path, headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    client.cookies.set("access_token_lf", tokens["refresh_token"])  # nor as the access cookie
    assert (await client.request(method, path, headers=SAME_ORIGIN)).status_code == 401


async def test_refresh_token_as_bearer_on_graphql_is_unauthenticated(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    tokens = await _login_tokens(client, alice)
    client.cookies.clear()
    r = await client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {tokens['refresh_token']}"},
    )
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
