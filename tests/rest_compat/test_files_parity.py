"""Every file route's success status and response keys, compared with the peer's captures in
``shared/peer/resources/files_*.json`` (values such as ids and timestamps differ run to run;
value *types* are compared too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TestUser
from tests.rest_compat.files_support import create_flow


def capture(shared_dir: Path, name: str) -> dict[str, Any]:
    """A capture: ``{request, status, headers, body}``."""
    data: dict[str, Any] = json.loads((shared_dir / "peer" / "resources" / f"{name}.json").read_text())
    return data


def kind(value: object) -> str:
    """A JSON value's type name (``null`` apart, since optional fields may be null)."""
    return "null" if value is None else type(value).__name__


def assert_same_shape(ours: object, theirs: object, where: str) -> None:
    """Same keys (recursively, first list item), same value types where the peer's is not null."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert sorted(ours) == sorted(theirs), where
        for key, value in theirs.items():
            assert_same_shape(ours[key], value, f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and ours, where
        assert_same_shape(ours[0], theirs[0], f"{where}[0]")
    elif theirs is not None:
        assert kind(ours) == kind(theirs), where


def assert_matches(response: httpx.Response, peer: dict[str, Any], name: str) -> None:
    assert response.status_code == peer["status"], (name, response.text)
    assert response.headers["content-type"].split(";")[0] == peer["headers"]["content-type"], name
    if peer["headers"]["content-type"] == "application/json":
        assert_same_shape(response.json(), peer["body"], name)


async def test_v2_routes_answer_like_the_peer(
    client: httpx.AsyncClient, alice: TestUser, shared_dir: Path
) -> None:
    upload = await client.post(
        "/api/v2/files", files={"file": ("notes ü.txt", b"0123456789")}, headers=alice.headers
    )
    peer_upload = capture(shared_dir, "files_v2_upload")
    assert_matches(upload, peer_upload, "files_v2_upload")
    assert upload.json()["name"] == peer_upload["body"]["name"] == "notes ü"
    assert upload.json()["size"] == peer_upload["body"]["size"]
    file_id = upload.json()["id"]

    listed = await client.get("/api/v2/files", headers=alice.headers)
    assert_matches(listed, capture(shared_dir, "files_v2_list"), "files_v2_list")

    peer_download = capture(shared_dir, "files_v2_download")
    got = await client.get(f"/api/v2/files/{file_id}", headers=alice.headers)
    assert_matches(got, peer_download, "files_v2_download")
    assert got.headers["content-disposition"] == peer_download["headers"]["content-disposition"]
    assert len(got.content) == 10

    renamed = await client.put(f"/api/v2/files/{file_id}", params={"name": "renamed"}, headers=alice.headers)
    peer_rename = capture(shared_dir, "files_v2_rename")
    assert_matches(renamed, peer_rename, "files_v2_rename")
    assert renamed.json()["name"] == peer_rename["body"]["name"]

    deleted = await client.delete(f"/api/v2/files/{file_id}", headers=alice.headers)
    peer_delete = capture(shared_dir, "files_v2_delete")
    assert_matches(deleted, peer_delete, "files_v2_delete")
    assert deleted.json() == peer_delete["body"]


async def test_v1_routes_answer_like_the_peer(
    client: httpx.AsyncClient, alice: TestUser, shared_dir: Path
) -> None:
    flow_id = await create_flow(client, alice)
    upload = await client.post(
        f"/api/v1/files/upload/{flow_id}", files={"file": ("a.txt", b"a")}, headers=alice.headers
    )
    peer_upload = capture(shared_dir, "files_v1_upload")
    assert_matches(upload, peer_upload, "files_v1_upload")
    peer_name = peer_upload["body"]["file_path"].split("/", 1)[1]
    our_name = upload.json()["file_path"].split("/", 1)[1]
    assert len(our_name) == len(peer_name) and our_name[-6:] == peer_name[-6:] == "_a.txt"

    listed = await client.get(f"/api/v1/files/list/{flow_id}", headers=alice.headers)
    assert_matches(listed, capture(shared_dir, "files_v1_list"), "files_v1_list")
    assert listed.json() == {"files": [our_name]}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v2/files/", 200),
        ("DELETE", "/api/v2/files", 200),
        ("GET", "/api/v1/files/profile_pictures/list", 200),
    ],
)
async def test_other_routes_answer_their_documented_status(
    client: httpx.AsyncClient, alice: TestUser, method: str, path: str, status: int
) -> None:
    r = await client.request(method, path, headers=alice.headers)
    assert r.status_code == status
