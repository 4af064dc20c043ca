"""``GET /api/v1/monitor/transactions``: one row per vertex execution, newest first, paged as
Langflow's ``Page[TransactionLogsResponse]``; another user's flow lists nothing."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx

from tests.cases import create_flow_rest, load_case, run_rest, same_structure
from tests.conftest import TestUser
from tests.rest_compat.helpers import peer_body
from tests.rest_compat.monitor_helpers import echo_flow, run, transactions_rest

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


async def test_transactions_are_shaped_like_the_peer(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "prompt").flow)
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "hello", "session_id": "cap-s1"})
    assert r.status_code == 200, r.text

    page = await transactions_rest(client, alice, flow_id=flow["id"])
    peer = peer_body(shared_dir, "monitor_transactions_after_run.json")
    assert set(page) == set(peer) == {"items", "total", "page", "size", "pages"}
    assert (page["total"], page["page"], page["size"], page["pages"]) == (3, 1, 50, 1)
    # newest first, as the peer lists them
    assert [t["vertex_id"] for t in page["items"]] == [t["vertex_id"] for t in peer["items"]]
    for mine, theirs in zip(page["items"], peer["items"], strict=True):
        assert set(mine) == set(theirs)
        assert ISO_Z.match(mine["timestamp"]), mine["timestamp"]
        assert mine["status"] == "success"
        assert mine["target_id"] is None
        assert set(mine["outputs"]) == set(theirs["outputs"])
        for name, output in mine["outputs"].items():
            assert same_structure(output, theirs["outputs"][name]) == []
    timestamps = [t["timestamp"] for t in page["items"]]
    assert timestamps == sorted(timestamps, reverse=True)
    chat_input = page["items"][-1]
    assert chat_input["inputs"]["input_value"] == "hello"
    assert chat_input["inputs"]["session_id"] == "cap-s1"
    assert chat_input["outputs"] == {"message": {"message": "hello", "type": "text"}}


async def test_pages_and_sizes(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice)
    for i in range(3):
        await run(client, alice, flow, f"m{i}", "s")  # two vertices each: 6 transactions

    first = await transactions_rest(client, alice, flow_id=flow, size=4)
    second = await transactions_rest(client, alice, flow_id=flow, size=4, page=2)
    beyond = await transactions_rest(client, alice, flow_id=flow, size=4, page=3)
    assert (first["total"], first["pages"], len(first["items"])) == (6, 2, 4)
    assert (second["page"], len(second["items"])) == (2, 2)
    assert beyond["items"] == []
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert len(set(ids)) == 6
    assert second["items"][-1]["inputs"]["input_value"] == "m0"  # the oldest comes last

    for params in (
        {"flow_id": flow, "size": 101},
        {"flow_id": flow, "page": 0},
        {"flow_id": flow, "page": 2**40},
        {"flow_id": "x"},
        {},
    ):
        r = await client.get("/api/v1/monitor/transactions", params=params, headers=alice.headers)
        assert r.status_code == 422, (params, r.text)


async def test_another_users_flow_lists_nothing(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "secret", "s")
    empty = {"items": [], "total": 0, "page": 1, "size": 50, "pages": 0}
    assert await transactions_rest(client, bob, flow_id=flow) == empty
    assert await transactions_rest(client, alice, flow_id=str(uuid.uuid4())) == empty
    assert (await transactions_rest(client, alice, flow_id=flow))["total"] == 2
