"""The caller's MCP server configurations (Langflow ``/api/v2/mcp/servers``): list, read, add,
update, delete, by name; one row per (user, name).

A config is Langflow's ``MCPServerConfig``: ``command``, ``args``, ``env``, ``headers``, ``url``
plus any extra keys (at most 64 KiB of JSON), stored as given. Answers go through
:func:`masked_config`: every value of ``env`` and ``headers``, secret-named keys at any depth,
secrets in ``args`` and URLs, and credential-shaped strings read :data:`MASK`; a masked value
sent back in an update keeps the stored one (wherever it was masked). FlowQL never connects to
these servers.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from flowql.context import Context
from flowql.db.models import McpServer
from flowql.errors import Conflict, FieldProblem, InvalidInput, NotFound, TooLarge
from flowql.resolvers.auth_settings import MASK
from flowql.resolvers.input_checks import check_json, text_problem
from flowql.secrets import is_secret_name, looks_like_secret

SERVER_NOT_FOUND = "MCP server not found"
NAME_MAX = 255
#: Largest number of servers one user keeps.
MAX_SERVERS = 200
SECRET_MAPS = ("env", "headers")
#: Largest config, as JSON text.
MAX_CONFIG_CHARS = 64 * 1024


#: ``Bearer``/``Basic``/``Token`` authorization values (credential shapes are
#: :data:`flowql.secrets.SECRET_SHAPE`, shared with the logs).
AUTHORIZATION_VALUE = re.compile(r"^\s*(bearer|basic|token)\s+\S", re.IGNORECASE)
#: Flags whose next argument is a header (``Name: value``, or ``Name`` then ``value``).
HEADER_FLAGS = frozenset({"--headers", "--header", "-H"})
#: Flags whose next argument is ``NAME=value`` of an environment variable.
ENV_FLAGS = frozenset({"-e", "--env"})


def _secret_name(name: str) -> bool:
    """Whether a key, flag, header or query parameter named ``name`` holds a secret (the shared
    rule, :func:`flowql.secrets.is_secret_name`, loose)."""
    return is_secret_name(name, loose=True)


def _mask_params(text: str, sep: str) -> str:
    """``name=value`` pairs joined by ``sep`` with secret-named values as :data:`MASK`."""
    return sep.join(
        f"{name}={MASK}" if value and _secret_name(unquote(unquote(name))) else f"{name}{eq}{value}"
        for name, eq, value in (item.partition("=") for item in text.split(sep))
    )


def _mask_path(path: str) -> str:
    """``path`` with secret-named ``;name=value`` parameters (``;jsessionid=``) masked."""
    return "/".join(
        ";".join([segment.split(";")[0], *(_mask_params(p, "&") for p in segment.split(";")[1:])])
        for segment in path.split("/")
    )


def _mask_url(text: str) -> str:
    """``text`` with a URL's password and secret-named query values as :data:`MASK`."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc:
        return text
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{hostport}"
    elif at and userinfo:  # https://TOKEN@host: a user name alone is a token as often as not
        netloc = f"{MASK}@{hostport}"
    path = _mask_path(parts.path)
    query = _mask_params(parts.query, "&")
    fragment = _mask_params(parts.fragment, "&")
    if (netloc, path, query, fragment) == (parts.netloc, parts.path, parts.query, parts.fragment):
        return text  # nothing secret: exactly as stored
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _mask_json(text: str) -> str | None:
    """A JSON object or array in ``text`` (``--config '{"apiKey": …}'``) masked like a config,
    as JSON again; ``None`` when ``text`` is no such JSON."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    masked = _mask(None, parsed)
    return text if masked == parsed else json.dumps(masked)


_ASSIGNED_NAME = re.compile(r"-{0,2}[A-Za-z_][A-Za-z0-9_.\-]*")


def _mask_assignment(text: str) -> str | None:
    """``NAME=value`` (``API_KEY=v``, ``--env=GITHUB_TOKEN=v``, ``-eOPENAI_API_KEY=v``) with the
    value after the first secret name, or after an environment flag, as :data:`MASK`; ``None``
    when ``text`` assigns nothing secret."""
    pieces = text.split("=")
    for i, name in enumerate(pieces[:-1]):
        if not _ASSIGNED_NAME.fullmatch(name):
            return None
        glued_env = name.startswith("-e") and not name.startswith("--") and _secret_name(name[2:])
        if _secret_name(name) or glued_env or (i == 0 and name in ENV_FLAGS and len(pieces) > 2):
            keep = i + 2 if name in ENV_FLAGS else i + 1
            return "=".join([*pieces[:keep], MASK])
    return None


def _mask_text(text: str) -> str:
    """:data:`MASK` for a credential-shaped text, else the text with secrets in it as JSON, as
    ``NAME=value`` or in a URL masked."""
    if looks_like_secret(text) or AUTHORIZATION_VALUE.search(text):
        return MASK
    for mask in (_mask_json, _mask_assignment):
        masked = mask(text)
        if masked is not None:
            return masked
    return _mask_url(text)


def _mask_header(text: str) -> str:
    """``Name: value`` (or ``Name=value``) → ``Name: *******``; a bare name stays."""
    for sep in (":", "="):
        name, found, _ = text.partition(sep)
        if found:
            return f"{name}{sep}{' ' if sep == ':' else ''}{MASK}"
    return text


def _mask_args(args: list[Any]) -> list[Any]:
    """Command arguments as answers show them: the value after a secret-named flag
    (``--token x``, ``--api-key=x``), header values after ``--headers``/``--header``/``-H``,
    values of ``-e NAME=value``, credential-shaped values, URL passwords and secret query
    values."""
    shown: list[Any] = []
    expect: str | None = None  # what the previous arguments say this one is
    for arg in args:
        if not isinstance(arg, str):
            shown.append(arg)
            expect = None
            continue
        if expect == "value" and arg.startswith("--"):  # a flag without a value came before
            expect = None
        if expect == "value":
            shown.append(MASK)
            expect = None
        elif expect == "header":
            masked = _mask_header(arg)
            shown.append(masked)
            expect = None if masked != arg else "value"
        elif expect == "env":
            name, found, _ = arg.partition("=")
            shown.append(f"{name}={MASK}" if found else arg)
            expect = None
        elif arg in HEADER_FLAGS or arg in ENV_FLAGS:
            shown.append(arg)
            expect = "header" if arg in HEADER_FLAGS else "env"
        elif arg.startswith("-") and "=" not in arg and _secret_name(arg):
            shown.append(arg)
            expect = "value"
        else:
            shown.append(_mask_text(arg))
    return shown


def _mask(key: str | None, value: Any) -> Any:
    """``value`` (found under ``key``) as answers show it; see :func:`masked_config`."""
    if isinstance(value, dict):
        if key in SECRET_MAPS:
            return {k: MASK for k in value}
        return {k: _mask(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return _mask_args(value) if key == "args" else [_mask(None, v) for v in value]
    if key is not None and _secret_name(key) and value not in (None, "", False):
        return MASK
    return _mask_text(value) if isinstance(value, str) else value


def masked_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as answers show it, at any depth: every value of an ``env`` or ``headers``
    object, every secret-named key's value (:func:`_secret_name`), secrets in ``args``
    (:func:`_mask_args`), URL passwords and secret-named query values, and credential-shaped
    strings (:data:`flowql.secrets.SECRET_SHAPE`) read :data:`MASK`."""
    shown: dict[str, Any] = _mask(None, config)
    return shown


def _restore(given: Any, stored: Any, shown: Any, path: str) -> Any:
    """``given`` with every text holding :data:`MASK` replaced by the stored value at the same
    place, when the stored config shows exactly that text there (``shown``); InvalidInput
    naming ``path`` otherwise."""
    if isinstance(given, str) and MASK in given:
        if isinstance(shown, str) and shown == given:
            return stored
        raise _problem(path or "body", "a masked value can only keep a value already stored")
    if isinstance(given, dict):
        return {
            k: _restore(
                v,
                stored.get(k) if isinstance(stored, dict) else None,
                shown.get(k) if isinstance(shown, dict) else None,
                f"{path}.{k}" if path else str(k),
            )
            for k, v in given.items()
        }
    if isinstance(given, list):
        return [
            _restore(
                v,
                stored[i] if isinstance(stored, list) and i < len(stored) else None,
                shown[i] if isinstance(shown, list) and i < len(shown) else None,
                f"{path}.{i}",
            )
            for i, v in enumerate(given)
        ]
    return given


def server_mode(config: dict[str, Any]) -> str:
    """Langflow's ``mode`` of a config: ``STDIO`` with a command, else ``Streamable_HTTP``
    (``SSE`` when the url ends in ``/sse``), else ``""``."""
    if config.get("command"):
        return "STDIO"
    url = config.get("url")
    if isinstance(url, str) and url:
        return "SSE" if url.rstrip("/").endswith("/sse") else "Streamable_HTTP"
    return ""


def check_name(name: str) -> str:
    """InvalidInput unless ``name`` is a non-blank text of at most 255 characters without
    control or format characters (no bidi overrides, zero-width characters, tabs)."""
    problem = text_problem(name, NAME_MAX) if isinstance(name, str) else "must be a string"
    if problem is None and not name.strip():
        problem = "must not be blank"
    if problem is None and any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        problem = "must not contain control or format characters"
    if problem is not None:
        raise InvalidInput(f"server_name {problem}", [FieldProblem("server_name", problem)])
    return name


def _problem(path: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{path} {problem}", [FieldProblem(path, problem)])


def check_config(config: object, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """A config to store: ``command``/``url`` strings (one of them given), ``args`` a list of
    strings, ``env``/``headers`` objects of strings, extra keys any JSON, at most
    :data:`MAX_CONFIG_CHARS` of JSON; a text holding :data:`MASK` keeps ``stored``'s value at
    that place when the stored config is shown exactly so (:func:`_restore`). Raises
    InvalidInput naming the field, TooLarge."""
    if not isinstance(config, dict):
        raise _problem("body", "must be an object")
    check_json(config, "body")
    checked = dict(config)
    for key in ("command", "url"):
        value = checked.get(key)
        if value is not None and (not isinstance(value, str) or text_problem(value, 4096) is not None):
            raise _problem(key, "must be a string of at most 4096 characters")
    if not checked.get("command") and not checked.get("url"):
        raise _problem("command", "is required when no url is given")
    args = checked.get("args")
    if args is not None and not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
        raise _problem("args", "must be a list of strings")
    for key in SECRET_MAPS:
        value = checked.get(key)
        if value is not None and (
            not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
        ):
            raise _problem(key, "must be an object of strings")
    if len(json.dumps(checked)) > MAX_CONFIG_CHARS:
        raise TooLarge(f"An MCP server config must be at most {MAX_CONFIG_CHARS} characters of JSON")
    restored: dict[str, Any] = _restore(checked, stored or {}, masked_config(stored or {}), "")
    return restored


async def _find(ctx: Context, name: str) -> McpServer:
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.user_id == principal.user_id, McpServer.name == name)
        )
    if row is None:
        raise NotFound(SERVER_NOT_FOUND)
    return row


async def list_servers(ctx: Context) -> list[McpServer]:
    """The caller's MCP server configs by name (Langflow ``GET /api/v2/mcp/servers``).
    Raises Unauthenticated."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(McpServer).where(McpServer.user_id == principal.user_id).order_by(McpServer.name)
        )
        return list(rows)


async def get_server(ctx: Context, *, name: str) -> McpServer:
    """The caller's config ``name`` (Langflow ``GET /api/v2/mcp/servers/{server_name}``).
    Raises Unauthenticated, NotFound("MCP server not found")."""
    if not isinstance(name, str) or text_problem(name, NAME_MAX) is not None:
        ctx.require_principal()
        raise NotFound(SERVER_NOT_FOUND)
    return await _find(ctx, name)


async def add_server(ctx: Context, *, name: str, config: object) -> list[McpServer]:
    """Add config ``name`` for the caller (Langflow ``POST /api/v2/mcp/servers/{server_name}``);
    returns all the caller's configs. Raises Unauthenticated, InvalidInput (name or config),
    Conflict when the caller has that name already or keeps :data:`MAX_SERVERS` configs."""
    principal = ctx.require_principal()
    check_name(name)
    checked = check_config(config)
    async with ctx.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(McpServer).where(McpServer.user_id == principal.user_id)
        )
        if int(count or 0) >= MAX_SERVERS:
            raise Conflict(f"At most {MAX_SERVERS} MCP servers can be configured")
        session.add(McpServer(id=uuid.uuid4(), user_id=principal.user_id, name=name, config=checked))
        try:
            await session.commit()
        except IntegrityError:
            raise Conflict(f"An MCP server named '{name}' already exists") from None
    return await list_servers(ctx)


async def update_server(ctx: Context, *, name: str, config: object) -> list[McpServer]:
    """Replace config ``name`` of the caller (Langflow ``PATCH /api/v2/mcp/servers/{server_name}``);
    masked ``env``/``headers`` values keep the stored ones. Returns all the caller's configs.
    Raises Unauthenticated, NotFound("MCP server not found"), InvalidInput."""
    principal = ctx.require_principal()
    current = await get_server(ctx, name=name)
    checked = check_config(config, current.config)
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.id == current.id, McpServer.user_id == principal.user_id)
        )
        if row is None:
            raise NotFound(SERVER_NOT_FOUND)
        row.config = checked
        await session.commit()
    return await list_servers(ctx)


async def delete_server(ctx: Context, *, name: str) -> list[McpServer]:
    """Delete config ``name`` of the caller (Langflow ``DELETE /api/v2/mcp/servers/{server_name}``);
    returns the configs left. Raises Unauthenticated, NotFound("MCP server not found")."""
    principal = ctx.require_principal()
    current = await get_server(ctx, name=name)
    statement = delete(McpServer).where(McpServer.id == current.id, McpServer.user_id == principal.user_id)
    async with ctx.sessions() as session:
        result = await session.execute(statement)
        await session.commit()
    if getattr(result, "rowcount", 0) != 1:  # a concurrent delete came first
        raise NotFound(SERVER_NOT_FOUND)
    return await list_servers(ctx)
