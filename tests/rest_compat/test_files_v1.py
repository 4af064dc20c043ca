"""Langflow's v1 flow files (upload, list, download, images, delete) and the bundled profile
pictures (public; names checked against the bundled index, nothing read otherwise)."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.resolvers import files as file_resolvers
from flowql.settings import Settings
from tests.conftest import TestUser
from tests.rest_compat.files_support import (
    UNICODE_NAMES,
    create_flow,
    disposition_filename,
    exists,
    stored_files,
    upload_v2,
)

STAMPED = re.compile(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_(?P<name>.+)")


async def upload_v1(
    client: httpx.AsyncClient, user: TestUser, flow_id: str, name: str, content: bytes
) -> str:
    """Upload to the flow; asserts the answer and returns the file's name."""
    r = await client.post(
        f"/api/v1/files/upload/{flow_id}", files={"file": (name, content)}, headers=user.headers
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"flowId", "file_path"} and body["flowId"] == flow_id
    listed_flow, file_name = body["file_path"].split("/", 1)
    assert listed_flow == flow_id
    return str(file_name)


async def names(client: httpx.AsyncClient, user: TestUser, flow_id: str) -> list[str]:
    r = await client.get(f"/api/v1/files/list/{flow_id}", headers=user.headers)
    assert r.status_code == 200, r.text
    files: list[str] = r.json()["files"]
    return files


async def test_upload_list_download_delete(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    flow_id = await create_flow(client, alice)
    file_name = await upload_v1(client, alice, flow_id, "a.txt", b"hello")
    match = STAMPED.fullmatch(file_name)
    assert match and match["name"] == "a.txt"
    assert await names(client, alice, flow_id) == [file_name]

    got = await client.get(f"/api/v1/files/download/{flow_id}/{file_name}", headers=alice.headers)
    assert got.status_code == 200 and got.content == b"hello"
    assert got.headers["content-type"] == "application/octet-stream"
    assert disposition_filename(got.headers["content-disposition"]) == file_name

    gone = await client.delete(f"/api/v1/files/delete/{flow_id}/{file_name}", headers=alice.headers)
    assert gone.status_code == 200 and gone.json() == {"message": f"File {file_name} deleted successfully"}
    assert await names(client, alice, flow_id) == []
    assert stored_files(settings) == []
    missing = await client.get(f"/api/v1/files/download/{flow_id}/{file_name}", headers=alice.headers)
    assert missing.status_code == 404 and missing.json() == {"detail": "File not found"}


async def test_unicode_names_round_trip(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = await create_flow(client, alice)
    stored = {}
    for name in UNICODE_NAMES:
        file_name = await upload_v1(client, alice, flow_id, name, name.encode())
        match = STAMPED.fullmatch(file_name)
        assert match and match["name"] == name
        stored[file_name] = name
    assert sorted(await names(client, alice, flow_id)) == sorted(stored)
    for file_name, name in stored.items():
        got = await client.get(f"/api/v1/files/download/{flow_id}/{file_name}", headers=alice.headers)
        assert got.content == name.encode()
        assert disposition_filename(got.headers["content-disposition"]) == file_name


async def test_one_name_twice_in_one_second_gets_a_counter(
    client: httpx.AsyncClient, alice: TestUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_resolvers, "utcnow", lambda: datetime(2026, 11, 30, 5, 42, 52, tzinfo=UTC))
    flow_id = await create_flow(client, alice)
    first = await upload_v1(client, alice, flow_id, "a.txt", b"1")
    second = await upload_v1(client, alice, flow_id, "a.txt", b"2")
    assert (first, second) == ("2026-11-30_05-42-52_a.txt", "2026-11-30_05-42-52_a (1).txt")
    for name, content in ((first, b"1"), (second, b"2")):
        got = await client.get(f"/api/v1/files/download/{flow_id}/{name}", headers=alice.headers)
        assert got.content == content


async def test_path_looking_names_keep_their_last_segment(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    flow_id = await create_flow(client, alice)
    for sent, kept in (("../../outside.txt", "outside.txt"), ("/etc/x", "x")):
        file_name = await upload_v1(client, alice, flow_id, sent, b"p")
        match = STAMPED.fullmatch(file_name)
        assert match and match["name"] == kept
    assert all(p.parent.name == str(alice.id) for p in stored_files(settings))
    assert not (settings.data_dir.parent / "outside.txt").exists()
    assert not exists("/etc/x")


async def test_flow_files_are_not_user_files(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = await create_flow(client, alice)
    await upload_v1(client, alice, flow_id, "flow.txt", b"f")
    mine = await upload_v2(client, alice, "mine.txt", b"m")
    listed = (await client.get("/api/v2/files", headers=alice.headers)).json()
    assert [i["id"] for i in listed] == [mine["id"]]


async def test_another_users_flow_is_not_found(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser, settings: Settings
) -> None:
    flow_id = await create_flow(client, alice)
    file_name = await upload_v1(client, alice, flow_id, "a.txt", b"alice")
    for method, path in (
        ("POST", f"/api/v1/files/upload/{flow_id}"),
        ("GET", f"/api/v1/files/list/{flow_id}"),
        ("GET", f"/api/v1/files/download/{flow_id}/{file_name}"),
        ("DELETE", f"/api/v1/files/delete/{flow_id}/{file_name}"),
        ("GET", f"/api/v1/files/list/{uuid.uuid4()}"),
    ):
        kwargs: dict[str, Any] = {"files": {"file": ("b.txt", b"bob")}} if method == "POST" else {}
        r = await client.request(method, path, headers=bob.headers, **kwargs)
        assert r.status_code == 404, (method, path)
        assert r.json() == {"detail": "Flow not found"}
    assert await names(client, alice, flow_id) == [file_name]
    got = await client.get(f"/api/v1/files/download/{flow_id}/{file_name}", headers=alice.headers)
    assert got.content == b"alice"
    assert len(stored_files(settings)) == 1


async def test_images_are_served_inline(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = await create_flow(client, alice)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    image = await upload_v1(client, alice, flow_id, "pic.png", png)
    got = await client.get(f"/api/v1/files/images/{flow_id}/{image}", headers=alice.headers)
    assert got.status_code == 200 and got.content == png
    assert got.headers["content-type"] == "image/png"
    text = await upload_v1(client, alice, flow_id, "a.txt", b"t")
    refused = await client.get(f"/api/v1/files/images/{flow_id}/{text}", headers=alice.headers)
    assert refused.status_code == 422


SANDBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


async def test_every_file_response_sends_a_sandbox_csp_and_nosniff(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await create_flow(client, alice)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    image = await upload_v1(client, alice, flow_id, "evil.svg", svg)
    v2 = await upload_v2(client, alice, "evil.svg", svg)
    responses = [
        await client.get(f"/api/v1/files/images/{flow_id}/{image}", headers=alice.headers),
        await client.get(f"/api/v1/files/download/{flow_id}/{image}", headers=alice.headers),
        await client.get(f"/api/v2/files/{v2['id']}", headers=alice.headers),
        await client.post("/api/v2/files/batch/", json=[v2["id"]], headers=alice.headers),
        await client.get("/api/v1/files/profile_pictures/People/People-01.svg"),
    ]
    assert responses[0].headers["content-type"] == "image/svg+xml"
    for r in responses:
        assert r.status_code == 200, r.text
        assert r.headers["content-security-policy"] == SANDBOX_CSP, r.request.url
        assert r.headers["x-content-type-options"] == "nosniff", r.request.url


# ---------------------------------------------------------------- profile pictures


async def test_profile_pictures_list_and_download_without_credentials(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/files/profile_pictures/list")
    assert r.status_code == 200
    files = r.json()["files"]
    assert len(files) == 8
    assert {f.split("/")[0] for f in files} == {"People", "Space"}
    for ref in files:
        got = await client.get(f"/api/v1/files/profile_pictures/{ref}")
        assert got.status_code == 200, ref
        assert got.headers["content-type"] == "image/svg+xml"
        assert got.headers["x-content-type-options"] == "nosniff"
        root = ET.fromstring(got.content)  # our own bundled files
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<script" not in got.content


@pytest.mark.parametrize(
    "path",
    [
        "..%2F..%2Fx/y",
        "..%2F..%2F..%2Fetc/passwd",
        "%2E%2E/People-01.svg",
        "People/%2E%2E",
        "People/..%2F..%2Fsettings.py",
        "People%2F..%2F..%2Ffiles/profile_pictures.py",
        "..%5C..%5Cx/y",
        "%2Fetc/passwd",
        "people/People-01.svg",
        "Space/People-01.svg",
        "People/People-01.svg%00",
        "People/index.json",
        "index.json/x",
        "People/People-01.SVG",
    ],
)
async def test_profile_picture_names_outside_the_index_read_nothing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    reads: list[object] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    r = await client.get(f"/api/v1/files/profile_pictures/{path}")
    assert r.status_code in (404, 422), (path, r.status_code)
    assert reads == []
    assert b"<svg" not in r.content and b"import" not in r.content
