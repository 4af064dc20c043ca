"""The ``flowql`` command: ``serve | run FLOW.json | migrate | export-schema | create-user``.

Every command goes through the same resolvers as the HTTP front doors. Failures print one
``Error: ...`` line on stderr and exit with status 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from typer.exceptions import TyperException

from flowql.errors import DomainError, InvalidInput
from flowql.resolvers.flow_import import parse_flow_file
from flowql.resolvers.input_checks import parse_json_document
from flowql.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    name="flowql",
    help="FlowQL: a GraphQL-first server for LLM flows that speaks Langflow's HTTP API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class InputType(StrEnum):
    """``--input-type``: which input vertices receive ``--input`` (design.md "Inputs and outputs")."""

    chat = "chat"
    text = "text"
    any = "any"


class OutputType(StrEnum):
    """``--output-type``: which output vertices are reported (``debug``: every vertex)."""

    chat = "chat"
    text = "text"
    any = "any"
    debug = "debug"


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` (one line) on stderr and exit 1."""
    typer.echo(f"Error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


def _domain_message(exc: DomainError) -> str:
    """The error's message, plus any field problems whose name it does not already mention."""
    fields = getattr(exc, "fields", [])
    problems = [f"{p.path}: {p.message}" for p in fields if p.path.rsplit(".", 1)[-1] not in exc.message]
    return exc.message + (f" ({'; '.join(problems)})" if problems else "")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; domain and database errors become an ``Error:`` line and exit 1."""
    try:
        return asyncio.run(coro)
    except DomainError as exc:
        fail(_domain_message(exc))
    except (ArgumentError, ModuleNotFoundError) as exc:
        fail(f"cannot open the database: {exc}")
    except SQLAlchemyError as exc:
        fail(f"database error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    except OSError as exc:
        fail(f"cannot open the database: {exc.strerror or exc}")
    except Exception as exc:  # e.g. asyncpg's connection errors, which SQLAlchemy passes through
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        fail(f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__)


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid url>"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1 or FLOWQL_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default 7860 or FLOWQL_PORT).")
    ] = None,
) -> None:
    """Serve the REST and GraphQL API with uvicorn; the database is migrated on start-up.

    Auto-login is on by default only when bound to 127.0.0.1 (FLOWQL_AUTO_LOGIN overrides).
    """
    import uvicorn

    from flowql.app import create_app

    overrides: dict[str, Any] = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)
    refusal = run_async(_serving_refusal(settings))
    if refusal is not None:
        fail(refusal)
    # log_config=None: uvicorn keeps FlowQL's logging (redacted, into the /logs buffer);
    # access_log=False: requests are logged once, by FlowQL's access log.
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False
    )


async def _serving_refusal(settings: Settings) -> str | None:
    """Why another server already serving the database forbids this one, or None (the app's
    lifespan takes the lock for real; this only spares the operator uvicorn's traceback)."""
    from flowql.db.session import create_engine
    from flowql.jobs.server_lock import ServerAlreadyRunning, acquire_server_lock

    url = settings.resolved_database_url
    if url.startswith("sqlite") and str(settings.data_dir) in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        lock = await acquire_server_lock(engine, url)
        await lock.release()
    except ServerAlreadyRunning as exc:
        return str(exc)
    finally:
        await engine.dispose()
    return None


@app.command()
def migrate() -> None:
    """Create or upgrade the database (FLOWQL_DATABASE_URL) to the newest schema revision."""
    from flowql.services import start_services

    settings = Settings()

    async def go() -> None:
        services = await start_services(settings)
        await services.close()

    run_async(go())
    typer.echo(f"Database at {_safe_url(settings.resolved_database_url)} is up to date.")


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL), as checked in at schema.graphql."""
    from flowql.schema.export import export_schema as sdl

    text = sdl()
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def _read_password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    if not password:
        fail("the password must not be empty")
    return password


@app.command("create-user")
def create_user(
    name: Annotated[str, typer.Argument(help="The new user's name.")],
    superuser: Annotated[bool, typer.Option("--superuser", help="Make the user a superuser.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin.")
    ] = False,
) -> None:
    """Create an active user (and its default project) in FLOWQL_DATABASE_URL."""
    from flowql.context import Context
    from flowql.resolvers.users import create_user as create
    from flowql.services import start_services

    password = _read_password(name, password_stdin)
    settings = Settings()

    async def go() -> str:
        services = await start_services(settings)
        try:
            ctx = Context(settings=settings, sessions=services.sessions)
            user = await create(ctx, username=name, password=password, is_superuser=superuser)
            return user.username
        finally:
            await services.close()

    username = run_async(go())
    typer.echo(f"Created {'superuser' if superuser else 'user'} {username}")


def _parse_flow_file(path: Path) -> object:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        return parse_flow_file(raw)
    except InvalidInput as exc:
        fail(f"{path}: {exc.message}")


def _parse_tweaks(tweaks: str | None) -> dict[str, Any]:
    if tweaks is None:
        return {}
    try:
        value = parse_json_document(tweaks, "--tweaks")
    except InvalidInput as exc:
        fail(exc.message)
    if not isinstance(value, dict):
        fail("--tweaks must be a JSON object")
    return value


@app.command()
def run(
    flow_file: Annotated[Path, typer.Argument(metavar="FLOW.json", help="A Langflow flow export.")],
    input_value: Annotated[str | None, typer.Option("--input", help="The input_value.")] = None,
    input_type: Annotated[InputType, typer.Option(help="Which inputs receive --input.")] = InputType.chat,
    output_type: Annotated[OutputType, typer.Option(help="Which outputs to print.")] = OutputType.chat,
    output_component: Annotated[str | None, typer.Option(help="Print only this component's output.")] = None,
    tweaks: Annotated[
        str | None, typer.Option(help='Tweaks as JSON, e.g. \'{"Prompt-1": {"x": 1}}\'.')
    ] = None,
    session: Annotated[str | None, typer.Option(help="Session id (default: the flow id).")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Run on this database instead of a throwaway in-memory one.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print Langflow's /api/v1/run response JSON.")
    ] = False,
) -> None:
    """Run a flow file as the local default user and print its output texts, one per line.

    On a terminal, stderr also shows each finished vertex and streamed tokens.
    """
    from flowql.cli_progress import TerminalProgress
    from flowql.engine import run_response
    from flowql.resolvers.local_run import MEMORY_DATABASE_URL, run_flow_payload
    from flowql.resolvers.runs import RunParams

    payload = _parse_flow_file(flow_file)
    params = RunParams(
        input_value=input_value,
        input_type=input_type.value,
        output_type=output_type.value,
        output_component=output_component,
        tweaks=_parse_tweaks(tweaks),
        session_id=session,
    )
    settings = Settings(database_url=database_url or MEMORY_DATABASE_URL)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    outcome = run_async(run_flow_payload(settings, payload=payload, params=params, emit=progress))
    if as_json:
        typer.echo(json.dumps(run_response(outcome), ensure_ascii=False, indent=2))
        return
    for output in outcome.outputs:
        typer.echo(output.text if output.text is not None else "")


def main() -> None:
    """Console-script entry point (``flowql``). Usage errors (unknown option, bad choice, missing
    argument) also print one ``Error: ...`` line on stderr and exit 1."""
    args = sys.argv[1:] or ["--help"]
    try:
        code = app(args, standalone_mode=False)
    except typer.Abort:
        typer.echo("Error: aborted", err=True)
        sys.exit(1)
    except TyperException as exc:  # click's usage errors: unknown option, bad choice, missing argument
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"Error: {' '.join(message.split())} (see 'flowql --help')", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
