"""The routers of the other run surfaces (issue 10): ``/api/v1/run/advanced``,
``/api/v2/workflows``, ``/api/v1/responses``, OpenAI's ``/api/v1/chat/completions`` and
``/api/v1/models``, ``/api/v1/webhook``. All run through the one run resolver."""

from __future__ import annotations

from fastapi import APIRouter

from flowql.resolvers.webhook import warn_if_open
from flowql.rest_compat import openai_compat, responses, run_advanced, webhook, workflows
from flowql.settings import Settings


def routers() -> list[APIRouter]:
    """Every run-surface router (paths carry their full prefix)."""
    return [run_advanced.router, workflows.router, responses.router, openai_compat.router, webhook.router]


def warn_at_start(settings: Settings) -> None:
    """Warnings of these surfaces at start: webhooks without credentials."""
    warn_if_open(settings)
