"""FlowQL benchmarks: runs per second of ``cases/prompt.json`` through the engine alone and
through ``POST /api/v1/run`` (in-process, ``httpx.ASGITransport``, on a temporary SQLite file);
then build jobs of a 20-vertex flow: build-request-to-first-event latency and events per second
(:mod:`job_bench`).

Usage: ``.venv/bin/python bench/run.py [-n ITERATIONS] [--jobs N] [--shared-dir DIR]``. Prints
tables; asserts nothing (figures depend on the machine). Never run from the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from job_bench import bench_jobs

from flowql.app import create_app
from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.engine import run_flow
from flowql.engine.types import EngineServices, RunRequest
from flowql.resolvers.auth import create_api_key
from flowql.resolvers.users import create_user
from flowql.services import start_services
from flowql.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]


async def timed(n: int, once: Callable[[int], Awaitable[None]]) -> float:
    """Seconds taken by ``n`` sequential calls of ``once`` (after one warm-up call)."""
    await once(-1)
    start = time.perf_counter()
    for i in range(n):
        await once(i)
    return time.perf_counter() - start


async def bench_engine(flow: dict[str, Any], n: int) -> float:
    """``flowql.engine.run_flow`` with no message store."""
    services = EngineServices()

    async def once(i: int) -> None:
        request = RunRequest(flow_id=flow["id"], session_id=f"s{i}", input_value=f"hello {i}")
        await run_flow(flow["data"], request, services)

    return await timed(n, once)


async def bench_rest(flow: dict[str, Any], n: int, tmp: Path) -> float:
    """``POST /api/v1/run/{flow_id}`` over ASGITransport with an API key, messages stored."""
    settings = Settings(
        data_dir=tmp,
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        auto_login=False,
        secret_key="b" * 48,
    )
    services = await start_services(settings)
    try:
        ctx = Context(settings=settings, sessions=services.sessions)
        user = await create_user(ctx, username="bench", password="bench-password")
        principal = Principal(user.id, user.username, user.is_superuser, "api_key")
        key = await create_api_key(
            Context(settings=settings, sessions=services.sessions, principal=principal), name="bench"
        )
        headers = {"x-api-key": key.secret}
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            body = {k: v for k, v in flow.items() if k != "id"}
            created = await client.post("/api/v1/flows/", json=body, headers=headers)
            created.raise_for_status()
            flow_id = created.json()["id"]

            async def once(i: int) -> None:
                payload = {"input_value": f"hello {i}", "session_id": f"s{i}"}
                response = await client.post(f"/api/v1/run/{flow_id}", json=payload, headers=headers)
                response.raise_for_status()

            return await timed(n, once)
    finally:
        await services.close()


def main() -> None:
    """Parse arguments, run each benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--iterations", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=50, help="Build jobs of the 20-vertex flow.")
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=Path(os.environ.get("FLOWQL_SHARED_DIR", REPO_ROOT.parent / "shared")),
    )
    args = parser.parse_args()
    flow = json.loads((args.shared_dir / "flows" / "cases" / "prompt.json").read_text(encoding="utf-8"))
    n: int = args.iterations

    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("engine run_flow (prompt case)", asyncio.run(bench_engine(flow, n))),
            ("POST /api/v1/run (prompt case)", asyncio.run(bench_rest(flow, n, Path(tmp)))),
        ]
        jobs = asyncio.run(bench_jobs(args.jobs, Path(tmp)))
    print(f"{'benchmark':<34} {'iterations':>10} {'total s':>9} {'ms/run':>8} {'runs/s':>9}")
    for name, seconds in rows:
        print(f"{name:<34} {n:>10} {seconds:>9.3f} {seconds / n * 1000:>8.2f} {n / seconds:>9.1f}")
    print()
    print("build jobs, 20-vertex flow (start_build + watch_job)")
    for label, value in jobs.rows():
        print(f"  {label:<32} {value:>10}")


if __name__ == "__main__":
    main()
