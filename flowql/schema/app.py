"""Placeholder GraphQL router (filled in by the GraphQL work)."""

from __future__ import annotations

from fastapi import APIRouter


def graphql_router() -> APIRouter:
    """The ``/graphql`` router."""
    return APIRouter()
