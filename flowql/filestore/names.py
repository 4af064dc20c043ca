"""File *names* as people see them: the display name kept as metadata, the extension, and the
``Content-Disposition`` header of a download. Nothing here touches the filesystem; a display
name is never used to build a path or a store key beyond its checked extension."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flowql.filestore.base import EXTENSION_PATTERN

#: Longest display name kept (characters); longer ones are cut, keeping the extension.
MAX_NAME_CHARS = 200
#: Name of an upload that arrives without one (or with nothing left after cleaning).
FALLBACK_NAME = "file"
#: Characters RFC 5987 lets through unencoded in ``filename*`` (besides letters and digits).
_ATTR_CHARS = "!#$&+-.^_`|~"
#: Bidirectional overrides and isolates: they can make ``txt.exe`` look like ``exe.txt``.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def form_filename(raw: str) -> str:
    """A multipart ``filename`` parameter with the HTML5 form escapes undone: browsers and
    httpx send ``"`` as ``%22`` (and CR, LF as ``%0D``, ``%0A``, which are dropped here)."""
    return raw.replace("%22", '"').replace("%0D", "").replace("%0A", "")


def _visible(text: str) -> str:
    """``text`` in NFC without control characters (CR, LF, NUL...) or bidi overrides."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cc" and c not in _BIDI_CONTROLS)


def clean_name(raw: str | None, *, keep_last_segment: bool = True) -> str:
    """A display name from a client string: control characters removed, surrounding blanks
    stripped, cut to :data:`MAX_NAME_CHARS` (keeping the extension). With
    ``keep_last_segment`` (uploads) a path-looking name keeps its last segment
    (``../../outside.txt`` → ``outside.txt``, ``/etc/x`` → ``x``); otherwise (renames) ``/`` and
    ``\\`` become ``_``. Empty, ``.`` and ``..`` become :data:`FALLBACK_NAME`."""
    text = _visible(raw or "")
    if keep_last_segment:
        text = text.replace("\\", "/").rsplit("/", 1)[-1]
    else:
        text = text.replace("\\", "_").replace("/", "_")
    text = text.strip()
    if text in ("", ".", ".."):
        return FALLBACK_NAME
    if len(text) > MAX_NAME_CHARS:
        root, ext = split_extension(text)
        keep = MAX_NAME_CHARS - (len(ext) + 1 if ext else 0)
        text = root[:keep].rstrip() + (f".{ext}" if ext else "")
    return text


def split_extension(name: str) -> tuple[str, str]:
    """``(root, extension)`` split at the last dot (as Langflow's v2 files do), the extension
    without its dot. Only a safe extension (1-16 ASCII letters or digits after a non-empty
    root) is split off: ``("notes ü", "txt")``, but ``(".env", "")`` and ``("x.données", "")``."""
    root, dot, ext = name.rpartition(".")
    if dot and root and EXTENSION_PATTERN.fullmatch(ext):
        return root, ext
    return name, ""


def ascii_fallback(name: str) -> str:
    """The ``filename=`` value for clients that ignore ``filename*``: ASCII only (others become
    ``?``, as the peer answers), with ``"``, ``\\`` and ``%`` replaced by ``_`` (RFC 6266
    appendix D) and no control characters."""
    out = []
    for c in _visible(name):
        if c in '"\\%':
            out.append("_")
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append("?")
    return "".join(out) or FALLBACK_NAME


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` value for a download named ``name`` (RFC 6266 / RFC 5987):
    ``attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded UTF-8>``; CR, LF
    and other control characters are removed from both."""
    visible = _visible(name) or FALLBACK_NAME
    encoded = quote(visible, safe=_ATTR_CHARS, encoding="utf-8")
    return f"{disposition}; filename=\"{ascii_fallback(visible)}\"; filename*=UTF-8''{encoded}"
