"""``/api/v1/flows``: batch create, the naming policy on every creation path, ``PUT`` upsert,
delete many, download (one flow as JSON, several as a zip), non-ASCII names end to end."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser
from tests.rest_compat.helpers import echo_export, get_flow_rest, list_flows_rest, peer_body, upload_files

UNICODE_NAMES = ["Привет, мир", "你好世界 流程", "Rocket 🚀 flow"]


def zip_entries(content: bytes) -> dict[str, dict[str, Any]]:
    """The JSON entries of a zip, by entry name."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


async def test_batch_creates_all_in_order(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = echo_export(shared_dir)
    body = {"flows": [{**export, "name": "b1"}, {"name": "b2", "data": {"nodes": [], "edges": []}}]}
    r = await client.post("/api/v1/flows/batch/", json=body, headers=alice.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert [set(f) for f in made] == [set(peer_body(shared_dir, "flows_batch.json")[0])] * 2
    assert [f["name"] for f in made] == ["b1", "b2"]
    assert made[0]["id"] != export["id"]  # a body id is ignored, as in a single create
    assert made[0]["data"] == export["data"]
    assert [f["id"] for f in await list_flows_rest(client, alice)] == [f["id"] for f in made]


async def test_batch_name_clash_gets_suffix_and_next_create_succeeds(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    await create_flow_rest(client, alice.headers, {"name": "report"})
    r = await client.post(
        "/api/v1/flows/batch/",
        json={"flows": [{"name": "report"}, {"name": "report"}]},
        headers=alice.headers,
    )
    assert r.status_code == 201, r.text
    assert [f["name"] for f in r.json()] == ["report (1)", "report (2)"]
    # a following create succeeds at once, with the next free number
    r = await client.post("/api/v1/flows/", json={"name": "report"}, headers=alice.headers)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "report (3)"
    names = [f["name"] for f in await list_flows_rest(client, alice)]
    assert names == ["report", "report (1)", "report (2)", "report (3)"]


async def test_create_name_clash_matches_peer_capture(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    first = await create_flow_rest(client, alice.headers, {"name": "cap-prompt"})
    r = await client.post("/api/v1/flows/", json={"name": "cap-prompt"}, headers=alice.headers)
    assert r.status_code == 201
    expected = peer_body(shared_dir, "flows_create_duplicate_name.json")
    assert set(r.json()) == set(expected)
    assert r.json()["name"] == expected["name"] == "cap-prompt (1)"
    assert first["name"] == "cap-prompt"
    # names are per user: bob's flow keeps the name
    assert (await create_flow_rest(client, bob.headers, {"name": "cap-prompt"}))["name"] == "cap-prompt"


async def test_names_with_like_wildcards_are_literal(client: httpx.AsyncClient, alice: TestUser) -> None:
    await create_flow_rest(client, alice.headers, {"name": "a_b (7)"})  # would match "a%b (" as a pattern
    await create_flow_rest(client, alice.headers, {"name": "a%b"})
    r = await client.post("/api/v1/flows/", json={"name": "a%b"}, headers=alice.headers)
    assert r.json()["name"] == "a%b (1)"


async def test_long_name_suffix_stays_within_limit(client: httpx.AsyncClient, alice: TestUser) -> None:
    long_name = "x" * 255
    await create_flow_rest(client, alice.headers, {"name": long_name})
    r = await client.post("/api/v1/flows/", json={"name": long_name}, headers=alice.headers)
    assert r.status_code == 201
    assert r.json()["name"] == "x" * 251 + " (1)"


async def test_batch_is_all_or_none(client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    await create_flow_rest(client, alice.headers, {"name": "holder", "endpoint_name": "taken"})
    bobs = await create_flow_rest(client, bob.headers, {"name": "bobs"})
    for flows, status in (
        ([{"name": "ok"}, {"name": "clash", "endpoint_name": "taken"}], 409),
        ([{"name": "ok", "endpoint_name": "twice"}, {"name": "ok2", "endpoint_name": "twice"}], 409),
        ([{"name": "ok"}, {"name": "foreign", "folder_id": bobs["folder_id"]}], 404),
        ([{"name": "ok"}, {"name": "broken", "data": {"nodes": "x", "edges": []}}], 422),
    ):
        r = await client.post("/api/v1/flows/batch/", json={"flows": flows}, headers=alice.headers)
        assert r.status_code == status, (flows, r.text)
    r = await client.post(
        "/api/v1/flows/batch/", json={"flows": [{"name": "ok"}, {"name": ""}]}, headers=alice.headers
    )
    assert r.status_code == 422
    assert "flows[1]" in r.json()["detail"]
    assert [f["name"] for f in await list_flows_rest(client, alice)] == ["holder"]


async def test_upload_applies_naming_policy(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = echo_export(shared_dir)
    for expected in ("echo", "echo (1)", "echo (2)"):
        r = await client.post(
            "/api/v1/flows/upload/", files=upload_files(json.dumps(export).encode()), headers=alice.headers
        )
        assert r.status_code == 201
        assert r.json()[0]["name"] == expected


async def test_put_creates_with_path_id_then_updates(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = str(uuid.uuid4())
    export = echo_export(shared_dir)
    body = {**export, "id": str(uuid.uuid4()), "description": "first"}
    r = await client.put(f"/api/v1/flows/{flow_id}", json=body, headers=alice.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == set(peer_body(shared_dir, "flows_create.json"))
    assert created["id"] == flow_id  # the path wins over the body id
    assert created["data"] == export["data"]
    assert created["description"] == "first"

    r = await client.put(
        f"/api/v1/flows/{flow_id}", json={"name": "echo", "description": "second"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["id"] == flow_id
    assert updated["name"] == "echo"  # its own name is no clash
    assert updated["description"] == "second"
    assert updated["data"] == export["data"]  # absent fields stay
    assert [f["id"] for f in await list_flows_rest(client, alice)] == [flow_id]


async def test_put_new_flow_follows_naming_and_endpoint_rules(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    await create_flow_rest(client, alice.headers, {"name": "same", "endpoint_name": "ep"})
    r = await client.put(f"/api/v1/flows/{uuid.uuid4()}", json={"name": "same"}, headers=alice.headers)
    assert r.status_code == 201
    assert r.json()["name"] == "same (1)"
    r = await client.put(
        f"/api/v1/flows/{uuid.uuid4()}", json={"name": "other", "endpoint_name": "ep"}, headers=alice.headers
    )
    assert r.status_code == 409
    r = await client.put(
        f"/api/v1/flows/{uuid.uuid4()}", json={"description": "no name"}, headers=alice.headers
    )
    assert r.status_code == 422
    assert len(await list_flows_rest(client, alice)) == 2


async def test_delete_many_removes_own_and_counts(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    made = [await create_flow_rest(client, alice.headers, {"name": f"d{i}"}) for i in range(3)]
    await client.post(f"/api/v1/run/{made[0]['id']}", json={"input_value": "x"}, headers=alice.headers)
    ids = [made[0]["id"], made[1]["id"], str(uuid.uuid4())]
    r = await client.request("DELETE", "/api/v1/flows/", json=ids, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": 2}
    assert set(r.json()) == set(peer_body(shared_dir, "flows_delete_many.json"))
    assert [f["id"] for f in await list_flows_rest(client, alice)] == [made[2]["id"]]
    r = await client.request("DELETE", "/api/v1/flows/", json=["not-a-uuid"], headers=alice.headers)
    assert r.status_code == 422
    r = await client.request("DELETE", "/api/v1/flows/", json=[], headers=alice.headers)
    assert r.json() == {"deleted": 0}


async def test_download_one_is_json_and_many_is_zip(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    secret_node = fb.node(
        "OpenAIModel-1",
        "OpenAIModel",
        {
            "api_key": fb.field("sk-secret", password=True, name="api_key"),
            "openai_api_key_var": fb.field("MY_KEY", password=True, load_from_db=True, name="openai_api_key"),
            "model_name": "gpt-4o-mini",
        },
        ["text_output"],
    )
    with_key = await create_flow_rest(client, alice.headers, fb.flow("keyed", [secret_node], []))
    other = await create_flow_rest(client, alice.headers, echo_export(shared_dir))

    r = await client.post("/api/v1/flows/download/", json=[with_key["id"]], headers=alice.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    single = r.json()
    assert single["id"] == with_key["id"]
    template = single["data"]["nodes"][0]["data"]["node"]["template"]
    assert template["api_key"]["value"] is None  # API keys never leave in a download
    assert template["openai_api_key_var"]["value"] == "MY_KEY"  # a variable name is kept
    assert (await get_flow_rest(client, alice, with_key["id"])).json()["data"] == with_key["data"]

    r = await client.post(
        "/api/v1/flows/download/", json=[with_key["id"], other["id"]], headers=alice.headers
    )
    assert r.status_code == 200
    capture = json.loads((shared_dir / "peer" / "resources" / "flows_download.json").read_text())
    assert r.headers["content-type"] == capture["headers"]["content-type"]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "_langflow_flows.zip" in disposition
    assert "filename*=UTF-8''" in disposition
    entries = zip_entries(r.content)
    assert set(entries) == {"keyed.json", "echo.json"}
    assert entries["echo.json"]["id"] == other["id"]
    assert entries["keyed.json"]["data"]["nodes"][0]["data"]["node"]["template"]["api_key"]["value"] is None

    r = await client.post("/api/v1/flows/download/", json=[str(uuid.uuid4())], headers=alice.headers)
    assert r.status_code == 404


async def test_unicode_names_round_trip(client: httpx.AsyncClient, alice: TestUser) -> None:
    made = [await create_flow_rest(client, alice.headers, fb.echo_flow(name)) for name in UNICODE_NAMES]
    assert [f["name"] for f in made] == UNICODE_NAMES
    assert [f["name"] for f in await list_flows_rest(client, alice)] == UNICODE_NAMES
    assert [f["name"] for f in await list_flows_rest(client, alice, header_flows="true")] == UNICODE_NAMES

    r = await client.post("/api/v1/flows/download/", json=[f["id"] for f in made], headers=alice.headers)
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert all(info.flag_bits & 0x800 for info in archive.infolist())  # names stored as UTF-8
    entries = zip_entries(r.content)
    assert set(entries) == {f"{name}.json" for name in UNICODE_NAMES}
    assert {e["name"] for e in entries.values()} == set(UNICODE_NAMES)

    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(r.content, "back.zip"), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    back = r.json()
    assert sorted(f["name"] for f in back) == sorted(f"{name} (1)" for name in UNICODE_NAMES)
    assert not {f["id"] for f in back} & {f["id"] for f in made}  # the ids were taken
    assert len(await list_flows_rest(client, alice)) == 6


async def test_upload_zip_keeps_free_ids_and_rejects_bad_archives(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = echo_export(shared_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("one.json", json.dumps(export))
        archive.writestr("many.json", json.dumps({"flows": [{"name": "m1"}, {"name": "m2"}]}))
        archive.writestr("notes.txt", "ignored")
        archive.writestr("__MACOSX/._one.json", "ignored")
    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(buffer.getvalue(), "flows.zip"), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    assert [f["name"] for f in r.json()] == ["echo", "m1", "m2"]
    assert r.json()[0]["id"] == export["id"]

    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("good.json", json.dumps({"name": "good"}))
        archive.writestr("bad.json", "{not json")
    for content in (broken.getvalue(), b"PK\x03\x04garbage", _zip_without_json()):
        r = await client.post(
            "/api/v1/flows/upload/", files=upload_files(content, "x.zip"), headers=alice.headers
        )
        assert r.status_code == 422, r.text
    assert (
        "bad.json"
        in (
            await client.post(
                "/api/v1/flows/upload/", files=upload_files(broken.getvalue(), "x.zip"), headers=alice.headers
            )
        ).json()["detail"]
    )
    assert len(await list_flows_rest(client, alice)) == 3


def _zip_without_json() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no flows here")
    return buffer.getvalue()


async def test_upload_zip_bomb_is_413(client: httpx.AsyncClient, alice: TestUser, settings: Settings) -> None:
    settings.max_file_size_upload = 1  # MB, read per request
    buffer = io.BytesIO()
    limit = 1024 * 1024
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.json", b" " * (limit + 10))
    assert len(buffer.getvalue()) < limit
    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(buffer.getvalue(), "bomb.zip"), headers=alice.headers
    )
    assert r.status_code == 413
    assert await list_flows_rest(client, alice) == []


def test_content_disposition_of_non_ascii_names() -> None:
    from flowql.rest_compat.flows_zip import zip_response

    response = zip_response(b"", 'Проект "测试"_flows.zip')
    disposition = response.headers["content-disposition"]
    fallback, encoded = disposition.split("; filename*=UTF-8''")
    assert fallback.startswith('attachment; filename="')
    assert fallback.encode("ascii")  # the fallback is ASCII only
    assert unquote(encoded) == 'Проект "测试"_flows.zip'


async def test_list_page_and_patch_keys_match_captures(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    created = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    await create_flow_rest(client, alice.headers, fb.prompt_flow("second"))
    listed = await list_flows_rest(client, alice, get_all="true", remove_example_flows="true")
    assert [set(f) for f in listed] == [set(peer_body(shared_dir, "flows_list_all.json")[0])] * 2
    r = await client.get(
        "/api/v1/flows/", params={"get_all": "false", "page": 1, "size": 2}, headers=alice.headers
    )
    capture = peer_body(shared_dir, "flows_list_page.json")
    assert set(r.json()) == set(capture)
    assert set(r.json()["items"][0]) == set(capture["items"][0])
    r = await client.patch(
        f"/api/v1/flows/{created['id']}", json={"description": "changed"}, headers=alice.headers
    )
    assert set(r.json()) == set(peer_body(shared_dir, "flows_patch.json"))
    assert r.json()["description"] == "changed"
