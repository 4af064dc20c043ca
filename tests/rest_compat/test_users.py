"""``/api/v1/users`` (issue 5, rows 20-24): sign-up, the superuser's listing, whoami, read,
patch, reset-password and delete, with their permission rules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flowql.db.models import ApiKey, Project, User
from flowql.services import AppServices
from tests.conftest import MakeUser, TestUser

NOT_ENOUGH_PRIVILEGES = {"detail": "The user doesn't have enough privileges"}
PERMISSION_DENIED = {"detail": "Permission denied"}


@pytest.fixture
async def root(make_user: MakeUser) -> TestUser:
    """A superuser."""
    return await make_user("root", superuser=True)


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    response = await client.post("/api/v1/login", data={"username": username, "password": password})
    client.cookies.clear()
    return response


async def _sign_up(client: httpx.AsyncClient, username: str, password: str = "pw-1") -> httpx.Response:
    return await client.post("/api/v1/users/", json={"username": username, "password": password})


async def _whoami(client: httpx.AsyncClient, user: TestUser) -> dict[str, Any]:
    r = await client.get("/api/v1/users/whoami", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# ---------------------------------------------------------------- sign-up


async def test_sign_up_creates_an_inactive_user_with_a_default_project(
    client: httpx.AsyncClient, services: AppServices
) -> None:
    r = await _sign_up(client, "carol", "secret-1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/users/{body['id']}"
    assert body["username"] == "carol"
    assert body["is_active"] is False and body["is_superuser"] is False
    assert body["store_api_key"] is None and body["profile_image"] is None
    assert body["optins"] == {"github_starred": False, "dialog_dismissed": False, "discord_clicked": False}
    assert body["create_at"] and body["last_login_at"] is None
    async with services.sessions() as session:
        user = await session.scalar(select(User).where(User.id == uuid.UUID(body["id"])))
        project = await session.scalar(select(Project).where(Project.user_id == uuid.UUID(body["id"])))
    assert user is not None and user.password_hash.startswith("$argon2")
    assert project is not None and project.is_default
    # inactive: the password is right, but the login is refused like any other failure
    refused = await _login(client, "carol", "secret-1")
    assert (refused.status_code, refused.json()) == (401, {"detail": "Incorrect username or password"})


async def test_sign_up_active_when_configured(client: httpx.AsyncClient, services: AppServices) -> None:
    services.settings.new_user_is_active = True
    r = await _sign_up(client, "dave", "secret-2")
    assert r.status_code == 201 and r.json()["is_active"] is True
    assert (await _login(client, "dave", "secret-2")).status_code == 200


async def test_sign_up_cannot_make_a_superuser(client: httpx.AsyncClient, services: AppServices) -> None:
    services.settings.new_user_is_active = True
    r = await client.post(
        "/api/v1/users/", json={"username": "eve", "password": "pw", "is_superuser": True, "is_active": True}
    )
    assert r.status_code == 201
    assert r.json()["is_superuser"] is False


async def test_sign_up_taken_username_is_409(client: httpx.AsyncClient, alice: TestUser) -> None:
    for name in ("alice", "  alice "):
        r = await _sign_up(client, name)
        assert (r.status_code, r.json()) == (409, {"detail": "This username is unavailable."})


@pytest.mark.parametrize(
    "body",
    [
        {"username": "", "password": "x"},
        {"username": "   ", "password": "x"},
        {"username": "frank", "password": ""},
        {"username": "frank"},
        {"username": "x" * 256, "password": "x"},
        {"username": "nul\x00", "password": "x"},
        {"username": "frank", "password": "x", "optins": [1]},
        {"username": 5, "password": "x"},
    ],
)
async def test_sign_up_bad_input_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    r = await client.post("/api/v1/users/", json=body)
    assert r.status_code == 422, r.text


# ---------------------------------------------------------------- listing


async def test_superuser_lists_users_with_skip_and_limit(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser, bob: TestUser
) -> None:
    r = await client.get("/api/v1/users/", headers=root.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_count"] == 3 and body["deletion_requests"] == {}
    assert [u["username"] for u in body["users"]] == ["root", "alice", "bob"]
    page = (await client.get("/api/v1/users/?skip=1&limit=1", headers=root.headers)).json()
    assert page["total_count"] == 3
    assert [u["username"] for u in page["users"]] == ["alice"]
    found = (await client.get("/api/v1/users/?search=LIC", headers=root.headers)).json()
    assert (found["total_count"], [u["username"] for u in found["users"]]) == (1, ["alice"])
    wildcard = (await client.get("/api/v1/users/?search=%25", headers=root.headers)).json()
    assert wildcard["total_count"] == 0  # % is a character to match, not a wildcard


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "skip=-1", "limit=abc", f"skip={10**20}"])
async def test_bad_skip_or_limit_is_422(client: httpx.AsyncClient, root: TestUser, query: str) -> None:
    r = await client.get(f"/api/v1/users/?{query}", headers=root.headers)
    assert r.status_code == 422, r.text


async def test_ordinary_user_cannot_list_users(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.get("/api/v1/users/", headers=alice.headers)
    assert (r.status_code, r.json()) == (403, NOT_ENOUGH_PRIVILEGES)


# ---------------------------------------------------------------- whoami and read


async def test_whoami_is_the_caller(client: httpx.AsyncClient, alice: TestUser) -> None:
    body = await _whoami(client, alice)
    assert body["id"] == str(alice.id) and body["username"] == "alice"
    assert body["is_active"] is True and body["is_superuser"] is False


async def test_read_user_self_or_superuser(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser, bob: TestUser
) -> None:
    assert (await client.get(f"/api/v1/users/{alice.id}", headers=alice.headers)).json()[
        "username"
    ] == "alice"
    other = await client.get(f"/api/v1/users/{bob.id}", headers=alice.headers)
    assert (other.status_code, other.json()) == (403, PERMISSION_DENIED)
    missing_for_alice = await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=alice.headers)
    assert missing_for_alice.status_code == 403  # the same answer, so ids cannot be probed
    assert (await client.get(f"/api/v1/users/{bob.id}", headers=root.headers)).json()["username"] == "bob"
    missing = await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=root.headers)
    assert (missing.status_code, missing.json()) == (404, {"detail": "User not found"})


# ---------------------------------------------------------------- patch


async def test_user_patches_own_profile(client: httpx.AsyncClient, alice: TestUser) -> None:
    patch = {
        "username": "alice2",
        "profile_image": "Space/046-rocket.svg",
        "optins": {"github_starred": True},
    }
    r = await client.patch(f"/api/v1/users/{alice.id}", json=patch, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["username"], body["profile_image"], body["optins"]) == (
        "alice2",
        "Space/046-rocket.svg",
        {"github_starred": True},
    )
    assert (await _whoami(client, alice))["username"] == "alice2"
    # null means "unchanged"; the same is_superuser / is_active value is a no-op
    same = {"username": None, "is_superuser": False, "is_active": True, "last_login_at": None}
    r = await client.patch(f"/api/v1/users/{alice.id}", json=same, headers=alice.headers)
    assert (r.status_code, r.json()["username"]) == (200, "alice2")


async def test_ordinary_user_cannot_patch_another_user(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    for target in (bob.id, uuid.uuid4()):
        r = await client.patch(f"/api/v1/users/{target}", json={"username": "mallory"}, headers=alice.headers)
        assert (r.status_code, r.json()) == (403, PERMISSION_DENIED)
    assert (await _whoami(client, bob))["username"] == "bob"


async def test_ordinary_user_cannot_raise_or_deactivate_themselves(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.patch(f"/api/v1/users/{alice.id}", json={"is_superuser": True}, headers=alice.headers)
    assert (r.status_code, r.json()) == (403, PERMISSION_DENIED)
    r = await client.patch(f"/api/v1/users/{alice.id}", json={"is_active": False}, headers=alice.headers)
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/users/{alice.id}", json={"password": "new-pw"}, headers=alice.headers)
    assert r.status_code == 403 and "reset-password" in r.json()["detail"]
    me = await _whoami(client, alice)
    assert (me["is_superuser"], me["is_active"]) == (False, True)
    assert (await _login(client, "alice", alice.password)).status_code == 200


async def test_superuser_activates_promotes_and_sets_a_password(
    client: httpx.AsyncClient, root: TestUser, services: AppServices
) -> None:
    created = (await _sign_up(client, "grace", "first-pw")).json()
    r = await client.patch(
        f"/api/v1/users/{created['id']}",
        json={"is_active": True, "is_superuser": True, "password": "second-pw"},
        headers=root.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["is_active"], r.json()["is_superuser"]) == (True, True)
    async with services.sessions() as session:
        stored = await session.scalar(select(User.password_hash).where(User.username == "grace"))
    assert stored is not None and stored.startswith("$argon2") and "second-pw" not in stored
    assert (await _login(client, "grace", "first-pw")).status_code == 401
    assert (await _login(client, "grace", "second-pw")).status_code == 200


async def test_patch_conflicts_and_self_protection(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser
) -> None:
    clash = await client.patch(f"/api/v1/users/{alice.id}", json={"username": "root"}, headers=alice.headers)
    assert (clash.status_code, clash.json()) == (409, {"detail": "This username is unavailable."})
    off = await client.patch(f"/api/v1/users/{root.id}", json={"is_active": False}, headers=root.headers)
    assert (off.status_code, off.json()) == (403, {"detail": "You can't deactivate your own user account"})
    last = await client.patch(f"/api/v1/users/{root.id}", json={"is_superuser": False}, headers=root.headers)
    assert last.status_code == 409 and "last active superuser" in last.json()["detail"]
    missing = await client.patch(
        f"/api/v1/users/{uuid.uuid4()}", json={"username": "x"}, headers=root.headers
    )
    assert missing.status_code == 404


async def test_superuser_deactivation_locks_the_user_out(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser
) -> None:
    r = await client.patch(f"/api/v1/users/{alice.id}", json={"is_active": False}, headers=root.headers)
    assert (r.status_code, r.json()["is_active"]) == (200, False)
    assert (await client.get("/api/v1/users/whoami", headers=alice.headers)).status_code == 401


@pytest.mark.parametrize(
    "patch",
    [
        {"username": ""},
        {"username": 5},
        {"is_active": "maybe"},
        {"optins": "x"},
        {"profile_image": "x" * 256},
    ],
)
async def test_bad_patch_is_422(client: httpx.AsyncClient, alice: TestUser, patch: dict[str, Any]) -> None:
    r = await client.patch(f"/api/v1/users/{alice.id}", json=patch, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert (await client.patch("/api/v1/users/not-a-uuid", json={}, headers=alice.headers)).status_code == 422


# ---------------------------------------------------------------- reset-password


async def test_reset_own_password(client: httpx.AsyncClient, alice: TestUser) -> None:
    body = {"current_password": alice.password, "password": "brand-new"}
    r = await client.patch(f"/api/v1/users/{alice.id}/reset-password", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == str(alice.id) and "password" not in r.text
    assert (await _login(client, "alice", alice.password)).status_code == 401
    assert (await _login(client, "alice", "brand-new")).status_code == 200


async def test_reset_password_refusals(client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    url = f"/api/v1/users/{alice.id}/reset-password"
    wrong = await client.patch(url, json={"current_password": "nope", "password": "x"}, headers=alice.headers)
    assert (wrong.status_code, wrong.json()) == (403, {"detail": "Current password is incorrect"})
    same = {"current_password": alice.password, "password": alice.password}
    assert (await client.patch(url, json=same, headers=alice.headers)).status_code == 422
    empty = {"current_password": alice.password, "password": ""}
    assert (await client.patch(url, json=empty, headers=alice.headers)).status_code == 422
    other = {"current_password": bob.password, "password": "taken-over"}
    r = await client.patch(url, json=other, headers=bob.headers)
    assert (r.status_code, r.json()) == (403, {"detail": "You can't change another user's password"})
    assert (await _login(client, "alice", alice.password)).status_code == 200


# ---------------------------------------------------------------- delete


async def test_superuser_deletes_a_user_and_what_they_own(
    client: httpx.AsyncClient, root: TestUser, bob: TestUser, services: AppServices
) -> None:
    r = await client.delete(f"/api/v1/users/{bob.id}", headers=root.headers)
    assert (r.status_code, r.json()) == (200, {"detail": "User deleted"})
    assert (await client.get("/api/v1/users/whoami", headers=bob.headers)).status_code == 401
    async with services.sessions() as session:
        assert await session.scalar(select(ApiKey.id).where(ApiKey.user_id == bob.id)) is None
        assert await session.scalar(select(Project.id).where(Project.user_id == bob.id)) is None
    again = await client.delete(f"/api/v1/users/{bob.id}", headers=root.headers)
    assert (again.status_code, again.json()) == (404, {"detail": "User not found"})


async def test_delete_refusals(
    client: httpx.AsyncClient, root: TestUser, alice: TestUser, bob: TestUser
) -> None:
    by_alice = await client.delete(f"/api/v1/users/{bob.id}", headers=alice.headers)
    assert (by_alice.status_code, by_alice.json()) == (403, NOT_ENOUGH_PRIVILEGES)
    own = await client.delete(f"/api/v1/users/{root.id}", headers=root.headers)
    assert (own.status_code, own.json()) == (403, {"detail": "You can't delete your own user account"})
    assert (await _whoami(client, bob))["username"] == "bob"
