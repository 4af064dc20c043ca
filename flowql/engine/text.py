"""Text made safe to store and send: no lone UTF-16 surrogates, no NUL characters; JSON read
without values a JSON response cannot carry. Imports nothing of the engine, so every engine
module (the model clients included) may use it."""

from __future__ import annotations

import json
from typing import Any


def storable_text(text: str) -> str:
    """``text`` made storable in every database and encodable as UTF-8: each lone UTF-16
    surrogate (``"\\ud800"``, which JSON allows) and each NUL character becomes U+FFFD; a
    surrogate pair held as two code points is joined into its character. Text that is already
    fine is returned as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def loads_finite(text: str) -> Any:
    """``json.loads`` refusing what JSON responses cannot carry: ``NaN``, ``Infinity`` and
    numbers too large for a float (``1e400``) raise ValueError, like malformed JSON."""
    return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
