"""Values resolved for one flow run, redacted only from the records that run logs.

A flow's variables (``X-LANGFLOW-GLOBAL-VAR-*`` headers, environment variables read through
``load_from_db``) are secrets of *that* request: they are masked in the records logged from
within it — its own context and the tasks it starts — and never in anyone else's. Nothing is
registered process-wide, so a request can neither grow the process's redaction work nor erase
text (``authentication failed``) from other users' records.

- :class:`RunSecrets` — one run's values (at most :data:`MAX_RUN_SECRETS`, the oldest kept;
  none shorter than :data:`MIN_SECRET_LENGTH`), with their percent-encoded
  forms;
- :func:`start_run_secrets` — a new empty set, made the current context's (call it before the
  run starts its tasks: they copy the context, so they share the same set object);
- :func:`current_run_secrets` — the current context's set, if any;
- :func:`isolated` — a context manager giving a block (one HTTP request) no set of its own to
  start with and restoring the one before afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, quote_plus

#: What a masked value reads as (:data:`flowql.logs.redact.MASK`).
MASK = "***"
#: Shortest value redacted literally (shorter ones would mask ordinary words).
MIN_SECRET_LENGTH = 8
#: Most values one run's set holds; later ones are not added (the oldest are kept).
MAX_RUN_SECRETS = 64

_CURRENT: ContextVar[RunSecrets | None] = ContextVar("flowql_run_secrets", default=None)


def secret_forms(value: str) -> set[str]:
    """``value`` and its percent-encoded forms (as it may appear in a URL)."""
    return {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value)}


class RunSecrets:
    """The secret values of one run (see the module docstring). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}
        self._forms: tuple[str, ...] = ()

    def add(self, value: str | None) -> None:
        """Mask ``value`` (and its percent-encoded forms) in this run's later records; ignored
        when shorter than :data:`MIN_SECRET_LENGTH` characters or when the
        set already holds :data:`MAX_RUN_SECRETS` values."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._values or len(self._values) >= MAX_RUN_SECRETS:
                return
            self._values[value] = None
            forms = {f for v in self._values for f in secret_forms(v)}
            self._forms = tuple(sorted(forms, key=len, reverse=True))

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def mask(self, text: str) -> str:
        """``text`` with every value of the set (any of its forms, longest first) replaced by
        ``***``: one plain substring replacement per form, linear in the text."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


def start_run_secrets() -> RunSecrets:
    """A new empty :class:`RunSecrets`, made the current context's."""
    secrets = RunSecrets()
    _CURRENT.set(secrets)
    return secrets


def current_run_secrets() -> RunSecrets | None:
    """The current context's :class:`RunSecrets` (``None`` outside any run)."""
    return _CURRENT.get()


@contextmanager
def isolated() -> Iterator[None]:
    """Run the block with no run secrets of its own to start with; the set current before is
    current again afterwards (a request never leaves its run's set to whoever called it)."""
    token = _CURRENT.set(None)
    try:
        yield
    finally:
        _CURRENT.reset(token)
