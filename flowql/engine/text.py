"""Text made safe to store and send: no lone UTF-16 surrogates, no NUL characters. Imports
nothing, so every engine module (the model clients included) may use it."""

from __future__ import annotations


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
