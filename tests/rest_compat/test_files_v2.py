"""Langflow's v2 user files: upload (``append``), list, download (``return_content``), rename,
delete one / many / all, zip; Unicode names, path-looking names and other users' files."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
import zipfile

import httpx
import pytest

from flowql.settings import Settings
from tests.conftest import MakeUser, TestUser
from tests.rest_compat.files_support import (
    BOUNDARY,
    UNICODE_NAMES,
    create_flow,
    disposition_fallback,
    disposition_filename,
    exists,
    multipart_headers,
    multipart_tail,
    store_root,
    stored_files,
    upload_v2,
)

KEY = re.compile(r"[0-9a-f-]{36}/[0-9a-f]{32}(\.[A-Za-z0-9]+)?")


async def download(client: httpx.AsyncClient, user: TestUser, file_id: str) -> httpx.Response:
    return await client.get(f"/api/v2/files/{file_id}", headers=user.headers)


async def listed(
    client: httpx.AsyncClient, user: TestUser, path: str = "/api/v2/files"
) -> list[dict[str, object]]:
    r = await client.get(path, headers=user.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()
    return items


async def test_unicode_names_round_trip_through_upload_list_download_and_zip(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    uploaded = {}
    for n, name in enumerate(UNICODE_NAMES):
        content = f"{n}: {name}\n".encode()
        body = await upload_v2(client, alice, name, content)
        root, ext = name.rsplit(".", 1)
        assert body["name"] == root
        assert KEY.fullmatch(body["path"]) and body["path"].startswith(f"{alice.id}/")
        assert body["path"].endswith(f".{ext}")
        assert body["size"] == len(content)
        uploaded[name] = (body["id"], content)

    names = {item["id"]: item["name"] for item in await listed(client, alice)}
    assert names == {file_id: name.rsplit(".", 1)[0] for name, (file_id, _) in uploaded.items()}

    for name, (file_id, content) in uploaded.items():
        r = await download(client, alice, file_id)
        assert r.status_code == 200
        assert r.content == content
        assert r.headers["content-type"] == "application/octet-stream"
        header = r.headers["content-disposition"]
        assert header.startswith("attachment; ")
        assert disposition_filename(header) == name
        fallback = disposition_fallback(header)
        assert fallback.isascii() and '"' not in fallback and "\\" not in fallback
        assert fallback.endswith("." + name.rsplit(".", 1)[1])

    ids = [file_id for file_id, _ in uploaded.values()]
    r = await client.post("/api/v2/files/batch/", json=ids, headers=alice.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-zip-compressed"
    assert disposition_filename(r.headers["content-disposition"]).endswith("_flowql_files.zip")
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert sorted(archive.namelist()) == sorted(UNICODE_NAMES)
        for name, (_, content) in uploaded.items():
            assert archive.read(name) == content


async def test_list_answers_with_and_without_the_trailing_slash(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    body = await upload_v2(client, alice, "a.txt", b"a")
    with_slash = await listed(client, alice, "/api/v2/files/")
    without = await listed(client, alice, "/api/v2/files")
    assert with_slash == without
    assert [(i["id"], i["name"], i["size"], i["user_id"]) for i in without] == [
        (body["id"], "a", 1, str(alice.id))
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", str(without[0]["created_at"]))
    slash = await client.post("/api/v2/files/", files={"file": ("b.txt", b"b")}, headers=alice.headers)
    assert slash.status_code == 201 and slash.json()["name"] == "b"


async def test_a_name_already_used_gets_a_counter(client: httpx.AsyncClient, alice: TestUser) -> None:
    names = [(await upload_v2(client, alice, "report.txt", bytes([n])))["name"] for n in range(3)]
    assert names == ["report", "report (1)", "report (2)"]
    ids = [i["id"] for i in await listed(client, alice)]
    downloads = [(await download(client, alice, str(i))).headers["content-disposition"] for i in ids]
    assert [disposition_filename(h) for h in downloads] == ["report.txt", "report (1).txt", "report (2).txt"]


async def test_append_adds_to_the_file_of_that_name(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    first = await upload_v2(client, alice, "log.txt", b"one\n")
    again = await upload_v2(client, alice, "log.txt", b"two\n", append="true")
    assert again["id"] == first["id"] and again["path"] == first["path"]
    assert again["size"] == 8
    assert (await download(client, alice, first["id"])).content == b"one\ntwo\n"
    assert len(await listed(client, alice)) == 1
    fresh = await upload_v2(client, alice, "new.txt", b"x", append="true")
    assert fresh["name"] == "new" and fresh["id"] != first["id"]
    assert len(stored_files(settings)) == 2


async def test_concurrent_appends_to_one_file_all_land(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    first = await upload_v2(client, alice, "log.txt", b"start\n")
    lines = [f"line {n}\n".encode() * 2000 for n in range(6)]
    answers = await asyncio.gather(
        *(upload_v2(client, alice, "log.txt", line, append="true") for line in lines)
    )
    assert {a["id"] for a in answers} == {first["id"]}
    content = (await download(client, alice, first["id"])).content
    assert content.startswith(b"start\n") and len(content) == 6 + sum(len(line) for line in lines)
    assert all(line in content for line in lines)
    assert (await listed(client, alice))[0]["size"] == len(content)
    assert len(stored_files(settings)) == 1


async def test_concurrent_uploads_of_one_name_get_distinct_counters(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    answers = await asyncio.gather(
        *(upload_v2(client, alice, "same.txt", bytes([n]) * 5000) for n in range(8))
    )
    assert sorted(a["name"] for a in answers) == sorted(["same"] + [f"same ({n})" for n in range(1, 8)])
    assert len(await listed(client, alice)) == 8


async def test_an_rfc_2231_filename_is_decoded_when_filename_is_absent(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    def body(disposition: str) -> bytes:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; {disposition}\r\n\r\n'
        return head.encode() + b"data" + multipart_tail()

    names = []
    for disposition in (
        "filename*=UTF-8''%C3%A9t%C3%A9%20%E2%82%AC.txt",
        "filename=\"plain.txt\"; filename*=UTF-8''other.txt",
    ):
        r = await client.post("/api/v2/files", content=body(disposition), headers=multipart_headers(alice))
        assert r.status_code == 201, r.text
        names.append(r.json()["name"])
        got = await download(client, alice, r.json()["id"])
    assert names == ["été €", "plain"]
    assert disposition_filename(got.headers["content-disposition"]) == "plain.txt"


async def test_return_content_answers_the_text(client: httpx.AsyncClient, alice: TestUser) -> None:
    text = await upload_v2(client, alice, "t.txt", "héllo\n".encode())
    r = await client.get(
        f"/api/v2/files/{text['id']}", params={"return_content": "true"}, headers=alice.headers
    )
    assert r.status_code == 200 and r.json() == "héllo\n"
    binary = await upload_v2(client, alice, "b.bin", b"\xff\xfe\x00")
    r = await client.get(
        f"/api/v2/files/{binary['id']}", params={"return_content": "true"}, headers=alice.headers
    )
    assert r.status_code == 422
    assert r.json() == {"detail": "The file is not UTF-8 text"}


async def test_rename_keeps_the_bytes_and_path(client: httpx.AsyncClient, alice: TestUser) -> None:
    body = await upload_v2(client, alice, "notes ü.txt", b"0123456789")
    r = await client.put(f"/api/v2/files/{body['id']}", params={"name": "renamed"}, headers=alice.headers)
    assert r.status_code == 200
    assert r.json() == {**body, "name": "renamed"}
    got = await download(client, alice, body["id"])
    assert disposition_filename(got.headers["content-disposition"]) == "renamed.txt"
    assert got.content == b"0123456789"
    slashed = await client.put(
        f"/api/v2/files/{body['id']}", params={"name": "a/b\\c\r\n"}, headers=alice.headers
    )
    assert slashed.json()["name"] == "a_b_c"
    blank = await client.put(f"/api/v2/files/{body['id']}", params={"name": "  "}, headers=alice.headers)
    assert blank.status_code == 422
    missing = await client.put(f"/api/v2/files/{uuid.uuid4()}", params={"name": "x"}, headers=alice.headers)
    assert missing.status_code == 404 and missing.json() == {"detail": "File not found"}


async def test_delete_one_removes_row_and_bytes(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    body = await upload_v2(client, alice, "gone.txt", b"bye")
    assert len(stored_files(settings)) == 1
    r = await client.delete(f"/api/v2/files/{body['id']}", headers=alice.headers)
    assert r.status_code == 200 and r.json() == {"detail": "File gone deleted successfully"}
    assert stored_files(settings) == []
    assert await listed(client, alice) == []
    again = await client.delete(f"/api/v2/files/{body['id']}", headers=alice.headers)
    assert again.status_code == 404
    assert (await download(client, alice, body["id"])).status_code == 404


async def test_batch_delete_and_delete_all(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    ids = [(await upload_v2(client, alice, f"f{n}.txt", b"x"))["id"] for n in range(4)]
    r = await client.request(
        "DELETE", "/api/v2/files/batch/", json=[*ids[:2], str(uuid.uuid4())], headers=alice.headers
    )
    assert r.status_code == 200 and r.json() == {"message": "2 files deleted successfully"}
    assert [i["id"] for i in await listed(client, alice)] == ids[2:]
    none = await client.request("DELETE", "/api/v2/files/batch/", json=ids[:2], headers=alice.headers)
    assert none.status_code == 404 and none.json() == {"detail": "No files found"}
    everything = await client.delete("/api/v2/files", headers=alice.headers)
    assert everything.status_code == 200 and everything.json() == {
        "message": "All files deleted successfully"
    }
    assert await listed(client, alice) == []
    assert stored_files(settings) == []


async def test_zip_names_repeated_downloads_apart(client: httpx.AsyncClient, alice: TestUser) -> None:
    first = await upload_v2(client, alice, "same.txt", b"1")
    second = await upload_v2(client, alice, "other.txt", b"2")
    await client.put(f"/api/v2/files/{second['id']}", params={"name": "same"}, headers=alice.headers)
    r = await client.post("/api/v2/files/batch/", json=[first["id"], second["id"]], headers=alice.headers)
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert archive.namelist() == ["same.txt", "same (1).txt"]
        assert [archive.read(n) for n in archive.namelist()] == [b"1", b"2"]
    empty = await client.post("/api/v2/files/batch/", json=[str(uuid.uuid4())], headers=alice.headers)
    assert empty.status_code == 404


@pytest.mark.parametrize(
    ("sent", "display", "downloaded"),
    [
        ("../../outside.txt", "outside", "outside.txt"),
        ("/etc/x", "x", "x"),
        ("..\\..\\win.ini", "win", "win.ini"),
        ("../..", "file", "file"),
        ("a\r\nb.txt", "ab", "ab.txt"),
    ],
)
async def test_path_looking_names_store_nothing_outside_the_store(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings, sent: str, display: str, downloaded: str
) -> None:
    before = {p for p in settings.data_dir.parent.rglob("*") if p.is_file()}
    body = await upload_v2(client, alice, sent, b"payload")
    assert body["name"] == display
    assert KEY.fullmatch(body["path"])
    root = store_root(settings)
    [stored] = stored_files(settings)
    assert stored.parent == root / str(alice.id)
    assert stored.read_bytes() == b"payload"
    after = {p for p in settings.data_dir.parent.rglob("*") if p.is_file()}
    assert {
        p for p in after - before if root not in p.parents and p.suffix not in (".db", ".db-wal", ".db-shm")
    } == set()
    assert not exists("/etc/x")
    assert not (settings.data_dir.parent / "outside.txt").exists()
    r = await download(client, alice, body["id"])
    assert disposition_filename(r.headers["content-disposition"]) == downloaded
    assert "\r" not in r.headers["content-disposition"] and "\n" not in r.headers["content-disposition"]


async def test_deleting_a_user_removes_their_stored_bytes(
    client: httpx.AsyncClient, make_user: MakeUser, alice: TestUser, bob: TestUser, settings: Settings
) -> None:
    root = await make_user("root", superuser=True)
    await upload_v2(client, bob, "mine.txt", b"bob's")
    flow_id = await create_flow(client, bob)
    r = await client.post(
        f"/api/v1/files/upload/{flow_id}", files={"file": ("f.txt", b"x")}, headers=bob.headers
    )
    assert r.status_code == 201, r.text
    kept = await upload_v2(client, alice, "keep.txt", b"alice's")
    assert len(stored_files(settings)) == 3
    r = await client.delete(f"/api/v1/users/{bob.id}", headers=root.headers)
    assert r.status_code == 200, r.text
    assert stored_files(settings) == [store_root(settings) / kept["path"]]


async def test_another_users_file_is_not_found_and_stays(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser, settings: Settings
) -> None:
    a1 = await upload_v2(client, alice, "secret.txt", b"alice's bytes")
    a2 = await upload_v2(client, alice, "second.txt", b"more")
    mine = await upload_v2(client, bob, "bob.txt", b"bob's")
    ids = [a1["id"], a2["id"]]

    assert (await download(client, bob, a1["id"])).status_code == 404
    content = await client.get(
        f"/api/v2/files/{a1['id']}", params={"return_content": "true"}, headers=bob.headers
    )
    assert content.status_code == 404
    renamed = await client.put(f"/api/v2/files/{a1['id']}", params={"name": "mine"}, headers=bob.headers)
    assert renamed.status_code == 404 and renamed.json() == {"detail": "File not found"}
    deleted = await client.delete(f"/api/v2/files/{a1['id']}", headers=bob.headers)
    assert deleted.status_code == 404
    batch = await client.request("DELETE", "/api/v2/files/batch/", json=ids, headers=bob.headers)
    assert batch.status_code == 404
    mixed = await client.request(
        "DELETE", "/api/v2/files/batch/", json=[*ids, mine["id"]], headers=bob.headers
    )
    assert mixed.json() == {"message": "1 files deleted successfully"}
    zipped = await client.post("/api/v2/files/batch/", json=ids, headers=bob.headers)
    assert zipped.status_code == 404
    await client.delete("/api/v2/files", headers=bob.headers)

    assert [i["name"] for i in await listed(client, alice)] == ["secret", "second"]
    assert (await download(client, alice, a1["id"])).content == b"alice's bytes"
    assert (await download(client, alice, a2["id"])).content == b"more"
    assert await listed(client, bob) == []
    assert len(stored_files(settings)) == 2


async def test_malformed_ids_are_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    assert (await client.get("/api/v2/files/not-a-uuid", headers=alice.headers)).status_code == 422
    bad_batch = await client.request("DELETE", "/api/v2/files/batch/", json=["nope"], headers=alice.headers)
    assert bad_batch.status_code == 422
