"""GraphQL accounts (issue 5): ``users``, ``signUp``, ``login``, ``refreshToken``, ``logout``,
``updateUser``, ``resetPassword``, ``config``, ``version`` — the same rules as REST, failures as
errors with ``extensions.code``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flowql import __version__
from flowql.services import AppServices
from tests.conftest import MakeUser, TestUser
from tests.graphql.conftest import Gql, error_codes


@pytest.fixture
async def root(make_user: MakeUser) -> TestUser:
    """A superuser."""
    return await make_user("root", superuser=True)


async def _login(gql: Gql, username: str, password: str) -> dict[str, Any]:
    return await gql("Login", {"username": username, "password": password})


async def _tokens(gql: Gql, user: TestUser) -> dict[str, str]:
    body = await _login(gql, user.username, user.password)
    assert "errors" not in body, body
    tokens: dict[str, str] = body["data"]["login"]
    return tokens


async def test_sign_up_is_public_and_refuses_a_taken_name(
    gql: Gql, alice: TestUser, services: AppServices
) -> None:
    body = await gql("SignUp", {"username": "carol", "password": "pw-c"})
    user = body["data"]["signUp"]
    assert (user["username"], user["isActive"], user["isSuperuser"]) == ("carol", False, False)
    assert user["optins"] == {"github_starred": False, "dialog_dismissed": False, "discord_clicked": False}
    taken = await gql("SignUp", {"username": "alice", "password": "x"})
    assert taken["data"] == {"signUp": None}
    assert error_codes(taken) == ["CONFLICT"]
    assert taken["errors"][0]["message"] == "This username is unavailable."
    empty = await gql("SignUp", {"username": " ", "password": "x"})
    assert error_codes(empty) == ["INVALID_INPUT"]
    services.settings.new_user_is_active = True
    active = await gql("SignUp", {"username": "dave", "password": "pw-d"})
    assert active["data"]["signUp"]["isActive"] is True


async def test_login_is_public_and_failures_look_alike(gql: Gql, alice: TestUser) -> None:
    tokens = await _tokens(gql, alice)
    assert tokens["tokenType"] == "bearer"
    me = await gql("Me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me["data"]["me"]["username"] == "alice"
    wrong = await _login(gql, "alice", "nope")
    unknown = await _login(gql, "nobody", "nope")
    assert wrong == unknown
    assert wrong["data"] == {"login": None}
    assert error_codes(wrong) == ["UNAUTHENTICATED"]
    assert wrong["errors"][0]["message"] == "Incorrect username or password"


async def test_refresh_token_rotates_and_only_takes_refresh_tokens(gql: Gql, alice: TestUser) -> None:
    tokens = await _tokens(gql, alice)
    fresh = (await gql("RefreshToken", {"refreshToken": tokens["refreshToken"]}))["data"]["refreshToken"]
    assert fresh["refreshToken"] != tokens["refreshToken"]
    me = await gql("Me", headers={"Authorization": f"Bearer {fresh['accessToken']}"})
    assert me["data"]["me"]["username"] == "alice"
    for spent in (tokens["refreshToken"], tokens["accessToken"], "junk"):
        body = await gql("RefreshToken", {"refreshToken": spent})
        assert body["data"] == {"refreshToken": None}
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert body["errors"][0]["message"] == "Invalid refresh token"


async def test_refresh_token_is_not_an_access_token(gql: Gql, alice: TestUser) -> None:
    tokens = await _tokens(gql, alice)
    for query in ("Me", "ApiKeys", "Users"):
        body = await gql(query, headers={"Authorization": f"Bearer {tokens['refreshToken']}"})
        assert error_codes(body) == ["UNAUTHENTICATED"], query


async def test_logout_revokes_the_given_refresh_token(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    tokens = await _tokens(gql, alice)
    # another user's token is not theirs to revoke
    foreign = await gql("Logout", {"refreshToken": tokens["refreshToken"]}, headers=bob.headers)
    assert foreign == {"data": {"logout": False}}
    body = await gql("Logout", {"refreshToken": tokens["refreshToken"]}, headers=alice.headers)
    assert body == {"data": {"logout": True}}
    refused = await gql("RefreshToken", {"refreshToken": tokens["refreshToken"]})
    assert error_codes(refused) == ["UNAUTHENTICATED"]
    assert (await gql("Logout", headers=alice.headers)) == {"data": {"logout": False}}  # nothing to revoke


async def test_logout_uses_and_clears_the_cookies(client: httpx.AsyncClient, alice: TestUser) -> None:
    login = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    refresh_token = login.json()["refresh_token"]
    r = await client.post(
        "/graphql", json={"query": "mutation { logout }"}, headers={"Origin": "http://testserver"}
    )
    assert r.json() == {"data": {"logout": True}}
    cleared = {h.split("=", 1)[0] for h in r.headers.get_list("set-cookie") if "max-age=0" in h.lower()}
    assert cleared == {"access_token_lf", "refresh_token_lf"}
    assert "refresh_token_lf" not in client.cookies and "access_token_lf" not in client.cookies
    refused = await client.post(
        "/graphql",
        json={
            "query": "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
            "variables": {"t": refresh_token},
        },
    )
    assert error_codes(refused.json()) == ["UNAUTHENTICATED"]


async def test_users_pages_for_a_superuser_only(
    gql: Gql, root: TestUser, alice: TestUser, bob: TestUser
) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = await gql("Users", {"first": 2, "after": after}, headers=root.headers)
        assert "errors" not in body, body
        page = body["data"]["users"]
        assert page["totalCount"] == 3
        seen += [edge["node"]["username"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["root", "alice", "bob"]
    denied = await gql("Users", headers=alice.headers)
    assert denied["data"] is None
    assert error_codes(denied) == ["FORBIDDEN"]
    assert denied["errors"][0]["message"] == "The user doesn't have enough privileges"
    assert error_codes(await gql("Users", {"first": 0}, headers=root.headers)) == ["INVALID_INPUT"]
    assert error_codes(await gql("Users", {"after": "bm9wZQ"}, headers=root.headers)) == ["INVALID_INPUT"]


async def test_update_user_rules(gql: Gql, root: TestUser, alice: TestUser, bob: TestUser) -> None:
    own = await gql(
        "UpdateUser", {"id": str(alice.id), "patch": {"profileImage": "a.svg"}}, headers=alice.headers
    )
    assert own["data"]["updateUser"]["profileImage"] == "a.svg"
    other = await gql("UpdateUser", {"id": str(bob.id), "patch": {"username": "x"}}, headers=alice.headers)
    assert (other["data"], error_codes(other)) == ({"updateUser": None}, ["FORBIDDEN"])
    raise_self = await gql(
        "UpdateUser", {"id": str(alice.id), "patch": {"isSuperuser": True}}, headers=alice.headers
    )
    assert error_codes(raise_self) == ["FORBIDDEN"]
    password = await gql(
        "UpdateUser", {"id": str(alice.id), "patch": {"password": "p"}}, headers=alice.headers
    )
    assert error_codes(password) == ["FORBIDDEN"]
    me = (await gql("Me", headers=alice.headers))["data"]["me"]
    assert me["isSuperuser"] is False
    clash = await gql(
        "UpdateUser", {"id": str(alice.id), "patch": {"username": "bob"}}, headers=alice.headers
    )
    assert error_codes(clash) == ["CONFLICT"]
    by_root = await gql(
        "UpdateUser",
        {"id": str(bob.id), "patch": {"isSuperuser": True, "password": "bobs-new"}},
        headers=root.headers,
    )
    assert by_root["data"]["updateUser"]["isSuperuser"] is True
    assert "errors" not in await _login(gql, "bob", "bobs-new")
    bad_id = await gql("UpdateUser", {"id": "nope", "patch": {}}, headers=alice.headers)
    assert error_codes(bad_id) == ["INVALID_INPUT"]


async def test_reset_password_rules(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    wrong = await gql(
        "ResetPassword",
        {"id": str(alice.id), "currentPassword": "nope", "password": "n"},
        headers=alice.headers,
    )
    assert error_codes(wrong) == ["FORBIDDEN"]
    assert wrong["errors"][0]["message"] == "Current password is incorrect"
    other = await gql(
        "ResetPassword",
        {"id": str(alice.id), "currentPassword": bob.password, "password": "n"},
        headers=bob.headers,
    )
    assert error_codes(other) == ["FORBIDDEN"]
    ok = await gql(
        "ResetPassword",
        {"id": str(alice.id), "currentPassword": alice.password, "password": "alice-new"},
        headers=alice.headers,
    )
    assert ok == {"data": {"resetPassword": True}}
    assert error_codes(await _login(gql, "alice", alice.password)) == ["UNAUTHENTICATED"]
    assert "errors" not in await _login(gql, "alice", "alice-new")


async def test_config_and_version_are_public(gql: Gql, alice: TestUser) -> None:
    public = (await gql("Config"))["data"]["config"]
    assert public["type"] == "public" and "webhook_auth_enable" not in public
    full = (await gql("Config", headers=alice.headers))["data"]["config"]
    assert full["type"] == "full" and full["default_folder_name"] == "Starter Project"
    version = await gql("Version")
    assert version == {"data": {"version": {"version": __version__, "package": "FlowQL"}}}
