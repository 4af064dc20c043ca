"""Checking and normalising a flow's field values (Langflow ``FlowCreate`` / ``FlowUpdate`` names).

Used by the flow resolvers before anything touches the database, so a bad value never leaves a
partial write behind. Every problem is collected and raised once as
:class:`~flowql.errors.InvalidInput` whose ``fields`` name each offending field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from flowql.engine import validate_flow_data
from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers.input_checks import check_json, text_problem

#: Fields a caller may set (Langflow ``FlowCreate`` minus the server-owned ones).
WRITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "data",
        "folder_id",
        "endpoint_name",
        "tags",
        "icon",
        "icon_bg_color",
        "gradient",
        "is_component",
        "access_type",
        "webhook",
        "mcp_enabled",
        "action_name",
        "action_description",
        "locked",
    }
)

#: ``FlowCreate`` / ``FlowRead`` fields accepted and ignored (server-owned or not modelled yet).
IGNORED_FIELDS = frozenset(
    {
        "id",
        "user_id",
        "created_at",
        "updated_at",
        "flow_type",
        "a2a_enabled",
        "a2a_card_overrides",
        "workspace_id",
        "fs_path",
        "name_key",
        "version_token",
    }
)

#: Optional text fields and their maximum length (``None``: unlimited).
_TEXT_FIELDS: dict[str, int | None] = {
    "description": None,
    "icon": 255,
    "icon_bg_color": 64,
    "gradient": 255,
    "action_name": 255,
    "action_description": None,
}
_BOOL_FIELDS = ("is_component", "webhook", "mcp_enabled", "locked")
#: Fields where an explicit ``None`` in an update means "leave unchanged" (they cannot be null).
_NOT_NULL_ON_UPDATE = frozenset({"name", "data", "folder_id", "access_type", *_BOOL_FIELDS})

ACCESS_TYPES = ("PRIVATE", "PUBLIC")
NAME_MAX = 255
_ENDPOINT_NAME = re.compile(r"[A-Za-z0-9_-]+")


def parse_uuid(value: object, field: str) -> uuid.UUID:
    """``value`` as a UUID (a UUID or its string form); InvalidInput naming ``field`` otherwise."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise InvalidInput(f"{field} is not a valid UUID", [FieldProblem(field, "not a valid UUID")])


def is_uuid_text(value: str) -> bool:
    """True when ``value`` parses as a UUID (so it cannot double as an ``endpoint_name``)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def clean_flow_values(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check ``values`` and return the columns to write.

    ``partial=False`` (create/import): ``name`` is required, missing booleans default to False,
    ``access_type`` to PRIVATE, the rest to null. ``partial=True`` (update): only the keys
    present are returned; an explicit ``None`` clears a nullable field and is ignored for the
    non-nullable ones (``name``, ``data``, ``folder_id``, ``access_type``, booleans), since
    Langflow clients send whole objects with nulls.

    ``folder_id`` comes back as a :class:`uuid.UUID` (or None); ``endpoint_name`` ``""`` becomes
    None. ``data`` is checked with the engine's structural validation. Unknown keys, wrong types,
    over-long text, an ``endpoint_name`` that is not letters, digits, ``-`` and ``_`` (or looks
    like a UUID) raise :class:`InvalidInput` naming every offending field; a broken ``data``
    raises the engine's InvalidInput naming the node or edge.
    """
    problems: list[FieldProblem] = []
    out: dict[str, Any] = {}
    unknown = sorted(k for k in values if k not in WRITABLE_FIELDS and k not in IGNORED_FIELDS)
    problems.extend(FieldProblem(k, "unknown field") for k in unknown)

    for key in WRITABLE_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if value is None and partial and key in _NOT_NULL_ON_UPDATE:
            continue
        problem = _check(key, value, out)
        if problem is not None:
            problems.append(FieldProblem(key, problem))

    if not partial:
        if "name" not in out and not any(p.path == "name" for p in problems):
            problems.append(FieldProblem("name", "field required"))
        for key in _BOOL_FIELDS:
            out.setdefault(key, False)
        out.setdefault("access_type", "PRIVATE")
    if problems:
        detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
        raise InvalidInput(f"Invalid flow fields: {detail}", problems)
    if "data" in out:
        validate_flow_data(out["data"])
        check_json(out["data"], "data")
    return out


def _check(key: str, value: Any, out: dict[str, Any]) -> str | None:
    """Store the normalised ``value`` under ``key`` in ``out``; return a problem text instead."""
    if key == "name":
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty string"
        problem = text_problem(value, NAME_MAX)
        if problem is not None:
            return problem
    elif key == "data":
        if value is not None and not isinstance(value, dict):
            return "must be an object with 'nodes' and 'edges'"
    elif key == "folder_id":
        if value is not None:
            try:
                value = parse_uuid(value, key)
            except InvalidInput:
                return "not a valid UUID"
    elif key == "endpoint_name":
        return _check_endpoint_name(value, out)
    elif key == "tags":
        if value is not None and (not isinstance(value, list) or not all(isinstance(t, str) for t in value)):
            return "must be a list of strings"
        problems = [text_problem(tag, NAME_MAX) for tag in value or []]
        if any(problems):
            return f"each tag {next(p for p in problems if p)}"
    elif key == "access_type":
        if value not in ACCESS_TYPES:
            return "must be PRIVATE or PUBLIC"
    elif key in _BOOL_FIELDS:
        if value is None:
            value = False
        if not isinstance(value, bool):
            return "must be a boolean"
    elif key in _TEXT_FIELDS:
        limit = _TEXT_FIELDS[key]
        if value is not None and not isinstance(value, str):
            return "must be a string"
        if isinstance(value, str) and (problem := text_problem(value, limit)) is not None:
            return problem
    out[key] = value
    return None


def _check_endpoint_name(value: Any, out: dict[str, Any]) -> str | None:
    if value is None or value == "":
        out["endpoint_name"] = None
        return None
    if not isinstance(value, str) or not _ENDPOINT_NAME.fullmatch(value):
        return "must contain only letters, numbers, hyphens and underscores"
    if len(value) > NAME_MAX:
        return f"must be at most {NAME_MAX} characters"
    if is_uuid_text(value):
        return "must not be a UUID (it would be read as a flow id)"
    out["endpoint_name"] = value
    return None


def _is_api_key_name(name: str) -> bool:
    """Langflow's ``has_api_terms``: ``api`` with ``key`` (or ``token`` but not ``tokens``)."""
    lowered = name.lower()
    return "api" in lowered and ("key" in lowered or ("token" in lowered and "tokens" not in lowered))


def strip_api_keys(data: Any) -> Any:
    """A copy of flow ``data`` whose password fields named like API keys (``api_key``,
    ``openai_api_key``, ``api_token``) hold ``None``, as Langflow's ``remove_api_keys`` does for
    downloads. A field that only names a variable (``load_from_db``) keeps its value (a name, not
    a secret). Anything that is not a node template is copied unchanged."""
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        return data
    nodes: list[Any] = []
    for node in data["nodes"]:
        template = _template_of(node)
        if template is None:
            nodes.append(node)
            continue
        cleaned = {
            key: (
                {**value, "value": None}
                if isinstance(value, dict)
                and value.get("password")
                and not value.get("load_from_db")
                and _is_api_key_name(str(value.get("name", key)))
                else value
            )
            for key, value in template.items()
        }
        nodes.append(
            {**node, "data": {**node["data"], "node": {**node["data"]["node"], "template": cleaned}}}
        )
    return {**data, "nodes": nodes}


def _template_of(node: Any) -> dict[str, Any] | None:
    inner = node.get("data") if isinstance(node, dict) else None
    body = inner.get("node") if isinstance(inner, dict) else None
    template = body.get("template") if isinstance(body, dict) else None
    return template if isinstance(template, dict) else None
