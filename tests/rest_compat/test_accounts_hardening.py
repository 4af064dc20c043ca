"""Account rules found by a hostile review: the auto-login identity cannot be taken over, a
password change ends earlier sessions, two superusers demoting themselves at once leave one,
unencodable passwords are a failed login (not a 500), and argon2 runs off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
from sqlalchemy import select

from flowql.app import create_app
from flowql.auth import passwords
from flowql.context import Context
from flowql.db.models import User
from flowql.resolvers.users import create_user
from flowql.services import AppServices
from tests.conftest import MakeUser, TestUser

LOOPBACK = "http://127.0.0.1:7860"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    response = await client.post("/api/v1/login", data={"username": username, "password": password})
    client.cookies.clear()
    return response


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> int:
    client.cookies.set("refresh_token_lf", refresh_token)
    response = await client.post("/api/v1/refresh", headers={"Origin": "http://testserver"})
    client.cookies.clear()
    return response.status_code


async def test_the_auto_login_name_is_reserved_and_never_handed_to_another_user(
    services: AppServices, make_user: MakeUser
) -> None:
    services.settings.auto_login = True
    services.settings.new_user_is_active = True
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOOPBACK) as c:
        first = await c.get("/api/v1/auto_login")
        token = first.json()["access_token"]
        c.cookies.clear()
        me = (await c.get("/api/v1/users/whoami", headers={"Authorization": f"Bearer {token}"})).json()
        assert (me["username"], me["is_superuser"]) == ("langflow", True)
        renamed = await c.patch(
            f"/api/v1/users/{me['id']}",
            json={"username": "admin"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert renamed.status_code == 200, renamed.text
        # sign-up and an ordinary user's rename cannot take the freed name
        signup = await c.post("/api/v1/users/", json={"username": "langflow", "password": "attacker-pw"})
        assert (signup.status_code, signup.json()) == (409, {"detail": "This username is unavailable."})
        mallory = await make_user("mallory")
        rename = await c.patch(
            f"/api/v1/users/{mallory.id}", json={"username": "langflow"}, headers=mallory.headers
        )
        assert rename.status_code == 409
    # a non-superuser holding the name anyway (made by hand) gets no auto-login tokens
    ctx = Context(settings=services.settings, sessions=services.sessions)
    await create_user(ctx, username="langflow", password="pw-impostor")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOOPBACK) as c:
        refused = await c.get("/api/v1/auto_login")
    assert refused.status_code == 403
    assert "not an active superuser" in refused.json()["detail"]
    assert "access_token_lf" not in refused.cookies


async def test_a_password_change_ends_the_sessions_issued_before(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    old = (await _login(client, "alice", alice.password)).json()
    spare = (await _login(client, "alice", alice.password)).json()
    assert await _refresh(client, old["refresh_token"]) == 200  # refresh works before the change
    reset = await client.patch(
        f"/api/v1/users/{alice.id}/reset-password",
        json={"current_password": alice.password, "password": "brand-new-pw"},
        headers=alice.headers,
    )
    assert reset.status_code == 200, reset.text
    whoami = await client.get(
        "/api/v1/users/whoami", headers={"Authorization": f"Bearer {old['access_token']}"}
    )
    assert whoami.status_code == 401
    assert await _refresh(client, spare["refresh_token"]) == 401
    # the API key (not a session) keeps working, and a new login gives working tokens
    assert (await client.get("/api/v1/users/whoami", headers=alice.headers)).status_code == 200
    new = (await _login(client, "alice", "brand-new-pw")).json()
    fresh = await client.get(
        "/api/v1/users/whoami", headers={"Authorization": f"Bearer {new['access_token']}"}
    )
    assert fresh.json()["username"] == "alice"


async def test_two_superusers_demoting_themselves_at_once_leave_one(
    client: httpx.AsyncClient, make_user: MakeUser, services: AppServices
) -> None:
    root = await make_user("root", superuser=True)
    ops = await make_user("ops", superuser=True)

    async def demote(user: TestUser) -> int:
        r = await client.patch(f"/api/v1/users/{user.id}", json={"is_superuser": False}, headers=user.headers)
        return r.status_code

    statuses = sorted(await asyncio.gather(demote(root), demote(ops)))
    assert statuses == [200, 409]
    async with services.sessions() as session:
        supers = list(await session.scalars(select(User.username).where(User.is_superuser.is_(True))))
    assert len(supers) == 1 and supers[0] in {"root", "ops"}


@pytest.mark.parametrize("password", ["\ud800", "a\udfffb"])
async def test_an_unencodable_password_is_a_failed_login(
    client: httpx.AsyncClient, alice: TestUser, password: str
) -> None:
    # json.dumps escapes the surrogate as \\udXXX, as a JavaScript client would send it
    reset = await client.patch(
        f"/api/v1/users/{alice.id}/reset-password",
        content=json.dumps({"current_password": password, "password": "pw-new"}),
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert (reset.status_code, reset.json()) == (403, {"detail": "Current password is incorrect"})
    query = 'mutation($p: String!) { login(username: "alice", password: $p) { tokenType } }'
    body = await client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": {"p": password}}),
        headers={"Content-Type": "application/json"},
    )
    assert body.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_form_password_that_is_not_utf8_is_a_failed_login(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    login = await client.post(
        "/api/v1/login",
        content=b"username=alice&password=%ED%A0%80",  # a UTF-8-encoded lone surrogate
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (login.status_code, login.json()) == (401, {"detail": "Incorrect username or password"})


async def test_argon2_runs_in_worker_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real_hash, real_verify = passwords.hash_password, passwords.verify_password

    def hash_spy(password: str) -> str:
        threads.append(threading.get_ident())
        return real_hash(password)

    def verify_spy(password: str, password_hash: str | None) -> bool:
        threads.append(threading.get_ident())
        return real_verify(password, password_hash)

    monkeypatch.setattr(passwords, "hash_password", hash_spy)
    monkeypatch.setattr(passwords, "verify_password", verify_spy)
    hashed = await passwords.hash_password_async("pw")
    assert await passwords.verify_password_async("pw", hashed) is True
    assert await passwords.verify_password_async("nope", None) is False
    assert len(threads) == 3 and threading.get_ident() not in threads
