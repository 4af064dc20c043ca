"""Opaque keyset cursors for the monitor connections (messages, sessions, transactions, traces).

A cursor is the URL-safe base64 of ``[kind, timestamp (ISO 8601 UTC), key]``: the sort key of
the last row of a page, tagged with the connection it came from so a cursor of one connection
is refused by another. The same scheme as the ``flows`` connection
(:func:`flowql.resolvers.flows.flows_page`), shared by every monitor connection.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from flowql.errors import FieldProblem, InvalidInput

#: Largest ``first`` a connection accepts.
MAX_PAGE_SIZE = 100
#: Largest ``limit`` / ``offset`` of a REST listing (every database stores it as an integer).
MAX_OFFSET = 2**31 - 1
#: Largest ``page`` number of a numbered REST listing (so ``(page - 1) * size`` stays small).
MAX_PAGE = 1_000_000


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (a naive value is taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_first(first: int) -> None:
    """InvalidInput naming ``first`` unless it is 1..:data:`MAX_PAGE_SIZE`."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}", [FieldProblem("first", "out of range")]
        )


def check_window(*, limit: int | None = None, offset: int | None = None) -> None:
    """InvalidInput naming ``limit`` or ``offset`` unless each is ``None`` or 0..:data:`MAX_OFFSET`."""
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and not 0 <= value <= MAX_OFFSET:
            raise InvalidInput(
                f"{name} must be between 0 and {MAX_OFFSET}", [FieldProblem(name, "out of range")]
            )


def check_page(page: int) -> None:
    """InvalidInput naming ``page`` unless it is 1..:data:`MAX_PAGE`."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"page must be between 1 and {MAX_PAGE}", [FieldProblem("page", "out of range")])


def encode_cursor(kind: str, at: datetime, key: object) -> str:
    """The cursor of a row of connection ``kind`` sorted by ``(at, key)``."""
    raw = json.dumps([kind, utc(at).isoformat(), str(key)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> tuple[datetime, str]:
    """``(timestamp, key)`` of a cursor handed out by connection ``kind``.

    Raises InvalidInput naming ``after`` for anything else (garbage, another connection's cursor).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, at, key = json.loads(raw)
        if tag != kind or not isinstance(key, str):
            raise ValueError("another connection's cursor")
        return utc(datetime.fromisoformat(at)), key
    except (binascii.Error, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc


def decode_id_cursor(kind: str, cursor: str) -> tuple[datetime, uuid.UUID]:
    """:func:`decode_cursor` for connections whose key is a row id. Raises InvalidInput naming
    ``after``."""
    at, key = decode_cursor(kind, cursor)
    try:
        return at, uuid.UUID(key)
    except ValueError as exc:
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc


def after_condition(
    at_column: InstrumentedAttribute[Any] | ColumnElement[Any],
    key_column: InstrumentedAttribute[Any] | ColumnElement[Any],
    at: datetime,
    key: object,
    *,
    descending: bool,
) -> ColumnElement[bool]:
    """Rows strictly after ``(at, key)`` in ``(at_column, key_column)`` order (ascending, or
    descending when ``descending``)."""
    if descending:
        return or_(at_column < at, and_(at_column == at, key_column < key))
    return or_(at_column > at, and_(at_column == at, key_column > key))
