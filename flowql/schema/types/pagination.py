"""Keyset-connection pieces shared by every connection type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry


@strawberry.type(description="endCursor is the last edge's cursor; pass it as after for the next page.")
class PageInfo:
    """Relay-style page info: ``endCursor`` is the last edge's cursor (null on an empty page)."""

    has_next_page: bool
    end_cursor: str | None


def page_info(edges: Sequence[Any], has_next_page: bool) -> PageInfo:
    """The ``PageInfo`` of a page whose edges (each with a ``cursor``) are ``edges``."""
    return PageInfo(has_next_page=has_next_page, end_cursor=edges[-1].cursor if edges else None)
