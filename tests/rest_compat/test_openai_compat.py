"""``POST /api/v1/chat/completions`` and ``GET /api/v1/models`` in OpenAI's format, driven by the
``openai`` SDK itself against a live server (plain, streamed, errors), plus the Responses API
through the same SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case, load_langflow, messages_rest
from tests.conftest import TestUser
from tests.live_server import HANG_GUARD, LiveServer
from tests.model_server import ModelServer, stream, text
from tests.rest_compat.surfaces_support import run_traces

MODEL_ID = "LanguageModelComponent-FLeYF"


def _sdk(live_server: LiveServer, user: TestUser) -> AsyncOpenAI:
    return AsyncOpenAI(
        base_url=f"{live_server.base_url}/api/v1", api_key=user.api_key, timeout=HANG_GUARD, max_retries=0
    )


@pytest.fixture
async def sdk(live_server: LiveServer, alice: TestUser) -> AsyncIterator[AsyncOpenAI]:
    async with _sdk(live_server, alice) as client:
        yield client


async def _prompt_flow(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow)
    return str(flow["id"])


async def test_models_lists_the_callers_flows(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, sdk: AsyncOpenAI
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    await _prompt_flow(shared_dir, client, bob)
    models = [m async for m in sdk.models.list()]
    assert [m.id for m in models] == [flow_id]
    assert (models[0].object, models[0].owned_by) == ("model", alice.username)


async def test_prompt_case_chat_completion(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, sdk: AsyncOpenAI
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    completion = await sdk.chat.completions.create(
        model=flow_id,
        messages=[
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "earlier"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "hello"}]},
        ],
    )
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "You said: hello"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == flow_id
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["text"] for m in stored] == ["hello", "You said: hello"]


async def test_streamed_completion_joins_to_the_plain_text(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, sdk: AsyncOpenAI, model_server: ModelServer
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_langflow(shared_dir, "Basic Prompting.json"))
    for node in flow["data"]["nodes"]:
        if node["id"] == MODEL_ID:
            node["data"]["node"]["template"]["stream"]["value"] = True
    patched = await client.patch(
        f"/api/v1/flows/{flow['id']}", json={"data": flow["data"]}, headers=alice.headers
    )
    assert patched.status_code == 200, patched.text
    model_server.add(
        text("Hello, world!", prompt_tokens=3, completion_tokens=4), stream("Hel", "lo, ", "wor", "ld!")
    )
    plain = await sdk.chat.completions.create(model=flow["id"], messages=[{"role": "user", "content": "hi"}])
    assert plain.choices[0].message.content == "Hello, world!"
    assert plain.usage is not None and (plain.usage.prompt_tokens, plain.usage.completion_tokens) == (3, 4)
    chunks = await sdk.chat.completions.create(
        model=flow["id"],
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    deltas: list[str] = []
    finishes: list[str] = []
    usage = None
    async for chunk in chunks:
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            deltas.append(choice.delta.content or "")
            if choice.finish_reason:
                finishes.append(choice.finish_reason)
        usage = chunk.usage or usage
    assert [d for d in deltas if d] == ["Hel", "lo, ", "wor", "ld!"]
    assert "".join(deltas) == plain.choices[0].message.content
    assert finishes == ["stop"]
    assert usage is not None and usage.total_tokens == 12


async def test_prompt_case_streamed_without_model_tokens(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, sdk: AsyncOpenAI
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    chunks = await sdk.chat.completions.create(
        model=flow_id, messages=[{"role": "user", "content": "hello"}], stream=True
    )
    parts = [c.choices[0].delta.content or "" async for c in chunks if c.choices]
    assert "".join(parts) == "You said: hello"


async def test_responses_through_the_sdk(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, sdk: AsyncOpenAI
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    response = await sdk.responses.create(model=flow_id, input="hello")
    assert response.output_text == "You said: hello"
    events = await sdk.responses.create(
        model=flow_id, input="again", stream=True, previous_response_id=response.id
    )
    kinds: list[str] = []
    deltas: list[str] = []
    async for event in events:
        kinds.append(event.type)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "".join(deltas) == "You said: again"
    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id=response.id)
    assert [m["text"] for m in stored] == ["hello", "You said: hello", "again", "You said: again"]


async def test_errors_are_openai_errors_and_nothing_runs(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    bob: TestUser,
    live_server: LiveServer,
    services: AppServices,
    sdk: AsyncOpenAI,
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    async with _sdk(live_server, bob) as other:
        for streamed in (False, True):
            with pytest.raises(openai.NotFoundError) as caught:
                await other.chat.completions.create(
                    model=flow_id, messages=[{"role": "user", "content": "hello"}], stream=streamed
                )
            assert caught.value.code == "model_not_found"
        with pytest.raises(openai.NotFoundError):
            await other.responses.create(model=flow_id, input="hello")
        assert [m async for m in other.models.list()] == []
    with pytest.raises(openai.BadRequestError) as bad:
        await sdk.chat.completions.create(
            model=flow_id, messages=[{"role": "assistant", "content": "no user"}]
        )
    assert bad.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as tools:
        await sdk.responses.create(model=flow_id, input="x", tools=[{"type": "web_search"}])
    assert tools.value.param == "tools"
    async with AsyncOpenAI(
        base_url=f"{live_server.base_url}/api/v1", api_key="wrong", max_retries=0
    ) as anonymous:
        with pytest.raises(openai.AuthenticationError):
            await anonymous.models.list()
    assert await run_traces(services) == before
