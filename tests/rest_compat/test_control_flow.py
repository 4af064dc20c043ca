"""Loop and If-Else through the REST front doors: a loop over 3 items calls the model once per
item and fires ``done`` once; the step limit ends a runaway run with ``error`` then ``end``; an
If-Else takes the right branch and reports the other branch's vertices in
``inactivated_vertices`` (they send no ``end_vertex`` and store nothing)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from flowql.settings import Settings
from tests.cases import messages_rest, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import chat_in, chat_out, edge, flow, node
from tests.model_server import ModelServer, text
from tests.rest_compat.build_capture import body_events, start_build, stream_events


def _feedback(source: str, output: str, loop_id: str) -> dict[str, Any]:
    src = {"dataType": "X", "id": source, "name": output, "output_types": ["Message"]}
    tgt = {"dataType": "LoopComponent", "id": loop_id, "name": "item", "output_types": ["Data"]}
    return {
        "id": f"fb-{source}",
        "source": source,
        "target": loop_id,
        "sourceHandle": json.dumps(src).replace('"', "œ"),
        "targetHandle": json.dumps(tgt).replace('"', "œ"),
        "data": {"sourceHandle": src, "targetHandle": tgt},
    }


def loop_flow() -> dict[str, Any]:
    """Chat Input → Split Text (one row per line) → Loop; item → Parser → model → back into the
    loop; done → Chat Output."""
    return flow(
        "loop",
        [
            chat_in("ChatInput-1", ""),
            node(
                "Split-1",
                "SplitText",
                {"data_inputs": "", "chunk_size": 1, "chunk_overlap": 0, "separator": "\\n"},
                ["dataframe"],
                "Split Text",
            ),
            node("Loop-1", "LoopComponent", {"data": ""}, ["item", "done"], "Loop"),
            node(
                "Parser-1",
                "ParserComponent",
                {"input_data": "", "pattern": "Translate: {text}"},
                ["parsed_text"],
            ),
            node(
                "LM-1", "LanguageModelComponent", {"input_value": "", "model": ""}, ["text_output"], "Model"
            ),
            chat_out("ChatOutput-1"),
        ],
        [
            edge("ChatInput-1", "message", "Split-1", "data_inputs"),
            edge("Split-1", "dataframe", "Loop-1", "data"),
            edge("Loop-1", "item", "Parser-1", "input_data"),
            edge("Parser-1", "parsed_text", "LM-1", "input_value"),
            _feedback("LM-1", "text_output", "Loop-1"),
            edge("Loop-1", "done", "ChatOutput-1", "input_value"),
        ],
    )


async def _create(client: httpx.AsyncClient, user: TestUser, body: dict[str, Any]) -> str:
    r = await client.post("/api/v1/flows/", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_loop_over_three_items_calls_the_model_per_item_and_is_done_once(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(text("uno"), text("dos"), text("tres"))
    flow_id = await _create(client, alice, loop_flow())
    job = await start_build(
        client, alice.headers, flow_id, body={"inputs": {"input_value": "one\ntwo\nthree", "type": "chat"}}
    )
    events = body_events((await stream_events(client, alice.headers, job)).text)
    assert [[m["content"] for m in r.body["messages"]] for r in model_server.requests] == [
        ["Translate: one"],
        ["Translate: two"],
        ["Translate: three"],
    ]
    ended = [e["data"]["build_data"]["id"] for e in events if e["event"] == "end_vertex"]
    assert ended.count("LM-1") == 3 and ended.count("Parser-1") == 3
    assert ended.count("Loop-1") == 1 and ended.count("ChatOutput-1") == 1
    assert events[-1]["event"] == "end" and not [e for e in events if e["event"] == "error"]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["text"] for m in stored] == ["one\ntwo\nthree", "uno\ndos\ntres"]


async def test_step_limit_ends_a_runaway_loop_with_error_then_end(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, settings: Settings
) -> None:
    settings.max_run_steps = 7
    model_server.fallback = text("again")
    flow_id = await _create(client, alice, loop_flow())
    job = await start_build(
        client, alice.headers, flow_id, body={"inputs": {"input_value": "a\nb\nc\nd\ne", "type": "chat"}}
    )
    events = body_events((await stream_events(client, alice.headers, job)).text)
    assert [e["event"] for e in events][-2:] == ["error", "end"]
    error = events[-2]["data"]
    assert error["error_type"] == "StepLimit" and "7 steps" in error["error"]
    # input, split, loop, parser, model, next item, parser = 7 steps: the second model call is the 8th
    assert len(model_server.requests) == 1
    r = await run_rest(client, alice.headers, flow_id, {"input_value": "a\nb\nc\nd\ne"})
    assert r.status_code == 422 and "7 steps" in r.text


async def test_step_limit_ends_a_loop_whose_items_cannot_finish_under_it(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, settings: Settings
) -> None:
    """300 items and a limit of 60 steps: input, split, loop, parser, model (5 steps), then 3
    steps per further item, so the 19th model call is step 59 and the 20th item's parser is
    step 61: 19 model calls, then ``error`` naming the limit and the terminal ``end``."""
    settings.max_run_steps = 60
    model_server.fallback = text("ok")
    flow_id = await _create(client, alice, loop_flow())
    lines = [f"line {n}" for n in range(1, 301)]
    job = await start_build(
        client, alice.headers, flow_id, body={"inputs": {"input_value": "\n".join(lines), "type": "chat"}}
    )
    events = body_events((await stream_events(client, alice.headers, job)).text)
    assert [e["event"] for e in events][-2:] == ["error", "end"]
    assert events[-2]["data"]["error_type"] == "StepLimit" and "60 steps" in events[-2]["data"]["error"]
    asked = [r.body["messages"][-1]["content"] for r in model_server.requests]
    assert asked == [f"Translate: {line}" for line in lines[:19]]
    assert not [
        e for e in events if e["event"] == "end_vertex" and e["data"]["build_data"]["id"] == "ChatOutput-1"
    ]


def if_else_flow() -> dict[str, Any]:
    """Chat Input → If-Else (contains "urgent"); True → Chat Output "Urgent"; False → Prompt's
    {x} → Chat Output "Normal"; Chat Input also feeds the Prompt's {who}, so the False branch
    has a second, live input and must still be inactivated as a whole."""
    prompt = node(
        "Prompt-N", "Prompt", {"template": "Queued ({who}): {x}", "x": "", "who": ""}, ["prompt"], "Prompt"
    )
    prompt["data"]["node"]["custom_fields"] = {"template": ["x", "who"]}
    return flow(
        "if-else",
        [
            chat_in("ChatInput-1", ""),
            node(
                "If-1",
                "ConditionalRouter",
                {"input_text": "", "operator": "contains", "match_text": "urgent", "case_sensitive": False},
                ["true_result", "false_result"],
                "If-Else",
            ),
            chat_out("ChatOutput-U"),
            prompt,
            chat_out("ChatOutput-N"),
        ],
        [
            edge("ChatInput-1", "message", "If-1", "input_text"),
            edge("If-1", "true_result", "ChatOutput-U", "input_value"),
            edge("If-1", "false_result", "Prompt-N", "x"),
            edge("ChatInput-1", "message", "Prompt-N", "who"),
            edge("Prompt-N", "prompt", "ChatOutput-N", "input_value"),
        ],
    )


@pytest.mark.parametrize(
    ("said", "taken", "inactive", "reply"),
    [
        ("URGENT: server down", "ChatOutput-U", ["Prompt-N", "ChatOutput-N"], "URGENT: server down"),
        ("coffee order", "ChatOutput-N", ["ChatOutput-U"], "Queued (coffee order): coffee order"),
    ],
)
async def test_if_else_takes_the_right_branch(
    said: str, taken: str, inactive: list[str], reply: str, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _create(client, alice, if_else_flow())
    job = await start_build(
        client, alice.headers, flow_id, body={"inputs": {"input_value": said, "type": "chat"}}
    )
    events = body_events((await stream_events(client, alice.headers, job)).text)
    ends = {
        e["data"]["build_data"]["id"]: e["data"]["build_data"] for e in events if e["event"] == "end_vertex"
    }
    assert ends["If-1"]["inactivated_vertices"] == inactive
    assert not set(ends) & set(inactive)
    assert taken in ends and events[-1]["event"] == "end"
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["text"] for m in stored] == [said, reply]

    r = await run_rest(client, alice.headers, flow_id, {"input_value": said})
    assert r.status_code == 200
    assert [
        (o["component_id"], o["results"]["message"]["text"]) for o in r.json()["outputs"][0]["outputs"]
    ] == [(taken, reply)]
