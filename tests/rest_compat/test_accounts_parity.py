"""Parity with the peer (issue 5, "Done when"): each account route answers its documented status
and the keys of the captured answer, recursively (``../shared/peer/resources/*.json``,
``config_*.txt``, ``version_response.txt``); captured error bodies are matched exactly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import MakeUser, TestUser
from tests.rest_compat.test_config import peer_txt_json
from tests.shared_files import load_json

SAME_ORIGIN = {"Origin": "http://testserver"}


def assert_same_keys(ours: Any, peer: Any, path: str = "$") -> None:
    """Objects have the same keys at every level; list items are compared with the peer's
    first object item (captured lists are trimmed and may end with a "<N more>" marker)."""
    if isinstance(peer, dict):
        assert isinstance(ours, dict), f"{path}: expected an object, got {ours!r}"
        assert set(ours) == set(peer), (
            f"{path}: extra {set(ours) - set(peer)}, missing {set(peer) - set(ours)}"
        )
        for key, value in peer.items():
            if isinstance(value, dict | list):
                assert_same_keys(ours[key], value, f"{path}.{key}")
    elif isinstance(peer, list):
        assert isinstance(ours, list), f"{path}: expected a list, got {ours!r}"
        items = [item for item in peer if isinstance(item, dict)]
        if items:
            assert ours, f"{path}: the peer's list has objects, ours is empty"
            for index, item in enumerate(ours):
                assert_same_keys(item, items[0], f"{path}[{index}]")


def capture(name: str) -> tuple[int, Any]:
    """(status, body) of ``shared/peer/resources/<name>.json``."""
    data = load_json("peer", "resources", f"{name}.json")
    return int(data["status"]), data["body"]


def assert_like(response: httpx.Response, name: str) -> None:
    status, body = capture(name)
    assert response.status_code == status, f"{name}: {response.status_code} {response.text}"
    assert_same_keys(response.json(), body, name)


@pytest.fixture
async def root(make_user: MakeUser) -> TestUser:
    """A superuser."""
    return await make_user("root", superuser=True)


async def test_users_routes_match_the_captures(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser
) -> None:
    signup = await client.post("/api/v1/users/", json={"username": "capuser", "password": "pw-1"})
    assert_like(signup, "users_signup")
    new_id = signup.json()["id"]
    assert_like(await client.get("/api/v1/users/?skip=0&limit=2", headers=root.headers), "users_list")
    activate = await client.patch(f"/api/v1/users/{new_id}", json={"is_active": True}, headers=root.headers)
    assert_like(activate, "users_patch_activate")
    assert_like(await client.get("/api/v1/users/whoami", headers=alice.headers), "whoami_user")
    reset = await client.patch(
        f"/api/v1/users/{alice.id}/reset-password",
        json={"current_password": alice.password, "password": "pw-new"},
        headers=alice.headers,
    )
    assert_like(reset, "reset_password")


async def test_error_bodies_match_the_captures(client: httpx.AsyncClient, alice: TestUser) -> None:
    forbidden = await client.get("/api/v1/users/", headers=alice.headers)
    assert (forbidden.status_code, forbidden.json()) == capture("users_list_forbidden")
    bad = await client.post("/api/v1/login", data={"username": "alice", "password": "wrong"})
    assert (bad.status_code, bad.json()) == capture("login_bad_password")


async def test_sign_in_routes_match_the_captures(client: httpx.AsyncClient, alice: TestUser) -> None:
    login = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert_like(login, "login")
    assert_like(await client.post("/api/v1/refresh", headers=SAME_ORIGIN), "refresh")
    client.cookies.clear()
    await client.post("/api/v1/api_key/", json={"name": "k"}, headers=alice.headers)
    assert_like(await client.get("/api/v1/api_key/", headers=alice.headers), "api_key_list")


async def test_config_and_version_match_the_captures(client: httpx.AsyncClient, alice: TestUser) -> None:
    public = await client.get("/api/v1/config")
    assert public.status_code == 200
    assert_same_keys(public.json(), peer_txt_json("config_public_response.txt"))
    full = await client.get("/api/v1/config", headers=alice.headers)
    assert full.status_code == 200
    assert_same_keys(full.json(), peer_txt_json("config_response.txt"))
    version = await client.get("/api/v1/version")
    assert version.status_code == 200
    assert_same_keys(version.json(), peer_txt_json("version_response.txt"))
