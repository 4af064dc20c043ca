"""The SDL checked in as ``schema.graphql`` (``flowql export-schema`` writes it)."""

from __future__ import annotations

from flowql.schema.build import build_schema


def export_schema() -> str:
    """The schema's SDL with a trailing newline; independent of settings."""
    return build_schema().as_str() + "\n"
