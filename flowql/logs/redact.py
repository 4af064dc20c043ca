"""Removing secrets from log records before they are stored or written anywhere.

:class:`Redactor` rewrites text and nested event dicts. What it removes:

- FlowQL API keys (``sk-`` + 43 url-safe characters, :mod:`flowql.auth.api_keys`) and anything
  shaped like a provider key with the same prefix (OpenAI ``sk-proj-…``, Anthropic ``sk-ant-…``);
- JWTs (three base64url parts, the first two starting ``eyJ``): access and refresh tokens;
- the value after ``Bearer``;
- the value of a ``password`` / ``token`` / ``api_key`` / ``x-api-key`` / ``secret`` /
  ``authorization`` / ``cookie`` … pair, in ``key=value``, ``key: value`` and JSON forms
  (query strings and form bodies included);
- the password part of a URL (``scheme://user:password@host``);
- every configured secret value (:meth:`Redactor.add_secret`: the JWT signing key, provider API
  keys from the environment, the database password), wherever it appears.

Event dict values under a sensitive key (``password``, ``api_key``, ``token``, …) are replaced
whole. The replacement is ``***`` (keys keep their ``sk-`` prefix so an operator still sees
that a key was there).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

#: Shortest configured secret value that is redacted literally (shorter ones would mask words).
MIN_SECRET_LENGTH = 6

_SENSITIVE_NAMES = (
    r"password|passwd|pwd|secret(?:_key)?|client_secret|token|access_token|refresh_token|id_token|"
    r"api[_-]?key|x-api-key|apikey|authorization|cookie|set-cookie|access_token_lf|refresh_token_lf"
)

#: structlog's bookkeeping entries of an event dict (never logged themselves).
_META_KEYS = ("_record", "_from_structlog")

#: Event dict keys whose whole value is a secret.
SENSITIVE_KEY = re.compile(rf"^(?:{_SENSITIVE_NAMES})$", re.IGNORECASE)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # JWTs (header.payload.signature, base64url).
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), MASK),
    # FlowQL and provider keys: sk-..., sk-proj-..., sk-ant-...
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "sk-" + MASK),
    # Authorization: Bearer <anything>
    (re.compile(r"(?i)\b(bearer)(\s+)[^\s\"',;&]+"), r"\1\2" + MASK),
    # key=value / key: value / "key": "value" (query strings, form bodies, JSON, reprs).
    (
        re.compile(
            rf"(?i)(?<![A-Za-z0-9_-])((?:{_SENSITIVE_NAMES}))(\"?'?\s*[:=]\s*[\"']?)(?!{re.escape(MASK)}|(?i:bearer)\s)"
            r"([^\s\"'&,;}\])]+)"
        ),
        r"\1\2" + MASK,
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)([^@\s/]+)(@)"), r"\1" + MASK + r"\3"),
)


class Redactor:
    """Removes secrets from text and from structlog event dicts (see the module docstring).

    Thread-safe: records are redacted on whatever thread logs them, while
    :meth:`add_secret` may be called at start-up from another.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._literal: re.Pattern[str] | None = None
        for value in secrets:
            self.add_secret(value)

    def add_secret(self, value: str | None) -> None:
        """Redact ``value`` literally from now on (ignored when shorter than
        :data:`MIN_SECRET_LENGTH` characters or empty)."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._secrets:
                return
            self._secrets = self._secrets | {value}
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._literal = re.compile("|".join(re.escape(s) for s in ordered))

    def text(self, value: str) -> str:
        """``value`` with every secret replaced by ``***``."""
        literal = self._literal
        if literal is not None:
            value = literal.sub(MASK, value)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def value(self, value: Any) -> Any:
        """A redacted copy of ``value``: strings redacted, mappings and sequences walked (values
        under sensitive keys replaced whole), anything else redacted through its ``str``."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))

    def mapping(self, values: Mapping[Any, Any]) -> dict[str, Any]:
        """A redacted copy of an event dict (keys become strings)."""
        cleaned: dict[str, Any] = {}
        for key, item in values.items():
            name = str(key)
            if SENSITIVE_KEY.match(name) and item not in (None, ""):
                cleaned[name] = MASK
            else:
                cleaned[name] = self.value(item)
        return cleaned

    def __call__(self, _logger: Any, _method: str, event_dict: Any) -> Any:
        """The structlog processor form: the event dict, redacted (structlog's own ``_record``
        / ``_from_structlog`` entries pass through untouched)."""
        meta = {key: event_dict[key] for key in _META_KEYS if key in event_dict}
        rest = {key: item for key, item in event_dict.items() if key not in _META_KEYS}
        return {**self.mapping(rest), **meta}
