"""OpenAI routes after the issue-10 review, driven by the ``openai`` SDK where it can send the
request: ``models.retrieve``, OpenAI's "could not parse the JSON body", the parameter named by
a text error, ``tools`` and ``n`` refused as OpenAI refuses them, and a flow FlowQL cannot run
refused before anything is stored (plain and streamed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.live_server import LiveServer
from tests.rest_compat.surfaces_support import run_traces, unsupported_flow
from tests.rest_compat.test_openai_compat import _sdk


@pytest.fixture
async def sdk(live_server: LiveServer, alice: TestUser) -> AsyncIterator[AsyncOpenAI]:
    async with _sdk(live_server, alice) as client:
        yield client


async def _prompt(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    return str((await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow))["id"])


async def test_models_retrieve_answers_the_callers_flow_only(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    bob: TestUser,
    sdk: AsyncOpenAI,
    live_server: LiveServer,
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    model = await sdk.models.retrieve(flow_id)
    assert (model.id, model.object, model.owned_by) == (flow_id, "model", alice.username)
    async with _sdk(live_server, bob) as other:
        with pytest.raises(openai.NotFoundError) as caught:
            await other.models.retrieve(flow_id)
    assert caught.value.body == {
        "message": "The model does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    anonymous = await client.get(f"/api/v1/models/{flow_id}")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize(
    ("path", "body"), [("/api/v1/chat/completions", b"{"), ("/api/v1/responses", b'{"model":')]
)
async def test_a_body_that_is_not_json_gets_openais_parse_error(
    path: str, body: bytes, client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.post(path, content=body, headers={**alice.headers, "content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "message": "We could not parse the JSON body of your request.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_json",
        }
    }


async def test_text_errors_name_the_parameter_sent(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, services: AppServices, sdk: AsyncOpenAI
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    before = await run_traces(services)
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as chat:
            await sdk.chat.completions.create(
                model=flow_id, messages=[{"role": "user", "content": "a\x00b"}], stream=stream
            )
        assert isinstance(chat.value.body, dict)
        assert chat.value.body["param"] == "messages"
        with pytest.raises(openai.BadRequestError) as response:
            await sdk.responses.create(model=flow_id, input="a\x00b", stream=stream)
        assert isinstance(response.value.body, dict)
        assert response.value.body["param"] == "input"
    surrogate = b'{"model":"%s","input":"\\ud800"}' % flow_id.encode()
    raw = await client.post(
        "/api/v1/responses", content=surrogate, headers={**alice.headers, "content-type": "application/json"}
    )
    assert raw.status_code == 400
    assert raw.json()["error"]["param"] == "input"
    assert await run_traces(services) == before


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "tools"),
        ({"n": 2}, "n"),
    ],
)
async def test_chat_options_a_flow_cannot_honour_are_400(
    extra: dict[str, Any],
    param: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
    sdk: AsyncOpenAI,
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    before = await run_traces(services)
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.chat.completions.create(
            model=flow_id, messages=[{"role": "user", "content": "hello"}], **extra
        )
    assert isinstance(caught.value.body, dict)
    assert (caught.value.body["param"], caught.value.body["type"]) == (param, "invalid_request_error")
    assert await run_traces(services) == before
    one = await sdk.chat.completions.create(
        model=flow_id, messages=[{"role": "user", "content": "hello"}], n=1
    )
    assert one.choices[0].message.content == "You said: hello"


async def test_an_unsupported_component_is_refused_before_anything_is_stored(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices, sdk: AsyncOpenAI
) -> None:
    flow_id = str((await create_flow_rest(client, alice.headers, unsupported_flow()))["id"])
    before = await run_traces(services)
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as chat:
            await sdk.chat.completions.create(
                model=flow_id, messages=[{"role": "user", "content": "hi"}], stream=stream
            )
        assert "Mystery-1" in chat.value.message
        with pytest.raises(openai.BadRequestError) as response:
            await sdk.responses.create(model=flow_id, input="hi", stream=stream)
        assert "Mystery-1" in response.value.message
    assert await run_traces(services) == before
