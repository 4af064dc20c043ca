"""Langflow's own Python SDK (``langflow-sdk`` on PyPI) against a live FlowQL server: create,
read, update, upsert, run (also streamed), push and pull flows and a project, delete. Its
``list_flows`` expecting a list where Langflow answers a page is the one known mismatch, kept
here as a test so it stays the only one."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pydantic
import pytest
from langflow_sdk import (
    AsyncLangflowClient,
    FlowCreate,
    FlowUpdate,
    LangflowNotFoundError,
    ProjectCreate,
    ProjectUpdate,
)

from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.live_server import HANG_GUARD, LiveServer


@pytest.fixture
async def sdk(live_server: LiveServer, alice: TestUser) -> AsyncIterator[AsyncLangflowClient]:
    """The SDK's async client as alice (the sync one would block the server's event loop)."""
    async with AsyncLangflowClient(live_server.base_url, api_key=alice.api_key, timeout=HANG_GUARD) as client:
        yield client


async def test_flow_lifecycle(sdk: AsyncLangflowClient) -> None:
    echo = fb.echo_flow("sdk echo")
    created = await sdk.create_flow(FlowCreate(name="sdk echo", data=echo["data"], description="first"))
    assert created.name == "sdk echo"
    assert created.data == echo["data"]

    read = await sdk.get_flow(created.id)
    assert (read.id, read.description, read.folder_id) == (created.id, "first", created.folder_id)

    updated = await sdk.update_flow(created.id, FlowUpdate(description="second", tags=["sdk"]))
    assert (updated.description, updated.tags, updated.data) == ("second", ["sdk"], echo["data"])

    new_id = uuid.uuid4()
    upserted, was_created = await sdk.upsert_flow(new_id, FlowCreate(name="upserted", data=echo["data"]))
    assert (upserted.id, was_created) == (new_id, True)
    again, was_created = await sdk.upsert_flow(new_id, FlowCreate(name="upserted", description="v2"))
    assert (again.id, again.description, was_created) == (new_id, "v2", False)

    result = await sdk.run(created.id, input_value="hello sdk")
    assert result.first_text_output() == "hello sdk"
    assert result.is_completed()

    chunks = [chunk async for chunk in sdk.stream(created.id, input_value="streamed")]
    assert [c.event for c in chunks][-1] == "end"
    assert "add_message" in {c.event for c in chunks}
    final = chunks[-1].final_response()
    assert final is not None and final.first_text_output() == "streamed"

    listed = await sdk.list_flows(get_all=True)
    assert {f.id for f in listed} == {created.id, new_id}

    await sdk.delete_flow(new_id)
    with pytest.raises(LangflowNotFoundError):
        await sdk.get_flow(new_id)
    with pytest.raises(LangflowNotFoundError):
        await sdk.delete_flow(new_id)


async def test_push_and_pull_flow_files(sdk: AsyncLangflowClient, tmp_path: Path) -> None:
    flow_id = str(uuid.uuid4())
    source = tmp_path / "mine.json"
    source.write_text(json.dumps({**fb.prompt_flow("pushed"), "id": flow_id}), encoding="utf-8")
    flow, created = await sdk.push(source)
    assert (str(flow.id), flow.name, created) == (flow_id, "pushed", True)
    flow, created = await sdk.push(source)
    assert (str(flow.id), created) == (flow_id, False)

    pulled = await sdk.pull(flow_id, output=tmp_path / "pulled.json")
    assert pulled["id"] == flow_id
    assert pulled["name"] == "pushed"
    assert "user_id" not in pulled and "folder_id" not in pulled  # the SDK strips volatile fields
    assert json.loads((tmp_path / "pulled.json").read_text(encoding="utf-8"))["id"] == flow_id


async def test_project_push_pull_round_trip(sdk: AsyncLangflowClient, tmp_path: Path) -> None:
    first = await sdk.create_flow(FlowCreate(name="Привет", data=fb.echo_flow()["data"]))
    second = await sdk.create_flow(FlowCreate(name="流程 🚀", data=fb.prompt_flow()["data"]))
    project = await sdk.create_project(
        ProjectCreate(name="SDK project", description="d", flows_list=[first.id, second.id])
    )
    assert (project.name, project.description) == ("SDK project", "d")
    assert project.id in {p.id for p in await sdk.list_projects()}

    renamed = await sdk.update_project(project.id, ProjectUpdate(description="e"))
    assert (renamed.name, renamed.description) == ("SDK project", "e")
    with_flows = await sdk.get_project(project.id)
    assert {f.id for f in with_flows.flows} == {first.id, second.id}

    written = await sdk.pull_project(project.id, output_dir=tmp_path / "project")
    assert set(written) == {"Привет", "流程 🚀"}
    path = written["Привет"]
    edited = json.loads(path.read_text(encoding="utf-8"))
    edited["description"] = "edited locally"
    path.write_text(json.dumps(edited), encoding="utf-8")

    pushed = await sdk.push_project(tmp_path / "project")
    assert sorted(created for _flow, created in pushed) == [False, False]  # the same flows, updated
    assert (await sdk.get_flow(first.id)).description == "edited locally"

    archive = await sdk.download_project(project.id)
    assert set(archive) == {"Привет.json", "流程 🚀.json"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in archive.items():
            zf.writestr(name, content)
    uploaded = await sdk.upload_project(buffer.getvalue())  # a raw zip body, as the SDK sends it
    assert sorted(f.name for f in uploaded) == ["Привет (1)", "流程 🚀 (1)"]
    assert len({f.folder_id for f in uploaded}) == 1

    await sdk.delete_project(project.id)
    with pytest.raises(LangflowNotFoundError):
        await sdk.get_project(project.id)
    with pytest.raises(LangflowNotFoundError):
        await sdk.get_flow(first.id)  # the project's flows went with it


async def test_list_flows_default_page_is_the_known_mismatch(sdk: AsyncLangflowClient) -> None:
    """Langflow pages ``GET /api/v1/flows/`` when ``get_all=false`` (the SDK's default) and so
    does FlowQL; the SDK then reads the page object as a list and fails. This is the one known
    mismatch: if this test starts failing, either the SDK or FlowQL changed."""
    await sdk.create_flow(FlowCreate(name="one"))
    with pytest.raises(pydantic.ValidationError):
        await sdk.list_flows()
    raw = await sdk._http.get("/api/v1/flows/", params={"get_all": False})
    assert set(raw.json()) == {"items", "total", "page", "size", "pages"}
    assert [f.name for f in await sdk.list_flows(get_all=True)] == ["one"]


async def test_other_users_flows_are_not_found(
    live_server: LiveServer, sdk: AsyncLangflowClient, bob: TestUser
) -> None:
    mine = await sdk.create_flow(FlowCreate(name="alice's"))
    async with AsyncLangflowClient(live_server.base_url, api_key=bob.api_key, timeout=HANG_GUARD) as other:
        with pytest.raises(LangflowNotFoundError):
            await other.get_flow(mine.id)
        with pytest.raises(LangflowNotFoundError):
            await other.upsert_flow(mine.id, FlowCreate(name="taken over"))
    assert (await sdk.get_flow(mine.id)).name == "alice's"
