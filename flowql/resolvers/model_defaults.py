"""The model settings a run gets (``EngineServices.model_defaults``), from Settings and the
environment, read when the run starts (design.md "Secrets and variables")."""

from __future__ import annotations

import os

from flowql.engine.models import ModelDefaults
from flowql.settings import Settings


def model_defaults(settings: Settings) -> ModelDefaults:
    """``FLOWQL_DEFAULT_MODEL`` / ``FLOWQL_MODEL_TIMEOUT`` / ``FLOWQL_MODEL_MAX_RETRIES`` from
    ``settings``; ``OPENAI_BASE_URL`` (empty → OpenAI's) and ``OPENAI_API_KEY`` (the key used
    when a node's ``api_key`` is empty or unresolved) from the environment."""
    return ModelDefaults(
        model=settings.default_model,
        base_url=os.environ.get("OPENAI_BASE_URL", "").strip() or None,
        api_key=os.environ.get("OPENAI_API_KEY", "").strip() or None,
        timeout=settings.model_timeout,
        max_retries=settings.model_max_retries,
    )
