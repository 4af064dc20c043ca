"""Sessions: ``GET /api/v1/monitor/messages/sessions``, ``PATCH /messages/session/{old}``
(rename), ``DELETE /messages/session/{id}`` and ``DELETE /messages/sessions``, with two users."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cases import same_structure
from tests.conftest import TestUser
from tests.rest_compat.helpers import peer_body
from tests.rest_compat.monitor_helpers import echo_flow, run, user_texts


async def _sessions(client: httpx.AsyncClient, user: TestUser, **params: str) -> list[str]:
    r = await client.get("/api/v1/monitor/messages/sessions", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    found: list[str] = r.json()
    return found


async def test_list_sessions_oldest_first_per_flow_and_owner(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    await run(client, alice, one, "1", "s-b")
    await run(client, alice, one, "2", "s-a")
    await run(client, alice, two, "3", "s-c")
    await run(client, alice, one, "4", "s-b")
    await run(client, alice, two, "5", "s-b")  # the same session id in another flow

    assert await _sessions(client, alice) == ["s-b", "s-a", "s-c"]
    assert await _sessions(client, alice, flow_id=one) == ["s-b", "s-a"]
    assert await _sessions(client, alice, flow_id=two) == ["s-c", "s-b"]
    assert await _sessions(client, alice, flow_id="") == ["s-b", "s-a", "s-c"]
    assert await _sessions(client, alice, limit="1", offset="1") == ["s-a"]
    assert await _sessions(client, bob) == []
    huge = await client.get(
        "/api/v1/monitor/messages/sessions", params={"offset": str(2**63)}, headers=alice.headers
    )
    assert huge.status_code == 422
    assert await _sessions(client, bob, flow_id=one) == []
    r = await client.get("/api/v1/monitor/messages/sessions", params={"flow_id": "x"}, headers=alice.headers)
    assert r.status_code == 422


async def test_rename_moves_exactly_the_callers_messages_of_that_session(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    bobs = await echo_flow(client, bob)
    await run(client, alice, one, "a1", "s")
    await run(client, alice, one, "a-other", "other")
    await run(client, alice, two, "a2", "s")
    await run(client, bob, bobs, "b", "s")

    # one flow with flow_id
    r = await client.patch(
        "/api/v1/monitor/messages/session/s",
        params={"new_session_id": "t", "flow_id": one},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert [(m["session_id"], m["text"], m["flow_id"]) for m in moved] == [("t", "a1", one), ("t", "a1", one)]
    peer = peer_body(shared_dir, "monitor_session_rename.json")
    for mine, theirs in zip(moved, peer, strict=True):  # a User then a Machine message
        assert same_structure(mine, {**theirs, "files": []}) == []
    assert await user_texts(client, alice, flow_id=one) == [("t", "a1"), ("other", "a-other")]
    assert await user_texts(client, alice, flow_id=two) == [("s", "a2")]
    assert await user_texts(client, bob) == [("s", "b")]

    # every flow of the caller without flow_id; bob's session of the same id stays
    r = await client.patch("/api/v1/monitor/messages/session/s?new_session_id=u", headers=alice.headers)
    assert r.status_code == 200
    assert [m["text"] for m in r.json()] == ["a2", "a2"]
    assert await user_texts(client, alice, flow_id=two) == [("u", "a2")]
    assert await user_texts(client, bob) == [("s", "b")]


async def test_renaming_another_users_session_is_404_and_moves_nothing(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "mine", "alice-only")

    r = await client.patch(
        "/api/v1/monitor/messages/session/alice-only?new_session_id=stolen", headers=bob.headers
    )
    assert r.status_code == 404
    r = await client.patch(
        "/api/v1/monitor/messages/session/alice-only",
        params={"new_session_id": "stolen", "flow_id": flow},
        headers=bob.headers,
    )
    assert r.status_code == 404
    assert await user_texts(client, alice) == [("alice-only", "mine")]
    missing = await client.patch(
        "/api/v1/monitor/messages/session/none?new_session_id=x", headers=alice.headers
    )
    assert missing.status_code == 404
    for params in ({}, {"new_session_id": ""}, {"new_session_id": "x" * 256}):
        bad = await client.patch(
            "/api/v1/monitor/messages/session/alice-only", params=params, headers=alice.headers
        )
        assert bad.status_code == 422, (params, bad.text)
    assert await user_texts(client, alice) == [("alice-only", "mine")]


async def test_delete_session(client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    bobs = await echo_flow(client, bob)
    await run(client, alice, one, "a1", "s")
    await run(client, alice, two, "a2", "s")
    await run(client, alice, one, "keep", "k")
    await run(client, bob, bobs, "b", "s")
    await run(client, bob, bobs, "b-only", "bob-only")

    # bob naming alice's session: 404 and nothing of alice's goes
    r = await client.delete("/api/v1/monitor/messages/session/k", headers=bob.headers)
    assert r.status_code == 404
    assert await user_texts(client, alice, session_id="k") == [("k", "keep")]

    r = await client.delete(
        "/api/v1/monitor/messages/session/s", params={"flow_id": one}, headers=alice.headers
    )
    assert r.status_code == 204
    assert r.content == b""
    assert await user_texts(client, alice) == [("s", "a2"), ("k", "keep")]
    r = await client.delete("/api/v1/monitor/messages/session/s", headers=alice.headers)
    assert r.status_code == 204
    assert await user_texts(client, alice) == [("k", "keep")]
    assert await user_texts(client, bob) == [("s", "b"), ("bob-only", "b-only")]
    again = await client.delete("/api/v1/monitor/messages/session/s", headers=alice.headers)
    assert again.status_code == 404


async def test_bulk_delete_sessions_counts_only_the_callers(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    bobs = await echo_flow(client, bob)
    await run(client, alice, flow, "1", "x")
    await run(client, alice, flow, "2", "y")
    await run(client, alice, flow, "3", "z")
    await run(client, bob, bobs, "b", "x")

    r = await client.request(
        "DELETE", "/api/v1/monitor/messages/sessions", json=["x", "y", "nope"], headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Messages deleted successfully for 2 sessions", "deleted_count": 2}
    assert await user_texts(client, alice) == [("z", "3")]
    assert await user_texts(client, bob) == [("x", "b")]

    none = await client.request(
        "DELETE", "/api/v1/monitor/messages/sessions", json=["x"], headers=alice.headers
    )
    assert none.json() == {"message": "No sessions to delete", "deleted_count": 0}
    too_many = await client.request(
        "DELETE",
        "/api/v1/monitor/messages/sessions",
        json=[str(i) for i in range(501)],
        headers=alice.headers,
    )
    assert too_many.status_code == 422
    assert await user_texts(client, alice) == [("z", "3")]


async def test_a_session_id_with_a_slash_can_be_renamed_and_deleted(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "hi", "team/a")
    renamed = await client.patch(
        "/api/v1/monitor/messages/session/team%2Fa",
        params={"new_session_id": "team/b"},
        headers=alice.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert {m["session_id"] for m in renamed.json()} == {"team/b"}
    deleted = await client.delete("/api/v1/monitor/messages/session/team%2Fb", headers=alice.headers)
    assert deleted.status_code == 204
    left = await client.get("/api/v1/monitor/messages", params={"flow_id": flow}, headers=alice.headers)
    assert left.json() == []
