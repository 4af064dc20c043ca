"""Which model a component calls: :class:`ModelSpec`, the env-derived :class:`ModelDefaults`,
and :func:`resolve_model` turning a node's ``model`` field into a spec.

Nothing here reads the environment: the resolver layer fills :class:`ModelDefaults` from
Settings (``FLOWQL_DEFAULT_MODEL``, ``FLOWQL_MODEL_TIMEOUT``, ``FLOWQL_MODEL_MAX_RETRIES``) and
the environment (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL``,
``ANTHROPIC_API_KEY``) and passes it in ``EngineServices``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: OpenAI or any OpenAI-compatible server (through ``base_url``): every provider but Anthropic.
OPENAI = "OpenAI"
#: Anthropic's Messages API (the ``anthropic`` extra), for a ``model`` option whose provider is
#: ``"Anthropic"`` (or, with no provider, whose ``metadata.model_class`` is ``"ChatAnthropic"``).
ANTHROPIC = "Anthropic"


@dataclass(frozen=True)
class ModelDefaults:
    """Process-wide model settings: ``model`` when a node names none, ``base_url`` (``None`` =
    OpenAI's), ``api_key`` when a node's ``api_key`` is empty or unresolved, the request
    ``timeout`` in seconds and the SDK's ``max_retries``; ``anthropic_base_url`` (``None`` =
    Anthropic's) and ``anthropic_api_key`` are the same for models whose provider is Anthropic."""

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 2
    anthropic_base_url: str | None = None
    anthropic_api_key: str | None = field(default=None, repr=False)

    def server_base_url(self, provider: str) -> str | None:
        """The server's base URL for ``provider`` (:data:`ANTHROPIC` or anything else, which is
        OpenAI-compatible); ``None`` = the provider's own."""
        return self.anthropic_base_url if provider == ANTHROPIC else self.base_url

    def server_api_key(self, provider: str) -> str | None:
        """The server's fallback key for ``provider`` (never another provider's)."""
        return self.anthropic_api_key if provider == ANTHROPIC else self.api_key


#: The ``provider`` names a model option may carry (case-insensitive) and how each is called:
#: Ollama through the OpenAI-compatible base URL (``OPENAI_BASE_URL``), Anthropic through its SDK.
SUPPORTED_PROVIDERS = {"openai": OPENAI, "ollama": OPENAI, "anthropic": ANTHROPIC}


def provider_of(name: str | None) -> str:
    """The provider a ``model`` option's ``provider`` names: :data:`ANTHROPIC` for
    ``"Anthropic"`` (any case), else :data:`OPENAI` (OpenAI-compatible)."""
    return ANTHROPIC if name is not None and name.strip().casefold() == "anthropic" else OPENAI


def chooses_base_url(defaults: ModelDefaults, provider: str, base_url: str | None) -> bool:
    """Whether ``base_url`` is one the flow chose (set and not the server's for ``provider``):
    such a URL never gets the server's key."""
    if not base_url or not base_url.strip():
        return False
    return base_url.strip().rstrip("/") != (defaults.server_base_url(provider) or "").rstrip("/")


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
    provider (no provider but ``metadata.model_class`` ``"ChatAnthropic"`` → ``"Anthropic"``); a
    dict → the same; a plain string → that name.

    Raises ``ValueError`` for any other shape or a provider not in :data:`SUPPORTED_PROVIDERS`
    (the component reports it naming the field).
    """
    if value is None or value == "" or value == []:
        return None, None
    if isinstance(value, str):
        return value, None
    entry = value[0] if isinstance(value, list) and len(value) == 1 else value
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
        provider = entry.get("provider")
        if provider is not None and not isinstance(provider, str):
            raise ValueError("field 'model': an option's provider must be text")
        if isinstance(provider, str) and provider:
            if provider.strip().casefold() not in SUPPORTED_PROVIDERS:
                raise ValueError(
                    f"model provider '{provider}' is not supported: use OpenAI (or any "
                    "OpenAI-compatible server at OPENAI_BASE_URL), Ollama or Anthropic"
                )
            return entry["name"], provider
        metadata = entry.get("metadata")
        if isinstance(metadata, dict) and metadata.get("model_class") == "ChatAnthropic":
            return entry["name"], ANTHROPIC
        return entry["name"], None
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
    """The spec a node asks for: its ``model`` field's name (else ``defaults.model``) and
    provider (:func:`provider_of`: ``"Anthropic"`` → :data:`ANTHROPIC`, any other →
    :data:`OPENAI`, called through the OpenAI-compatible base URL), its ``api_key`` (empty →
    the server's key for that provider: ``defaults.api_key`` or ``defaults.anthropic_api_key``,
    never the other one), ``base_url`` (empty → the server's for that provider).

    The server's key never goes to a base URL the flow chose (:func:`chooses_base_url`), and
    ``use_default_key`` False never falls back to it at all. Raises ``ValueError`` for a
    malformed ``model`` field.
    """
    name, field_provider = model_name_from_field(model_field)
    provider = provider_of(field_provider)
    chosen = chooses_base_url(defaults, provider, base_url)
    fallback_key = defaults.server_api_key(provider) if use_default_key and not chosen else None
    return ModelSpec(
        provider=provider,
        model=name or defaults.model,
        base_url=(base_url.strip() if base_url else None) or defaults.server_base_url(provider),
        api_key=api_key or fallback_key,
        temperature=temperature,
        max_tokens=max_tokens if max_tokens else None,
        timeout=defaults.timeout,
        max_retries=defaults.max_retries,
    )
