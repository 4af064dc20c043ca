"""Job benchmark: build-request-to-first-event latency and events per second of a 20-vertex
flow (Chat Input → 18 alternating Prompt / Text Output vertices → Chat Output), through the job
resolvers (``start_build`` + ``watch_job``: the path REST ``/api/v1/build`` and GraphQL
``buildFlow`` / ``jobEvents`` share) on a SQLite file. Asserts nothing."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.resolvers.flows import create_flow
from flowql.resolvers.jobs import BuildParams, start_build, watch_job
from flowql.resolvers.users import create_user
from flowql.services import start_services
from flowql.settings import Settings

CHAIN_LENGTH = 18


def _field(value: Any) -> dict[str, Any]:
    return {"value": value, "type": "str", "show": True}


def _node(node_id: str, type_: str, display_name: str, fields: dict[str, Any], output: str) -> dict[str, Any]:
    template = {"_type": "Component", **{k: _field(v) for k, v in fields.items()}}
    node = {
        "display_name": display_name,
        "template": template,
        "outputs": [{"name": output, "types": ["Message"]}],
    }
    if type_ == "Prompt":
        node["custom_fields"] = {"template": ["input_value"]}
    return {"id": node_id, "type": "genericNode", "data": {"id": node_id, "type": type_, "node": node}}


def _edge(source: str, output: str, target: str) -> dict[str, Any]:
    src = {"dataType": "X", "id": source, "name": output, "output_types": ["Message"]}
    tgt = {"fieldName": "input_value", "id": target, "inputTypes": ["Message"], "type": "str"}
    return {
        "id": f"e-{source}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": json.dumps(src).replace('"', "œ"),
        "targetHandle": json.dumps(tgt).replace('"', "œ"),
        "data": {"sourceHandle": src, "targetHandle": tgt},
    }


def chain_flow() -> dict[str, Any]:
    """The 20-vertex flow's ``data``: Chat Input, 18 chained vertices, Chat Output."""
    chat = {"input_value": "", "sender": "User", "sender_name": "User", "should_store_message": True}
    nodes = [_node("ChatInput-0", "ChatInput", "Chat Input", chat, "message")]
    edges: list[dict[str, Any]] = []
    previous, output = "ChatInput-0", "message"
    for i in range(1, CHAIN_LENGTH + 1):
        if i % 2:
            node = _node(
                f"Prompt-{i}", "Prompt", "Prompt", {"template": "{input_value}.", "input_value": ""}, "prompt"
            )
        else:
            node = _node(f"TextOutput-{i}", "TextOutput", "Text Output", {"input_value": ""}, "text")
        nodes.append(node)
        edges.append(_edge(previous, output, node["id"]))
        previous, output = node["id"], node["data"]["node"]["outputs"][0]["name"]
    machine = {**chat, "sender": "Machine", "sender_name": "AI"}
    nodes.append(_node("ChatOutput-19", "ChatOutput", "Chat Output", machine, "message"))
    edges.append(_edge(previous, output, "ChatOutput-19"))
    return {"nodes": nodes, "edges": edges, "viewport": {"x": 0, "y": 0, "zoom": 1}}


@dataclass
class JobFigures:
    """Per build: seconds to the first event, to the last, and the number of events."""

    first_event: list[float]
    total: list[float]
    events: list[int]

    def rows(self) -> list[tuple[str, str]]:
        """``(label, value)`` lines to print."""
        first_ms = sorted(s * 1000 for s in self.first_event)
        p95 = first_ms[min(len(first_ms) - 1, int(len(first_ms) * 0.95))]
        rate = sum(self.events) / sum(self.total)
        return [
            ("builds", str(len(self.total))),
            ("events per build", str(self.events[0]) if len(set(self.events)) == 1 else str(self.events)),
            ("first event, median ms", f"{statistics.median(first_ms):.2f}"),
            ("first event, p95 ms", f"{p95:.2f}"),
            ("build to end, median ms", f"{statistics.median(self.total) * 1000:.2f}"),
            ("events per second", f"{rate:.1f}"),
        ]


async def bench_jobs(n: int, tmp: Path) -> JobFigures:
    """``n`` sequential builds (after one warm-up), each watched from its first event to ``end``."""
    settings = Settings(
        data_dir=tmp,
        database_url=f"sqlite+aiosqlite:///{tmp / 'jobs.db'}",
        auto_login=False,
        secret_key="j" * 48,
    )
    services = await start_services(settings)
    try:
        user = await create_user(
            Context(settings=settings, sessions=services.sessions), username="bench", password="pw-bench"
        )
        principal = Principal(user.id, user.username, user.is_superuser, "api_key")
        ctx = Context(settings=settings, sessions=services.sessions, principal=principal, jobs=services.jobs)
        flow = await create_flow(ctx, values={"name": "chain-20", "data": chain_flow()})
        figures = JobFigures([], [], [])
        for i in range(-1, n):
            start = time.perf_counter()
            job = await start_build(
                ctx, flow_id=flow.id, params=BuildParams(input_value=f"hi {i}", log_builds=False)
            )
            first: float | None = None
            count = 0
            async for _record in watch_job(ctx, job_id=job.id):
                first = first if first is not None else time.perf_counter() - start
                count += 1
            if i >= 0 and first is not None:
                figures.first_event.append(first)
                figures.total.append(time.perf_counter() - start)
                figures.events.append(count)
        return figures
    finally:
        await services.close()
