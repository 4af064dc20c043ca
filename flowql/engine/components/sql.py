"""The SQL Database component (Langflow ``SQLComponent``, ``data.type`` ``SQLComponent``).

Runs ``query`` against ``database_url`` (a SQLAlchemy URL with a synchronous driver, e.g.
``sqlite:///path/to.db``). Only URLs in ``EngineServices.data.sql_allowed_urls``
(``FLOWQL_SQL_ALLOWED_URLS``, compared exactly) are opened: any other fails the run with an
InvalidInput (HTTP 422) naming the vertex and ``database_url`` before a connection is made — in
tool mode when the Agent's toolkit is built, so before the model is called.

Read-only by default (``sql_allow_writes`` off): the statement must be a single ``SELECT``,
``WITH``, ``EXPLAIN``, ``SHOW``, ``DESCRIBE``, ``VALUES`` or a schema-reading ``PRAGMA``
(:data:`READ_PRAGMAS`, never with ``=``: no ``journal_mode``, ``query_only``,
``writable_schema``, nor ``database_list``, which shows file paths); a SQLite database file is
opened read-only (``mode=ro``) and ``PRAGMA query_only``; PostgreSQL and MySQL transactions
are ``READ ONLY``; and the transaction is always rolled back. At most :data:`MAX_ROWS` rows are
returned, holding at most ``DataAccess.max_output_chars`` characters (``FLOWQL_MAX_OUTPUT_CHARS``;
beyond, the vertex fails with ``OutputTooLarge``). A query runs at most
``DataAccess.sql_timeout_seconds`` (``FLOWQL_SQL_TIMEOUT_SECONDS``;
SQLite: a progress handler, PostgreSQL: ``statement_timeout``, MySQL: ``max_execution_time``),
then it is interrupted and the vertex fails (``SQLTimeout``); cancelling the run interrupts a
SQLite query too.

Outputs: ``run_sql_query`` (DataFrame: rows as ``{column: value}``, or with ``include_columns``
off ``{"row": [values]}``); in tool mode (``component_as_tool``) the tool ``run_sql_query``
(arguments ``query``, ``include_columns``, ``add_error``) answers the rows as JSON. A failing
statement: in tool mode the model reads the error (with ``add_error`` the error text is part
of the answer); otherwise the vertex fails (ComponentError ``SQLError``).
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tool_mode import TOOL_OUTPUT, ToolModeComponent
from flowql.engine.context import ComponentContext
from flowql.engine.limits import output_chars
from flowql.engine.tools import ToolError
from flowql.errors import FieldProblem, InvalidInput

MAX_ROWS = 1000
READ_STATEMENTS = ("select", "with", "explain", "pragma", "show", "describe", "values")
#: The PRAGMAs a read-only query may run: they read the schema, change nothing, show no path.
READ_PRAGMAS = (
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "collation_list",
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_PRAGMA = re.compile(r"pragma\s+(?:\w+\s*\.\s*)?(\w+)\s*(\(.*\))?\s*$", re.IGNORECASE | re.DOTALL)
_PROGRESS_STEPS = 1000


class SQLProblem(Exception):
    """A statement refused or failed; the message is safe to show (no URL, no path).
    ``error_type`` is ``SQLTimeout`` for a query interrupted by its time budget."""

    def __init__(self, message: str, error_type: str = "SQLError") -> None:
        super().__init__(message)
        self.error_type = error_type


def read_only_problem(query: str) -> str | None:
    """Why ``query`` is not a single read statement (``None`` when it is)."""
    body = _COMMENTS.sub(" ", query).strip().rstrip(";").strip()
    if not body:
        return "the query is empty"
    if ";" in body:
        return "only one statement may run"
    first = body.split(None, 1)[0].lower()
    if first not in READ_STATEMENTS:
        return f"only read statements may run ({', '.join(s.upper() for s in READ_STATEMENTS)})"
    if first == "pragma":
        found = _PRAGMA.match(body)
        if found is None or found.group(1).lower() not in READ_PRAGMAS:
            return f"only the PRAGMAs that read the schema may run ({', '.join(READ_PRAGMAS)})"
    return None


class _Budget:
    """The time budget and cancel flag of one query (checked by SQLite's progress handler)."""

    def __init__(self, seconds: float, cancel: threading.Event | None) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancel = cancel or threading.Event()
        self.stopped: str | None = None

    def interrupt(self) -> int:
        """Non-zero (SQLite aborts the statement) once the budget is spent or the run cancelled."""
        if self.cancel.is_set():
            self.stopped = "cancelled"
        elif time.monotonic() > self.deadline:
            self.stopped = "timeout"
        return 1 if self.stopped else 0


def run_query(
    url: str,
    query: str,
    *,
    allow_writes: bool,
    timeout: float = 30.0,
    cancel: threading.Event | None = None,
    max_chars: int = 10_000_000,
) -> tuple[list[str], list[list[Any]]]:
    """Run ``query`` on ``url`` (blocking): the column names and up to :data:`MAX_ROWS` rows.
    The transaction is rolled back unless ``allow_writes``. A query running longer than
    ``timeout`` seconds, or once ``cancel`` is set, is interrupted. Rows whose cells hold more
    than ``max_chars`` characters in all (bytes count twice: they are shown as hex) raise
    SQLProblem ``OutputTooLarge`` as soon as that is passed. Raises SQLProblem."""
    if not allow_writes and (problem := read_only_problem(query)) is not None:
        raise SQLProblem(problem)
    budget = _Budget(timeout, cancel)
    try:
        engine = _engine(url, allow_writes=allow_writes, budget=budget)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise SQLProblem(f"the database URL cannot be used ({type(exc).__name__})") from exc
    try:
        with engine.connect() as conn:
            _limit(conn, allow_writes=allow_writes, budget=budget)
            columns, rows = _execute(conn, query, max_chars)
            if allow_writes:
                conn.commit()
            else:
                conn.rollback()
            return columns, rows
    except SQLAlchemyError as exc:
        if budget.stopped == "cancelled":
            raise SQLProblem("the query was cancelled", "Cancelled") from exc
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).splitlines()[0] if str(orig) else ""
        if budget.stopped == "timeout" or _is_timeout(detail):
            raise SQLProblem(f"the query took longer than {timeout:g} seconds", "SQLTimeout") from exc
        raise SQLProblem(f"{type(orig).__name__}: {detail}") from exc
    finally:
        engine.dispose()


def _engine(url: str, *, allow_writes: bool, budget: _Budget) -> Any:
    """The engine for ``url``; SQLite: a read-only file (``mode=ro``) unless writes are allowed,
    ``query_only`` and the progress handler that enforces ``budget``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    database = parsed.database or ""
    kwargs: dict[str, Any] = {"poolclass": NullPool}
    if not allow_writes and database and database != ":memory:" and not database.startswith("file:"):
        ro_uri = f"file:{quote(database)}?mode=ro"
        kwargs["creator"] = lambda: sqlite3.connect(ro_uri, uri=True, check_same_thread=False)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _guard(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_progress_handler(budget.interrupt, _PROGRESS_STEPS)
        if not allow_writes:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only = ON")
            cursor.close()

    return engine


def _limit(conn: Connection, *, allow_writes: bool, budget: _Budget) -> None:
    """The server-side time limit (and read-only transaction) of PostgreSQL and MySQL."""
    millis = max(1, int(budget.seconds * 1000))
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {millis}")
        if not allow_writes:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif dialect in {"mysql", "mariadb"}:
        conn.exec_driver_sql(f"SET SESSION max_execution_time = {millis}")
        if not allow_writes:
            conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")


def _is_timeout(detail: str) -> bool:
    lowered = detail.lower()
    return "statement timeout" in lowered or "maximum statement execution time" in lowered


def _execute(conn: Connection, query: str, max_chars: int) -> tuple[list[str], list[list[Any]]]:
    result = conn.execute(text(query))
    if not result.returns_rows:
        return [], []
    columns = list(result.keys())
    total = sum(len(str(c)) for c in columns)
    rows: list[list[Any]] = []
    while len(rows) < MAX_ROWS and (row := result.fetchone()) is not None:
        total += output_chars(list(row), max_chars)
        if total > max_chars:
            result.close()
            raise SQLProblem(f"the result is longer than {max_chars} characters", "OutputTooLarge")
        rows.append(list(row))
    return columns, rows


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def shape_rows(columns: list[str], rows: list[list[Any]], include_columns: bool) -> list[dict[str, Any]]:
    """Rows as DataFrame rows: ``{column: value}`` or ``{"row": [values]}``."""
    if include_columns:
        return [{c: _jsonable(v) for c, v in zip(columns, row, strict=False)} for row in rows]
    return [{"row": [_jsonable(v) for v in row]} for row in rows]


@registry.register("SQLComponent")
class SQLComponent(ToolModeComponent):
    """See the module docstring."""

    display_name = "SQL Database"
    description = "Executes SQL queries on SQLAlchemy-compatible databases."
    category = "data_source"
    icon = "database"
    documentation = "https://docs.langflow.org/components-data#sql-database"
    tool_name = "run_sql_query"
    tool_description = "Executes SQL queries on SQLAlchemy-compatible databases."
    tool_args = {
        "query": {"type": "string", "description": "The SQL query to run."},
        "include_columns": {"type": "boolean", "description": "Include column names.", "default": True},
        "add_error": {"type": "boolean", "description": "Add the error to the result.", "default": False},
    }
    field_specs = (
        FieldSpec(
            "database_url", "Database URL", info="Must be listed in FLOWQL_SQL_ALLOWED_URLS.", required=True
        ),
        FieldSpec(
            "query", "SQL Query", input_type="MultilineInput", input_types=("Message",), multiline=True
        ),
        bool_field("include_columns", "Include Columns", "Include columns in the result.", True),
        bool_field("add_error", "Add Error", "If True, the error will be added to the result."),
    )
    output_specs = (
        OutputSpec("run_sql_query", "Result Table", types=("DataFrame",), method="run_sql_query"),
    )

    def _url(self, ctx: ComponentContext) -> str:
        url = ctx.text("database_url").strip()
        allowed = ctx.services.data.sql_allowed_urls
        if url not in allowed:
            vertex = ctx.vertex
            message = (
                "database_url is not among the databases this server allows (FLOWQL_SQL_ALLOWED_URLS)"
                if url
                else "database_url is empty"
            )
            raise InvalidInput(
                f"Component '{vertex.display_name}' ({vertex.id}): {message}",
                [FieldProblem(f"{vertex.id}.database_url", message)],
            )
        try:
            make_url(url)
        except ArgumentError as exc:
            vertex = ctx.vertex
            raise InvalidInput(
                f"Component '{vertex.display_name}' ({vertex.id}): database_url is not a database URL",
                [FieldProblem(f"{vertex.id}.database_url", "not a database URL")],
            ) from exc
        return url

    async def _rows(self, ctx: ComponentContext, url: str) -> list[dict[str, Any]]:
        """The rows of the query, run in a worker thread; cancelling the run interrupts it."""
        query = ctx.text("query")
        data = ctx.services.data
        cancel = threading.Event()
        worker = asyncio.ensure_future(
            asyncio.to_thread(
                run_query,
                url,
                query,
                allow_writes=data.sql_allow_writes,
                timeout=data.sql_timeout_seconds,
                cancel=cancel,
                max_chars=data.max_output_chars,
            )
        )
        try:
            columns, rows = await asyncio.shield(worker)
        except asyncio.CancelledError:
            cancel.set()
            raise
        return shape_rows(columns, rows, ctx.flag("include_columns", True))

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """The allow-list is checked first (422 before any connection), then the outputs."""
        self._url(ctx)
        return await super().run(ctx)

    async def call_tool(self, ctx: ComponentContext) -> str:
        """The rows as JSON; an SQL failure goes back to the model as a tool error."""
        try:
            rows = await self._rows(ctx, self._url(ctx))
        except SQLProblem as exc:
            if ctx.flag("add_error", False):
                return json.dumps({"rows": [], "error": str(exc)})
            raise ToolError(str(exc)) from exc
        return json.dumps(rows, ensure_ascii=False)

    async def run_outputs(self, ctx: ComponentContext) -> ComponentResult:
        """``run_sql_query``: the rows. A failing statement fails the vertex."""
        try:
            rows = await self._rows(ctx, self._url(ctx))
        except SQLProblem as exc:
            raise ctx.fail(str(exc), exc.error_type) from exc
        return ComponentResult({"run_sql_query": rows})


__all__ = ["TOOL_OUTPUT", "SQLComponent", "read_only_problem", "run_query"]
