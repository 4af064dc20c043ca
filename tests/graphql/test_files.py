"""GraphQL files: ``uploadFile`` (multipart request spec), ``files``, ``file``, ``renameFile``,
``deleteFiles``; the same store and rules as REST ``/api/v2/files``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from flowql.settings import Settings
from tests.conftest import TestUser
from tests.graphql.conftest import ClientWith, Gql, error_codes, post_upload
from tests.rest_compat.files_support import UNICODE_NAMES, disposition_filename, stored_files


async def upload(client: httpx.AsyncClient, user: TestUser, name: str, content: bytes) -> dict[str, Any]:
    """``uploadFile`` through a real multipart request; the File."""
    r = await post_upload(client, "UploadFile", content, headers=user.headers, filename=name)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    file: dict[str, Any] = body["data"]["uploadFile"]
    return file


async def test_upload_unicode_names_then_list_read_and_download(
    client: httpx.AsyncClient, gql: Gql, alice: TestUser
) -> None:
    uploaded = [await upload(client, alice, name, name.encode()) for name in UNICODE_NAMES]
    assert [f["name"] for f in uploaded] == [n.rsplit(".", 1)[0] for n in UNICODE_NAMES]
    for file, name in zip(uploaded, UNICODE_NAMES, strict=True):
        assert file["path"].startswith(f"{alice.id}/") and file["path"].endswith("." + name.rsplit(".", 1)[1])
        assert file["size"] == len(name.encode())
        assert file["provider"] is None

    body = await gql("Files", headers=alice.headers)
    page = body["data"]["files"]
    assert page["totalCount"] == 4
    assert [e["node"] for e in page["edges"]] == uploaded

    one = await gql("File", {"id": uploaded[0]["id"]}, headers=alice.headers)
    assert one == {"data": {"file": uploaded[0]}}

    for file, name in zip(uploaded, UNICODE_NAMES, strict=True):  # the REST download of the same file
        got = await client.get(f"/api/v2/files/{file['id']}", headers=alice.headers)
        assert got.content == name.encode()
        assert disposition_filename(got.headers["content-disposition"]) == name


async def test_files_pages_with_first_and_after(gql: Gql, client: httpx.AsyncClient, alice: TestUser) -> None:
    ids = [(await upload(client, alice, f"f{n}.txt", b"x"))["id"] for n in range(5)]
    seen: list[str] = []
    after = None
    while True:
        page = (await gql("Files", {"first": 2, "after": after}, headers=alice.headers))["data"]["files"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids
    bad = await gql("Files", {"first": 0}, headers=alice.headers)
    assert error_codes(bad) == ["INVALID_INPUT"]
    foreign = await gql("Files", {"after": "not-a-cursor"}, headers=alice.headers)
    assert error_codes(foreign) == ["INVALID_INPUT"]


async def test_rename_and_delete(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    file = await upload(client, alice, "notes.txt", b"n")
    renamed = await gql("RenameFile", {"id": file["id"], "name": "renamed"}, headers=alice.headers)
    assert renamed["data"]["renameFile"] == {
        **file,
        "name": "renamed",
        "updatedAt": renamed["data"]["renameFile"]["updatedAt"],
    }
    blank = await gql("RenameFile", {"id": file["id"], "name": " "}, headers=alice.headers)
    assert error_codes(blank) == ["INVALID_INPUT"]
    deleted = await gql("DeleteFiles", {"ids": [file["id"], str(uuid.uuid4())]}, headers=alice.headers)
    assert deleted == {"data": {"deleteFiles": {"deletedCount": 1}}}
    assert (await gql("File", {"id": file["id"]}, headers=alice.headers)) == {"data": {"file": None}}
    assert stored_files(settings) == []
    malformed = await gql("DeleteFiles", {"ids": ["nope"]}, headers=alice.headers)
    assert error_codes(malformed) == ["INVALID_INPUT"]


async def test_another_users_file_is_null_and_untouched(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    file = await upload(client, alice, "secret.txt", b"alice's")
    assert await gql("File", {"id": file["id"]}, headers=bob.headers) == {"data": {"file": None}}
    renamed = await gql("RenameFile", {"id": file["id"], "name": "bob's"}, headers=bob.headers)
    assert renamed == {"data": {"renameFile": None}}
    deleted = await gql("DeleteFiles", {"ids": [file["id"]]}, headers=bob.headers)
    assert deleted == {"data": {"deleteFiles": {"deletedCount": 0}}}
    assert (await gql("Files", headers=bob.headers))["data"]["files"]["totalCount"] == 0
    mine = await gql("File", {"id": file["id"]}, headers=alice.headers)
    assert mine["data"]["file"]["name"] == "secret"
    got = await client.get(f"/api/v2/files/{file['id']}", headers=alice.headers)
    assert got.content == b"alice's"


async def test_upload_over_the_limit_is_too_large_and_keeps_nothing(
    client_with: ClientWith, alice: TestUser, settings: Settings
) -> None:
    async with client_with(max_file_size_upload=0) as small:
        r = await post_upload(
            small, "UploadFile", b"more than zero bytes", headers=alice.headers, filename="a.txt"
        )
    assert error_codes(r.json()) == ["TOO_LARGE"]
    assert stored_files(settings) == []


@pytest.mark.parametrize("name", ["../../outside.txt", "/etc/x"])
async def test_path_looking_names_are_cut_to_their_last_segment(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings, name: str
) -> None:
    file = await upload(client, alice, name, b"p")
    assert file["name"] in ("outside", "x")
    [stored] = stored_files(settings)
    assert stored.parent.name == str(alice.id)


async def test_cookie_only_upload_is_refused(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    login = await client.post("/api/v1/login", data={"username": alice.username, "password": alice.password})
    client.cookies.set("access_token_lf", login.json()["access_token"])
    r = await post_upload(
        client, "UploadFile", b"csrf", headers={"Origin": "http://testserver"}, filename="a.txt"
    )
    assert error_codes(r.json()) == ["FORBIDDEN"]
    assert stored_files(settings) == []
