"""A project's ``auth_settings`` (Langflow ``AuthSettings``): checked, stored, and answered with
its secrets masked.

Secrets (``oauth_client_secret``, ``api_key``, any name :func:`flowql.secrets.is_secret_name` names)
read as :data:`MASK` in every answer (REST projects and MCP routes, GraphQL); a masked value sent
back keeps the stored secret. ``api_key`` is kept for Langflow compatibility and grants nothing:
the project's MCP endpoint takes its owner's API keys and access tokens.
"""

from __future__ import annotations

from typing import Any

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers.input_checks import check_json, text_problem
from flowql.secrets import is_secret_name

#: What every secret in an answer reads as.
MASK = "*******"
#: ``auth_settings.auth_type`` values (Langflow ``AuthSettings``); absent means ``apikey``.
AUTH_TYPES = ("none", "apikey", "oauth")
#: Keys ``auth_settings`` may hold (Langflow ``AuthSettings`` plus ``api_key``).
AUTH_KEYS = frozenset(
    {
        "auth_type",
        "api_key",
        "oauth_host",
        "oauth_port",
        "oauth_server_url",
        "oauth_callback_path",
        "oauth_callback_url",
        "oauth_client_id",
        "oauth_client_secret",
        "oauth_auth_url",
        "oauth_token_url",
        "oauth_mcp_scope",
        "oauth_provider_scope",
    }
)


def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret (masked in answers): the shared rule of
    :func:`flowql.secrets.is_secret_name` (``loose``: any ``*_key`` too)."""
    return is_secret_name(key, loose=True)


def mask_secrets(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """``values`` with every non-empty secret (see :func:`is_secret_key`) replaced by :data:`MASK`."""
    if values is None:
        return None
    return {k: MASK if is_secret_key(k) and v not in (None, "") else v for k, v in values.items()}


def auth_type(settings: dict[str, Any] | None) -> str:
    """The project's MCP auth: ``none``, ``apikey`` (default) or ``oauth``."""
    value = (settings or {}).get("auth_type")
    return value if value in AUTH_TYPES else "apikey"


def merge_auth_settings(given: object, stored: dict[str, Any] | None) -> dict[str, Any]:
    """Checked ``auth_settings`` to store: known keys only, string (or null) values, ``auth_type``
    one of :data:`AUTH_TYPES`; a :data:`MASK`\\ ed secret keeps the stored value.
    Raises InvalidInput."""
    if not isinstance(given, dict):
        raise InvalidInput(
            "auth_settings must be an object", [FieldProblem("auth_settings", "must be an object")]
        )
    check_json(given, "auth_settings")
    unknown = sorted(set(given) - AUTH_KEYS)
    if unknown:
        problems = [FieldProblem(f"auth_settings.{k}", "unknown field") for k in unknown]
        raise InvalidInput(f"Unknown auth_settings fields: {', '.join(unknown)}", problems)
    merged: dict[str, Any] = {}
    for key, value in given.items():
        if value is not None and (not isinstance(value, str) or text_problem(value, 2048) is not None):
            problem = "must be a string of at most 2048 characters"
            raise InvalidInput(
                f"auth_settings.{key} {problem}", [FieldProblem(f"auth_settings.{key}", problem)]
            )
        merged[key] = (stored or {}).get(key) if value == MASK and is_secret_key(key) else value
    if merged.get("auth_type", "apikey") not in AUTH_TYPES:
        problem = f"must be one of {', '.join(AUTH_TYPES)}"
        raise InvalidInput(
            f"auth_settings.auth_type {problem}", [FieldProblem("auth_settings.auth_type", problem)]
        )
    return merged
