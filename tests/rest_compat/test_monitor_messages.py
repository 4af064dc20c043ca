"""``/api/v1/monitor/messages``: more filters and ordering, ``PUT /messages/{id}`` and
``DELETE /messages`` (by ids), with two users."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx

from tests.cases import messages_rest, same_structure
from tests.conftest import TestUser
from tests.rest_compat.helpers import peer_body
from tests.rest_compat.monitor_helpers import echo_flow, run, user_texts


async def test_sender_filters_order_and_paging(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice)
    for text in ("b", "c", "a"):
        await run(client, alice, flow, text, "s")

    users = await messages_rest(client, alice.headers, sender="User")
    assert [m["text"] for m in users] == ["b", "c", "a"]
    machines = await messages_rest(client, alice.headers, sender="Machine", sender_name="AI")
    assert [(m["sender"], m["text"]) for m in machines] == [
        ("Machine", "b"),
        ("Machine", "c"),
        ("Machine", "a"),
    ]
    assert await messages_rest(client, alice.headers, sender_name="nobody") == []

    by_text = await messages_rest(client, alice.headers, sender="User", order_by="text", order="desc")
    assert [m["text"] for m in by_text] == ["c", "b", "a"]
    newest = await messages_rest(client, alice.headers, sender="User", order="DESC", limit="2")
    assert [m["text"] for m in newest] == ["a", "c"]
    skipped = await messages_rest(client, alice.headers, sender="User", offset="1", limit="1")
    assert [m["text"] for m in skipped] == ["c"]


async def test_bad_listing_parameters_are_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    for params, name in (
        ({"order_by": "password"}, "order_by"),
        ({"order_by": "__class__"}, "order_by"),
        ({"order": "sideways"}, "order"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"offset": str(2**63)}, "offset"),
        ({"limit": str(2**31)}, "limit"),
        ({"session_id": "a\x00b"}, "session_id"),
    ):
        r = await client.get("/api/v1/monitor/messages", params=params, headers=alice.headers)
        assert r.status_code == 422, (params, r.text)
        assert name in r.text


async def test_update_message_is_shaped_like_the_peer(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    body = await run(client, alice, flow, "hello", "s1")
    run_id = body["outputs"][0]["outputs"][0]["results"]["message"]["run_id"]
    user_message = (await messages_rest(client, alice.headers, sender="User"))[0]

    r = await client.put(
        f"/api/v1/monitor/messages/{user_message['id']}", json={"text": "edited"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    peer = peer_body(shared_dir, "monitor_message_update.json")
    assert same_structure(updated, peer) == []
    assert updated["text"] == "edited"
    assert updated["edit"] is True
    assert updated["id"] == user_message["id"]
    assert updated["flow_id"] == flow
    assert updated["run_id"] == run_id
    assert updated["session_metadata"] == {"graph_run_id": run_id}
    assert updated["files"] == []
    stored = await messages_rest(client, alice.headers, sender="User")
    assert [(m["text"], m["edit"]) for m in stored] == [("edited", True)]


async def test_update_changes_only_the_given_fields(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "hello", "s1")
    message = (await messages_rest(client, alice.headers, sender="User"))[0]
    url = f"/api/v1/monitor/messages/{message['id']}"

    r = await client.put(
        url,
        json={"properties": {"positive_feedback": True}, "files": ["a.png"], "text": None},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["text"] == "hello"
    assert updated["edit"] is False  # the text did not change
    assert updated["files"] == ["a.png"]
    assert updated["properties"]["positive_feedback"] is True
    assert updated["properties"]["source"] == message["properties"]["source"]  # merged, not replaced

    same_text = await client.put(url, json={"text": "hello"}, headers=alice.headers)
    assert same_text.json()["edit"] is False

    for bad in ({"files": "[]"}, {"session_id": ""}, {"text": "a\x00b"}, {"properties": []}):
        r = await client.put(url, json=bad, headers=alice.headers)
        assert r.status_code == 422, (bad, r.text)
    assert (await messages_rest(client, alice.headers, sender="User"))[0]["text"] == "hello"


async def test_update_of_another_users_or_a_missing_message_is_404(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "mine", "s1")
    message = (await messages_rest(client, alice.headers, sender="User"))[0]

    r = await client.put(
        f"/api/v1/monitor/messages/{message['id']}", json={"text": "bob"}, headers=bob.headers
    )
    assert r.status_code == 404
    assert r.json() == {"detail": "Message not found"}
    missing = await client.put(
        f"/api/v1/monitor/messages/{uuid.uuid4()}", json={"text": "x"}, headers=alice.headers
    )
    assert missing.status_code == 404
    malformed = await client.put("/api/v1/monitor/messages/nope", json={"text": "x"}, headers=alice.headers)
    assert malformed.status_code == 422
    assert await user_texts(client, alice) == [("s1", "mine")]


async def test_batch_delete_removes_only_the_callers_messages(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    a_flow = await echo_flow(client, alice)
    b_flow = await echo_flow(client, bob)
    await run(client, alice, a_flow, "alice", "s")
    await run(client, bob, b_flow, "bob", "s")
    a_ids = [m["id"] for m in await messages_rest(client, alice.headers)]
    b_ids = [m["id"] for m in await messages_rest(client, bob.headers)]

    r = await client.request(
        "DELETE", "/api/v1/monitor/messages", json=[*a_ids, b_ids[0], str(uuid.uuid4())], headers=bob.headers
    )
    assert r.status_code == 204
    assert r.content == b""
    assert [m["id"] for m in await messages_rest(client, alice.headers)] == a_ids
    assert [m["id"] for m in await messages_rest(client, bob.headers)] == b_ids[1:]

    mine = await client.request("DELETE", "/api/v1/monitor/messages", json=a_ids[:1], headers=alice.headers)
    assert mine.status_code == 204
    assert [m["id"] for m in await messages_rest(client, alice.headers)] == a_ids[1:]


async def test_batch_delete_needs_a_list_of_ids(client: httpx.AsyncClient, alice: TestUser) -> None:
    for body in (["not-a-uuid"], {"ids": []}, "x"):
        r = await client.request("DELETE", "/api/v1/monitor/messages", json=body, headers=alice.headers)
        assert r.status_code == 422, (body, r.text)
    empty = await client.request("DELETE", "/api/v1/monitor/messages", json=[], headers=alice.headers)
    assert empty.status_code == 204


async def test_concurrent_property_updates_all_land(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "hello", "s1")
    message = (await messages_rest(client, alice.headers, sender="User"))[0]
    url = f"/api/v1/monitor/messages/{message['id']}"

    async def put(i: int) -> int:
        r = await client.put(url, json={"properties": {f"k{i}": i}}, headers=alice.headers)
        return r.status_code

    assert await asyncio.gather(*(put(i) for i in range(12))) == [200] * 12
    stored = (await messages_rest(client, alice.headers, sender="User"))[0]["properties"]
    assert {f"k{i}": i for i in range(12)}.items() <= stored.items()
