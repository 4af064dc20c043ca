"""The one rule for which names hold secrets and which values look like credentials, shared by
log redaction (:mod:`flowql.logs.redact`) and the masking of stored configurations in answers
(:mod:`flowql.resolvers.auth_settings`, :mod:`flowql.resolvers.mcp_servers`).

- :func:`is_secret_name` — a key, flag, header, query or environment variable name whose value is
  a secret: camelCase and kebab-case are made snake_case first (``clientSecret`` →
  ``client_secret``, ``--access-token`` → ``access_token``), then the name must end in one of
  :data:`SECRET_NAME_ENDINGS`; with ``loose`` (URLs, command lines, configs) also any
  ``*_key`` and the short names of :data:`LOOSE_SECRET_NAMES` (``key``, ``sig``, ``auth`` …);
- :data:`SECRET_SHAPE` — credential-shaped values wherever they appear (provider key prefixes,
  JWTs, AWS access key ids), with :data:`KEY_PREFIXES` the prefixes kept when a log masks one.
"""

from __future__ import annotations

import re

#: A name ending in one of these (after :func:`snake_name`) holds a secret.
SECRET_NAME_ENDINGS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "secret_key",
    "authorization",
    "cookie",
    "credential",
    "signature",
    "session",
    "jsessionid",
    "token_lf",
)
#: Further names that hold secrets in URLs, command lines and configs (whole names, or any
#: name ending in ``_key``).
LOOSE_SECRET_NAMES = frozenset({"key", "sig", "auth", "code", "pass", "bearer", "credentials"})

#: Prefixes of provider and FlowQL keys (kept in logs so an operator sees a key was there).
KEY_PREFIXES = (
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "gsk_",
    "AIza",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "hf_",
    "xoxa-",
    "xoxb-",
    "xoxp-",
    "xoxo-",
    "xoxs-",
    "xoxr-",
)
_PREFIXES = "|".join(re.escape(p) for p in KEY_PREFIXES)

#: Credential-shaped text: a key with a known prefix (at a token boundary), a JWT, an AWS access
#: key id.
SECRET_SHAPE = re.compile(
    rf"(?<![A-Za-z0-9_\-])(?:(?:{_PREFIXES})[A-Za-z0-9_\-]{{8,}}|eyJ[A-Za-z0-9_\-]{{4,}}\.[A-Za-z0-9_\-]{{4,}}\."
    r"|AKIA[0-9A-Z]{16})"
)

_JOINED_ENDINGS = ("apikey", "privatekey", "accesskey", "secretkey")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_name(name: str) -> str:
    """``name`` as lower snake_case: leading dashes dropped, camelCase split, ``-``/``.`` as
    ``_`` (``--clientSecret`` → ``client_secret``, ``X-Amz-Signature`` → ``x_amz_signature``)."""
    stripped = name.strip().lstrip("-")
    return _CAMEL.sub("_", stripped).lower().replace("-", "_").replace(".", "_")


def is_secret_name(name: str, *, loose: bool = False) -> bool:
    """Whether a value under ``name`` is a secret (see the module docstring)."""
    snake = snake_name(name)
    joined = snake.replace("_", "")
    if snake.endswith(SECRET_NAME_ENDINGS) or joined.endswith(
        ("apikey", "privatekey", "accesskey", "secretkey")
    ):
        return True
    return loose and (snake in LOOSE_SECRET_NAMES or snake.endswith("_key"))


def looks_like_secret(text: str) -> bool:
    """Whether ``text`` holds a credential-shaped value (:data:`SECRET_SHAPE`)."""
    return SECRET_SHAPE.search(text) is not None
