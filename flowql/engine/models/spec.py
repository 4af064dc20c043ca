"""Which model a component calls: :class:`ModelSpec`, the env-derived :class:`ModelDefaults`,
and :func:`resolve_model` turning a node's ``model`` field into a spec.

Nothing here reads the environment: the resolver layer fills :class:`ModelDefaults` from
Settings (``FLOWQL_DEFAULT_MODEL``, ``FLOWQL_MODEL_TIMEOUT``, ``FLOWQL_MODEL_MAX_RETRIES``) and
the environment (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``) and passes it in ``EngineServices``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The provider every spec uses today (any OpenAI-compatible server through ``base_url``).
OPENAI = "OpenAI"


@dataclass(frozen=True)
class ModelDefaults:
    """Process-wide model settings: ``model`` when a node names none, ``base_url`` (``None`` =
    OpenAI's), ``api_key`` when a node's ``api_key`` is empty or unresolved, the request
    ``timeout`` in seconds and the SDK's ``max_retries``."""

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 2


@dataclass(frozen=True)
class ModelSpec:
    """One configured chat model (Langflow's ``LanguageModel`` output).

    ``provider`` e.g. ``"OpenAI"``; ``model`` the provider's model name; ``base_url`` ``None``
    means the provider's default; ``api_key`` is never shown by ``repr``/``str`` or
    :meth:`public`.
    """

    provider: str
    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = 120.0
    max_retries: int = 2

    def public(self) -> dict[str, Any]:
        """The JSON form shown in outputs and traces: everything but the key."""
        return {
            "provider": self.provider,
            "model_name": self.model,
            "base_url": self.base_url,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def model_name_from_field(value: Any) -> tuple[str | None, str | None]:
    """``(name, provider)`` from a ``ModelInput`` value: ``""``/``None``/``[]`` → ``(None, None)``;
    a list holding one option dict (``{"name", "provider", "metadata": {...}}``) → its name and
    provider; a dict → the same; a plain string → that name.

    Raises ``ValueError`` for any other shape (the component reports it naming the field).
    """
    if value is None or value == "" or value == []:
        return None, None
    if isinstance(value, str):
        return value, None
    entry = value[0] if isinstance(value, list) and len(value) == 1 else value
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
        provider = entry.get("provider")
        return entry["name"], provider if isinstance(provider, str) and provider else None
    raise ValueError("field 'model' must be empty or a list holding one model option with a 'name'")


def resolve_model(
    defaults: ModelDefaults,
    *,
    model_field: Any,
    api_key: str | None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    base_url: str | None = None,
    use_default_key: bool = True,
) -> ModelSpec:
    """The spec a node asks for: its ``model`` field's name (else ``defaults.model``), its
    ``api_key`` (empty → ``defaults.api_key``), ``base_url`` (empty → ``defaults.base_url``).

    ``use_default_key`` False: never fall back to ``defaults.api_key`` (the server's key must
    not travel to a base URL a user chose). The provider is always OpenAI-compatible for now;
    another provider named by the field is called through the same base URL. Raises
    ``ValueError`` for a malformed ``model`` field.
    """
    name, _provider = model_name_from_field(model_field)
    return ModelSpec(
        provider=OPENAI,
        model=name or defaults.model,
        base_url=base_url or defaults.base_url,
        api_key=api_key or (defaults.api_key if use_default_key else None),
        temperature=temperature,
        max_tokens=max_tokens if max_tokens else None,
        timeout=defaults.timeout,
        max_retries=defaults.max_retries,
    )
