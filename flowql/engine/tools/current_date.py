"""The built-in current-date tool (Langflow ``CurrentDateComponent``, tool ``get_current_date``
with the one argument ``timezone``, default ``"UTC"``).

Answers ``"Current date and time in <tz>: YYYY-MM-DD HH:MM:SS <abbr>"`` as Langflow does; an
unknown timezone is a ToolError (``"Error: Unknown timezone '...'"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flowql.engine.text import storable_text
from flowql.engine.tools.base import Tool, ToolError

TOOL_NAME = "get_current_date"
DESCRIPTION = "Returns the current date and time in the selected timezone."
MAX_TIMEZONE_LENGTH = 64

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ToolError for an unknown or malformed name (its message quotes
    at most :data:`MAX_TIMEZONE_LENGTH` characters of the name, made storable)."""
    shown = storable_text(name[:MAX_TIMEZONE_LENGTH])
    if not name or len(name) > MAX_TIMEZONE_LENGTH:
        raise ToolError(f"Unknown timezone '{shown}'")
    try:
        name.encode("ascii")
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # UnicodeError is a ValueError
        raise ToolError(f"Unknown timezone '{shown}'") from exc


def current_date_text(timezone: str, now: Clock = _utc_now) -> str:
    """The tool's answer for ``timezone`` at ``now()`` (an aware datetime)."""
    moment = now().astimezone(zone(timezone))
    return f"Current date and time in {timezone}: {moment.strftime('%Y-%m-%d %H:%M:%S %Z')}"


def current_date_tool(now: Clock = _utc_now) -> Tool:
    """The current-date tool: ``get_current_date(timezone: string = "UTC") -> str``. ``now``
    supplies the instant (tests pass a fixed clock)."""

    async def get_current_date(arguments: dict[str, Any]) -> str:
        return current_date_text(arguments.get("timezone") or "UTC", now)

    return Tool(
        name=TOOL_NAME,
        description=DESCRIPTION,
        args={
            "timezone": {
                "default": "UTC",
                "description": "Select the timezone for the current date and time.",
                "title": "Timezone",
                "type": "string",
            }
        },
        func=get_current_date,
    )
