"""Keyset-connection pieces shared by every connection type."""

from __future__ import annotations

import strawberry


@strawberry.type(description="endCursor is the last edge's cursor; pass it as after for the next page.")
class PageInfo:
    """Relay-style page info: ``endCursor`` is the last edge's cursor (null on an empty page)."""

    has_next_page: bool
    end_cursor: str | None
