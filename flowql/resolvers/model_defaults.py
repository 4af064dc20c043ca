"""The model settings a run gets (``EngineServices.model_defaults``), from Settings and the
environment, read when the run starts (design.md "Secrets and variables")."""

from __future__ import annotations

import os

from flowql.engine.models import ModelDefaults
from flowql.settings import Settings


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def model_defaults(settings: Settings) -> ModelDefaults:
    """``FLOWQL_DEFAULT_MODEL`` / ``FLOWQL_MODEL_TIMEOUT`` / ``FLOWQL_MODEL_MAX_RETRIES`` from
    ``settings``; ``OPENAI_BASE_URL`` (empty → OpenAI's) and ``OPENAI_API_KEY`` (the key used
    when a node's ``api_key`` is empty or unresolved) from the environment, and likewise
    ``ANTHROPIC_BASE_URL`` (empty → Anthropic's) and ``ANTHROPIC_API_KEY`` for nodes whose model
    option's provider is Anthropic."""
    return ModelDefaults(
        model=settings.default_model,
        base_url=_env("OPENAI_BASE_URL"),
        api_key=_env("OPENAI_API_KEY"),
        timeout=settings.model_timeout,
        max_retries=settings.model_max_retries,
        anthropic_base_url=_env("ANTHROPIC_BASE_URL"),
        anthropic_api_key=_env("ANTHROPIC_API_KEY"),
    )
