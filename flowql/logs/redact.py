"""Removing secrets from log records before they are stored or written anywhere.

:class:`Redactor` rewrites text and nested event dicts. What it removes:

- FlowQL API keys (``sk-`` + 43 url-safe characters, :mod:`flowql.auth.api_keys`) and provider
  keys of known shapes (OpenAI ``sk-proj-…``, Anthropic ``sk-ant-…``, Google ``AIza…``, Groq
  ``gsk_…``, Stripe ``sk_live_…``, GitHub ``ghp_…`` / ``github_pat_…``, Slack ``xox?-…``,
  Hugging Face ``hf_…``), the prefix kept so an operator still sees that a key was there;
- JWTs (three base64url parts, the first starting ``eyJ``): access and refresh tokens;
- the value after ``Bearer``, and after any scheme (``Basic``, ``Token``, …) of an
  ``Authorization`` value;
- the value of any name *ending* in ``password`` / ``token`` / ``api_key`` / ``secret`` /
  ``authorization`` / ``cookie`` / ``access_key`` … (``new_password=``, ``currentPassword:``,
  ``OPENAI_API_KEY=``), and of every ``X-LANGFLOW-GLOBAL-VAR-*`` header, in ``key=value``,
  ``key: value`` and JSON forms — a quoted value whole, spaces included;
- URL query parameters with a secret-looking name (the above, plus ``key``, ``sig``,
  ``signature``, ``credential``, ``auth``, ``code``), the name percent-decoded first
  (``?pass%77ord=``);
- the password part of a URL (``scheme://user:password@host``, ``redis://:password@host``);
- every configured secret value (:meth:`Redactor.add_secret`: the JWT signing key, provider keys
  from the environment, the database password), also in its percent-encoded forms;
- in the records logged from within a flow run (its context and the tasks it starts), that
  run's variable values (:mod:`flowql.logs.run_secrets`) — never in other records.

Event dict values under a sensitive key (a name ending as above) are replaced whole.

Work is linear in the text: texts longer than :data:`MAX_TEXT_CHARS` are cut (a partial last
token dropped, so no secret is cut in half) before anything runs; configured secrets are found in
one pass over the text (an index on their first :data:`MIN_SECRET_LENGTH` characters, nothing
recompiled as secrets are added); every pattern starts only at a token boundary (look-behind) and
uses possessive quantifiers (the ``regex`` package), and each substitution runs under
:data:`REDACT_TIMEOUT_SECONDS` as a last guard (a text that exceeds it is withheld whole).
:func:`escape_controls` then escapes control characters, so no logged value can forge a line
or send terminal escapes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

import regex

from flowql.logs.run_secrets import MASK, MIN_SECRET_LENGTH, current_run_secrets, secret_forms
from flowql.secrets import SECRET_NAME_ENDINGS, is_secret_name

__all__ = ["MASK", "MIN_SECRET_LENGTH", "PATTERNS", "Redactor", "cut", "escape_controls"]
#: Longest text redacted; the rest is cut (and said to be) before redaction.
MAX_TEXT_CHARS = 32_768
#: Guard on each substitution; the patterns are linear, so this is never reached in practice.
REDACT_TIMEOUT_SECONDS = 2.0
#: What a text that could not be redacted is replaced with.
WITHHELD = "*** (withheld: could not be redacted)"

#: Names whose value is a secret: a name *ending* in one of these (case-insensitive; the shared
#: rule of :func:`flowql.secrets.is_secret_name`, written with ``_``, ``-`` or nothing between
#: words, so ``clientSecret``, ``client-secret`` and ``CLIENT_SECRET`` all match).
SENSITIVE_SUFFIXES = tuple(
    dict.fromkeys(
        form
        for ending in SECRET_NAME_ENDINGS
        for form in (ending, ending.replace("_", "-"), ending.replace("_", ""))
    )
)

_SUFFIXES = "|".join(regex.escape(s) for s in SENSITIVE_SUFFIXES)

#: structlog's bookkeeping entries of an event dict (never logged themselves).
_META_KEYS = ("_record", "_from_structlog")

#: Event dict keys whose whole value is a secret.
SENSITIVE_KEY = regex.compile(rf"(?i)(?:{_SUFFIXES})\Z")

#: How many times a query parameter's name is percent-decoded before it is judged
#: (``pass%2577ord`` → ``pass%77ord`` → ``password``).
NAME_DECODINGS = 3


def secret_param(name: str) -> bool:
    """Whether URL parameter ``name`` (percent-decoded up to :data:`NAME_DECODINGS` times) holds
    a secret: :func:`flowql.secrets.is_secret_name`, loose (``key``, ``sig``, ``code`` …)."""
    for _ in range(NAME_DECODINGS):
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return is_secret_name(name, loose=True)


_WORD = r"A-Za-z0-9_\-"
_VALUE = (
    r"(?:(?P<quoted>\"(?:[^\"\\]++|\\.)*+\"?|'(?:[^'\\]++|\\.)*+'?)"  # quoted whole (or to the end)
    r"|(?P<scheme>(?i:bearer|basic|token|digest|negotiate|ntlm|apikey)[ \t]++)?[^\s\"'&,;}\])]++)"
)


def _mask_value(match: regex.Match[str]) -> str:
    quoted = match.group("quoted")
    if quoted:
        masked = quoted[0] + MASK + quoted[0]
    else:
        masked = (match.group("scheme") or "") + MASK
    return match.group("name") + match.group("sep") + masked


def _mask_query_param(match: regex.Match[str]) -> str:
    name = match.group(1)
    if secret_param(name):
        return f"{name}{match.group(2)}{MASK}"
    return match.group(0)


_Replacement = str | Callable[[regex.Match[str]], str]

PATTERNS: tuple[tuple[regex.Pattern[str], _Replacement], ...] = (
    # JWTs (header.payload.signature, base64url), starting at a token boundary.
    (regex.compile(rf"(?<![{_WORD}])eyJ[{_WORD}]{{4,}}+\.[{_WORD}]{{4,}}+\.[{_WORD}]*+"), MASK),
    # FlowQL and provider keys: the prefix kept.
    (
        regex.compile(
            rf"(?<![{_WORD}])(sk-|sk_live_|sk_test_|rk_live_|rk_test_|gsk_|AIza|ghp_|gho_|ghu_|ghs_|ghr_|"
            rf"github_pat_|glpat-|hf_|xox[abposr]-)[{_WORD}]{{16,}}+"
        ),
        r"\1" + MASK,
    ),
    # Authorization: Bearer <anything>
    (regex.compile(r"(?i)(?<![A-Za-z0-9])(bearer)([ \t]++)(?!\*\*\*)[^\s\"',;&]++"), r"\1\2" + MASK),
    # <name ending in a sensitive word>=value / : value / "name": "value".
    (
        regex.compile(
            rf"(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]++)(?<=(?i:{_SUFFIXES}))"
            rf"(?P<sep>[\"']?[ \t]*+[:=][ \t]*+){_VALUE}"
        ),
        _mask_value,
    ),
    # X-LANGFLOW-GLOBAL-VAR-<NAME>: value (every variable sent with a request).
    (
        regex.compile(
            rf"(?i)(?<![A-Za-z0-9_.\-])(?P<name>x-langflow-global-var-[A-Za-z0-9_.\-]++)"
            rf"(?P<sep>[\"']?[ \t]*+[:=][ \t]*+){_VALUE}"
        ),
        _mask_value,
    ),
    # ?name=value / &name=value / ;name=value / #name=value with a secret-looking (decoded) name.
    (regex.compile(r"(?<=[?&;#])([A-Za-z0-9_.~%+\-]++)(=)([^&\s#\"'<>;]*+)"), _mask_query_param),
    # The same percent-encoded inside another URL's parameter (``%23access_token%3D…``).
    (
        regex.compile(
            r"(?i)(?<=%3F|%26|%3B|%23)([A-Za-z0-9_.~+\-]++)(%3D)((?:(?!%26|%23|%3B)[^&\s#\"'<>;])*+)"
        ),
        _mask_query_param,
    ),
    # scheme://user:password@host (the user may be empty).
    (
        regex.compile(r"(?i)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*+://[^:/@\s]*+:)([^@\s/]++)(@)"),
        r"\1" + MASK + r"\3",
    ),
    # scheme://token@host (a user name alone is a token as often as not), also percent-encoded.
    (regex.compile(r"(?i)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*+://)([^:/@\s?#]++)(@)"), r"\1" + MASK + r"\3"),
    (
        regex.compile(r"(?i)(%3A%2F%2F)((?:(?!%40|%2F)[^\s/&?#@])++)(%40)"),
        r"\1" + MASK + r"\3",
    ),
)

_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROLS.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"})
_CONTROLS_MULTILINE = {c: e for c, e in _CONTROLS.items() if c not in (0x0A, 0x09)}
_CUT_AT = " \t\n\r&,;\"'<>"


def escape_controls(value: str, *, multiline: bool = False) -> str:
    """``value`` with control characters (C0, DEL, C1, line/paragraph separators) written as
    escapes (``\\n``, ``\\x1b``): one logged value is one line and sends no terminal escapes.
    ``multiline`` keeps newlines and tabs (tracebacks)."""
    return value.translate(_CONTROLS_MULTILINE if multiline else _CONTROLS)


def cut(value: str, limit: int = MAX_TEXT_CHARS, *, separators: str = _CUT_AT) -> str:
    """``value`` if at most ``limit`` characters, else its first ``limit`` characters without
    their last partial token (up to the last of ``separators``, so a secret is never cut in
    half) and a note of what was cut."""
    if len(value) <= limit:
        return value
    head = value[:limit]
    head = head[: max(head.rfind(c) for c in separators) + 1]
    return f"{head}…[{len(value) - len(head)} characters cut]"


class Redactor:
    """Removes secrets from text and from structlog event dicts (see the module docstring).

    Thread-safe: records are redacted on whatever thread logs them, while :meth:`add_secret`
    may be called from another.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._pinned: set[str] = set()
        self._index: dict[str, tuple[str, ...]] = {}
        for value in secrets:
            self.add_secret(value)

    def add_secret(self, value: str | None) -> None:
        """Redact the configured secret ``value`` literally from every later record of the
        process, and its percent-encoded forms (ignored when shorter than
        :data:`MIN_SECRET_LENGTH` characters). Only for the server's own configuration (the JWT
        key, provider keys from the environment, the database password): values resolved for a
        flow run are that run's alone (:mod:`flowql.logs.run_secrets`)."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._pinned:
                return
            self._pinned.add(value)
            self._compile()

    def _compile(self) -> None:
        index: dict[str, list[str]] = {}
        for form in {form for value in self._pinned for form in secret_forms(value)}:
            index.setdefault(form[:MIN_SECRET_LENGTH], []).append(form)
        self._index = {prefix: tuple(sorted(forms, key=len, reverse=True)) for prefix, forms in index.items()}

    def _literals(self, value: str) -> str:
        """``value`` with every configured secret (any of its forms) replaced by ``***``: one
        pass, each position looked up by its first :data:`MIN_SECRET_LENGTH` characters."""
        index = self._index
        if not index or len(value) < MIN_SECRET_LENGTH:
            return value
        parts: list[str] = []
        start = position = 0
        end = len(value) - MIN_SECRET_LENGTH
        while position <= end:
            forms = index.get(value[position : position + MIN_SECRET_LENGTH])
            found = next((f for f in forms if value.startswith(f, position)), None) if forms else None
            if found is None:
                position += 1
                continue
            parts.append(value[start:position])
            parts.append(MASK)
            position = start = position + len(found)
        parts.append(value[start:])
        return "".join(parts)

    @property
    def secret_count(self) -> int:
        """How many configured secret values are redacted literally, in every record."""
        return len(self._pinned)

    def text(self, value: str, *, multiline: bool = False) -> str:
        """``value`` cut to :data:`MAX_TEXT_CHARS`, every secret replaced by ``***``, control
        characters escaped (:func:`escape_controls`; ``multiline`` keeps newlines). The values
        of the current context's run (:func:`~flowql.logs.run_secrets.current_run_secrets`)
        are masked too."""
        value = self._literals(cut(value))
        run = current_run_secrets()
        if run is not None:
            value = run.mask(value)
        try:
            for pattern, replacement in PATTERNS:
                value = pattern.sub(replacement, value, timeout=REDACT_TIMEOUT_SECONDS)
        except TimeoutError:
            return WITHHELD
        return escape_controls(value, multiline=multiline)

    def value(self, value: Any, *, multiline: bool = False) -> Any:
        """A redacted copy of ``value``: strings redacted, mappings and sequences walked (values
        under sensitive keys replaced whole), anything else redacted through its ``str``."""
        if isinstance(value, str):
            return self.text(value, multiline=multiline)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(item) for item in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value), multiline=multiline)

    def mapping(self, values: Mapping[Any, Any], *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        """A redacted copy of an event dict (keys become strings; keys in ``skip`` are copied
        as they are: already redacted). ``exception`` / ``stack`` values keep their newlines."""
        cleaned: dict[str, Any] = {}
        for key, item in values.items():
            name = escape_controls(str(key))
            if name in skip:
                cleaned[name] = item
            elif SENSITIVE_KEY.search(name) and item not in (None, ""):
                cleaned[name] = MASK
            else:
                cleaned[name] = self.value(item, multiline=name in ("exception", "stack", "stack_info"))
        return cleaned

    def __call__(self, _logger: Any, _method: str, event_dict: Any) -> Any:
        """The structlog processor form: the event dict, redacted (structlog's own ``_record``
        / ``_from_structlog`` entries pass through untouched)."""
        meta = {key: event_dict[key] for key in _META_KEYS if key in event_dict}
        rest = {key: item for key, item in event_dict.items() if key not in _META_KEYS}
        return {**self.mapping(rest), **meta}
