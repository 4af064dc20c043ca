"""The flow, run and message resolvers called directly (as GraphQL and the CLI call them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from flowql.context import Context
from flowql.engine.types import ChatMessage
from flowql.errors import InvalidInput, NotFound, Unauthenticated, UnsupportedComponent
from flowql.resolvers import flows, messages, runs
from flowql.resolvers.message_store import DbMessageStore, RunVariables
from tests.cases import load_case, load_langflow
from tests.conftest import TestUser

CtxFor = Callable[[TestUser], Context]


async def test_flows_page_walks_all_flows_in_order(alice: TestUser, bob: TestUser, ctx_for: CtxFor) -> None:
    ctx = ctx_for(alice)
    made = [await flows.create_flow(ctx, values={"name": f"f{i}"}) for i in range(5)]
    await flows.create_flow(ctx_for(bob), values={"name": "bobs"})

    seen: list[uuid.UUID] = []
    after: str | None = None
    pages = 0
    while True:
        page = await flows.flows_page(ctx, first=2, after=after)
        assert page.total_count == 5
        seen.extend(f.id for _, f in page.items)
        pages += 1
        if not page.has_next_page:
            break
        after = page.items[-1][0]
    assert seen == [f.id for f in made]
    assert pages == 3


@pytest.mark.parametrize(("first", "after"), [(0, None), (101, None), (2, "garbage!"), (2, "W10")])
async def test_flows_page_rejects_bad_arguments(
    first: int, after: str | None, alice: TestUser, ctx_for: CtxFor
) -> None:
    with pytest.raises(InvalidInput):
        await flows.flows_page(ctx_for(alice), first=first, after=after)


async def test_create_rejects_unknown_keys_and_ignores_server_owned(alice: TestUser, ctx_for: CtxFor) -> None:
    with pytest.raises(InvalidInput) as info:
        await flows.create_flow(ctx_for(alice), values={"name": "x", "folderId": "y"})
    assert [p.path for p in info.value.fields] == ["folderId"]
    flow = await flows.create_flow(
        ctx_for(alice), values={"name": "x", "id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())}
    )
    assert flow.user_id == alice.id


async def test_update_none_clears_nullable_and_keeps_required(alice: TestUser, ctx_for: CtxFor) -> None:
    ctx = ctx_for(alice)
    flow = await flows.create_flow(ctx, values={"name": "keep", "description": "d", "data": {"nodes": []}})
    updated = await flows.update_flow(
        ctx, flow_id=flow.id, values={"name": None, "data": None, "description": None}
    )
    assert (updated.name, updated.data, updated.description) == ("keep", {"nodes": []}, None)


async def test_get_list_delete_are_owner_scoped(alice: TestUser, bob: TestUser, ctx_for: CtxFor) -> None:
    flow = await flows.create_flow(ctx_for(alice), values={"name": "mine"})
    with pytest.raises(NotFound):
        await flows.get_flow(ctx_for(bob), flow_id=flow.id)
    with pytest.raises(NotFound):
        await flows.delete_flow(ctx_for(bob), flow_id=flow.id)
    assert await flows.list_flows(ctx_for(bob)) == []
    assert [f.id for f in await flows.list_flows(ctx_for(alice))] == [flow.id]


async def test_resolvers_need_a_principal(ctx_for: CtxFor, alice: TestUser) -> None:
    anonymous = Context(settings=ctx_for(alice).settings, sessions=ctx_for(alice).sessions)
    with pytest.raises(Unauthenticated):
        await flows.list_flows(anonymous)
    with pytest.raises(Unauthenticated):
        await runs.run_flow(anonymous, flow_id_or_name="x", params=runs.RunParams())
    with pytest.raises(Unauthenticated):
        await messages.list_messages(anonymous)


@pytest.mark.parametrize("payload", [[], "text", 3, {"flows": "nope"}, {"flows": [1]}])
async def test_import_rejects_non_flow_payloads(payload: object, alice: TestUser, ctx_for: CtxFor) -> None:
    with pytest.raises(InvalidInput):
        await flows.import_flows(ctx_for(alice), payload=payload)
    assert await flows.list_flows(ctx_for(alice)) == []


async def test_run_resolver_outcome_and_messages(shared_dir: Path, alice: TestUser, ctx_for: CtxFor) -> None:
    ctx = ctx_for(alice)
    case = load_case(shared_dir, "prompt")
    [flow] = await flows.import_flows(ctx, payload=case.flow)
    outcome = await runs.run_flow(
        ctx, flow_id_or_name=str(flow.id), params=runs.RunParams(input_value="hello")
    )
    assert outcome.session_id == str(flow.id)
    assert [(o.component_id, o.text) for o in outcome.outputs] == case.runs[0].outputs
    stored = await messages.list_messages(ctx, flow_id=flow.id)
    assert [m.text for m in stored] == ["hello", "You said: hello"]
    assert outcome.outputs[0].message is not None
    assert str(stored[1].id) == outcome.outputs[0].message.id
    body = runs.run_response_body(outcome)
    assert body["session_id"] == str(flow.id)


@pytest.mark.parametrize(
    "params",
    [
        runs.RunParams(input_type="json"),
        runs.RunParams(output_type="all"),
        runs.RunParams(tweaks={"x": float("nan")}),
    ],
)
async def test_run_resolver_rejects_bad_params(
    params: runs.RunParams, shared_dir: Path, alice: TestUser, ctx_for: CtxFor
) -> None:
    [flow] = await flows.import_flows(ctx_for(alice), payload=load_case(shared_dir, "echo").flow)
    with pytest.raises(InvalidInput):
        await runs.run_flow(ctx_for(alice), flow_id_or_name=str(flow.id), params=params)


async def test_run_resolver_unsupported_component(shared_dir: Path, alice: TestUser, ctx_for: CtxFor) -> None:
    ctx = ctx_for(alice)
    export = load_langflow(shared_dir, "Knowledge Retrieval.json")
    [flow] = await flows.import_flows(ctx, payload=export)
    with pytest.raises(UnsupportedComponent) as info:
        await runs.run_flow(ctx, flow_id_or_name=str(flow.id), params=runs.RunParams(input_value="hi"))
    assert info.value.component_type == "Knowledge"
    assert await messages.list_messages(ctx, flow_id=flow.id) == []


async def test_message_store_history_is_owner_flow_and_session_scoped(
    alice: TestUser, bob: TestUser, ctx_for: CtxFor
) -> None:
    fa = await flows.create_flow(ctx_for(alice), values={"name": "a"})
    fb = await flows.create_flow(ctx_for(bob), values={"name": "b"})
    store_a = DbMessageStore(ctx_for(alice).sessions, user_id=alice.id, flow_id=fa.id)
    store_b = DbMessageStore(ctx_for(bob).sessions, user_id=bob.id, flow_id=fb.id)
    for i in range(3):
        await store_a.add(ChatMessage(f"a{i}", "User", "User", "default", str(fa.id), "r"))
    await store_b.add(ChatMessage("b0", "User", "User", "default", str(fb.id), "r"))
    odd = await store_a.add(ChatMessage("odd", "User", "User", "other", str(fa.id), "r", id="not-a-uuid"))
    uuid.UUID(odd.id)  # replaced by a real id
    assert [m.text for m in await store_a.history("default", 2)] == ["a1", "a2"]
    assert [m.text for m in await store_b.history("default", 10)] == ["b0"]


def test_run_variables_headers_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_VAR", "from-env")
    monkeypatch.setenv("OTHER_VAR", "env-only")
    monkeypatch.setenv("FLOWQL_SECRET_KEY", "never")
    variables = RunVariables({"MY_VAR": "from-header"})
    assert variables["MY_VAR"] == "from-header"
    assert variables["OTHER_VAR"] == "env-only"
    assert "FLOWQL_SECRET_KEY" not in variables
    assert variables.get("FLOWQL_SECRET_KEY") is None
