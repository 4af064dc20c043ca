"""The SQL Database component (Langflow ``SQLComponent``, ``data.type`` ``SQLComponent``).

Runs ``query`` against ``database_url`` (a SQLAlchemy URL with a synchronous driver, e.g.
``sqlite:///path/to.db``). Only URLs in ``EngineServices.data.sql_allowed_urls``
(``FLOWQL_SQL_ALLOWED_URLS``, compared exactly) are opened: any other fails the run with an
InvalidInput (HTTP 422) naming the vertex and ``database_url`` before a connection is made — in
tool mode when the Agent's toolkit is built, so before the model is called.

Read-only by default (``sql_allow_writes`` off): the statement must be a single ``SELECT``,
``WITH``, ``EXPLAIN``, ``PRAGMA``, ``SHOW``, ``DESCRIBE`` or ``VALUES``; SQLite connections are
also set ``PRAGMA query_only``; and the transaction is always rolled back. At most
:data:`MAX_ROWS` rows are returned.

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
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tool_mode import TOOL_OUTPUT, ToolModeComponent
from flowql.engine.context import ComponentContext
from flowql.engine.tools import ToolError
from flowql.errors import ComponentError, ComponentFailure, FieldProblem, InvalidInput

MAX_ROWS = 1000
READ_STATEMENTS = ("select", "with", "explain", "pragma", "show", "describe", "values")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


class SQLProblem(Exception):
    """A statement refused or failed; the message is safe to show (no URL, no path)."""


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
    return None


def run_query(url: str, query: str, *, allow_writes: bool) -> tuple[list[str], list[list[Any]]]:
    """Run ``query`` on ``url`` (blocking): the column names and up to :data:`MAX_ROWS` rows.
    The transaction is rolled back unless ``allow_writes``. Raises SQLProblem."""
    if not allow_writes and (problem := read_only_problem(query)) is not None:
        raise SQLProblem(problem)
    try:
        engine = create_engine(url, poolclass=NullPool)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise SQLProblem(f"the database URL cannot be used ({type(exc).__name__})") from exc
    if engine.dialect.name == "sqlite" and not allow_writes:

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only = ON")
            cursor.close()

    try:
        with engine.connect() as conn:
            columns, rows = _execute(conn, query)
            if allow_writes:
                conn.commit()
            else:
                conn.rollback()
            return columns, rows
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise SQLProblem(f"{type(getattr(exc, 'orig', None) or exc).__name__}: {detail}") from exc
    finally:
        engine.dispose()


def _execute(conn: Connection, query: str) -> tuple[list[str], list[list[Any]]]:
    result = conn.execute(text(query))
    if not result.returns_rows:
        return [], []
    columns = list(result.keys())
    rows = [list(row) for row in result.fetchmany(MAX_ROWS)]
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
        query = ctx.text("query")
        allow = ctx.services.data.sql_allow_writes
        columns, rows = await asyncio.to_thread(run_query, url, query, allow_writes=allow)
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
            vertex = ctx.vertex
            raise ComponentError(
                f"Error building component '{vertex.display_name}' ({vertex.id}): {exc}",
                ComponentFailure(vertex.id, vertex.display_name, error_type="SQLError"),
            ) from exc
        return ComponentResult({"run_sql_query": rows})


__all__ = ["TOOL_OUTPUT", "SQLComponent", "read_only_problem", "run_query"]
