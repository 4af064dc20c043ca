"""Reading build event streams and comparing them with the peer's captures the way
``shared/peer/README.md`` says: event names and counts, keys/nesting/types of every ``data``,
``to_run`` / ``next_vertices_ids`` / ``top_level_vertices`` as sets, and the partial order
(``vertices_sorted`` first, ``build_start`` next, exactly one ``end`` last, a vertex's
``end_vertex`` after its parents', a vertex's own message before its ``end_vertex``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.cases import same_structure

Event = dict[str, Any]

#: The echo captures used the peer's own echo flow; its ids map onto ``cases/echo.json``'s.
ECHO_IDS = {"ChatInput-b6UCc": "ChatInput-e1", "ChatOutput-yK0AU": "ChatOutput-e2"}
#: ``vertices_sorted`` / ``end_vertex`` lists compared as sets.
SET_KEYS = ("next_vertices_ids", "top_level_vertices", "inactivated_vertices")


def body_events(text: str) -> list[Event]:
    """The ``{"event", "data"}`` objects of an NDJSON body (blank lines skipped)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def capture_events(shared_dir: Path, name: str) -> list[Event]:
    """The events recorded in ``shared/peer/<name>`` (only the first stream of the file)."""
    events: list[Event] = []
    for line in (shared_dir / "peer" / name).read_text().splitlines():
        if line.startswith('{"event"'):
            events.append(json.loads(line))
            if events[-1]["event"] == "end":
                break
    return events


def edges_of(flow: dict[str, Any]) -> list[tuple[str, str]]:
    """``(source, target)`` of every edge of a flow export."""
    return [(e["source"], e["target"]) for e in flow["data"]["edges"]]


def vertex_id(event: Event) -> str:
    """The vertex of an ``end_vertex`` event."""
    return str(event["data"]["build_data"]["id"])


def _mapped(ids: list[str], id_map: dict[str, str]) -> set[str]:
    return {id_map.get(i, i) for i in ids}


def _message_id(event: Event) -> str | None:
    message = event["data"]["build_data"]["data"]["results"].get("message")
    if isinstance(message, dict):
        inner = message.get("data")
        return str(inner["id"]) if isinstance(inner, dict) and "id" in inner else None
    return None


def order_problems(events: list[Event], edges: list[tuple[str, str]]) -> list[str]:
    """Where ``events`` break the partial order of peer/README.md."""
    problems: list[str] = []
    names = [e["event"] for e in events]
    if names[:2] != ["vertices_sorted", "build_start"]:
        problems.append(f"starts with {names[:2]}")
    if names.count("end") != 1 or names[-1] != "end":
        problems.append(f"end events: {names.count('end')}, last {names[-1:]}")
    position = {vertex_id(e): i for i, e in enumerate(events) if e["event"] == "end_vertex"}
    for source, target in edges:
        if source in position and target in position and position[source] > position[target]:
            problems.append(f"{target} ended before its parent {source}")
    message_at = {e["data"]["id"]: i for i, e in enumerate(events) if e["event"] == "add_message"}
    for i, event in enumerate(events):
        if event["event"] == "end_vertex" and (mid := _message_id(event)) in message_at:
            if message_at[mid] > i:
                problems.append(f"{vertex_id(event)}'s message came after its end_vertex")
    return problems


def capture_problems(
    actual: list[Event], expected: list[Event], id_map: dict[str, str] | None = None
) -> list[str]:
    """Differences between a stream and a capture: names and counts, data shapes, id sets."""
    id_map = id_map or {}
    problems: list[str] = []
    got = Counter(e["event"] for e in actual)
    want = Counter(e["event"] for e in expected)
    if got != want:
        return [f"event counts {dict(got)} != {dict(want)}"]
    for name in ("vertices_sorted", "build_start", "end"):
        ours = next(e for e in actual if e["event"] == name)
        peer = next(e for e in expected if e["event"] == name)
        problems += same_structure(ours["data"], peer["data"], f"{name}.data")
    ours_sorted = next(e for e in actual if e["event"] == "vertices_sorted")["data"]
    peer_sorted = next(e for e in expected if e["event"] == "vertices_sorted")["data"]
    for key in ("ids", "to_run"):
        if set(ours_sorted[key]) != _mapped(peer_sorted[key], id_map):
            problems.append(f"vertices_sorted.{key}: {ours_sorted[key]} vs {peer_sorted[key]}")
    ours_messages = [e for e in actual if e["event"] == "add_message"]
    peer_messages = [e for e in expected if e["event"] == "add_message"]
    for i, (ours, peer) in enumerate(zip(ours_messages, peer_messages, strict=True)):
        problems += same_structure(ours["data"], peer["data"], f"add_message[{i}].data")
    ours_vertices = {vertex_id(e): e for e in actual if e["event"] == "end_vertex"}
    peer_vertices = {
        id_map.get(vertex_id(e), vertex_id(e)): e for e in expected if e["event"] == "end_vertex"
    }
    if set(ours_vertices) != set(peer_vertices):
        return [*problems, f"end_vertex ids {sorted(ours_vertices)} vs {sorted(peer_vertices)}"]
    for vid, ours in ours_vertices.items():
        peer = peer_vertices[vid]
        problems += same_structure(ours["data"], peer["data"], f"end_vertex[{vid}].data")
        for key in SET_KEYS:
            if set(ours["data"]["build_data"][key]) != _mapped(peer["data"]["build_data"][key], id_map):
                problems.append(f"end_vertex[{vid}].{key}: {ours['data']['build_data'][key]}")
    return problems


async def start_build(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    flow_id: str,
    *,
    delivery: str = "polling",
    body: dict[str, Any] | None = None,
    **params: str,
) -> str:
    """``POST /api/v1/build/{flow_id}/flow``; asserts 200 and returns the job id."""
    r = await client.post(
        f"/api/v1/build/{flow_id}/flow",
        params={"event_delivery": delivery, **params},
        json=body if body is not None else {"inputs": {"input_value": "hello", "type": "chat"}},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["job_id"])


async def stream_events(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> httpx.Response:
    """``GET /api/v1/build/{job_id}/events`` (streaming, the default), read whole."""
    return await client.get(f"/api/v1/build/{job_id}/events", headers=headers)
