"""Bounded PDF text extraction (pypdf), run as a child process by the File component.

Run as a script (``python -I pdf_extract.py MAX_PAGES MAX_CHARS MAX_MEMORY_MB``) it reads the
PDF's bytes on stdin, caps its own address space (``RLIMIT_AS``, POSIX) and writes one JSON
object on stdout: ``{"text": ...}`` or ``{"error": ...}``. The parent
kills the process once its time budget is spent, so a crafted PDF can never keep a CPU busy
after its run ended. This module imports nothing from FlowQL: running it as a script loads only
pypdf.
"""

from __future__ import annotations

import io
import json
import sys


def extract(data: bytes, max_pages: int, max_chars: int) -> str:
    """The text of the PDF's pages, separated by blank lines. Raises ``ValueError`` for a file
    pypdf cannot read, more than ``max_pages`` pages or more than ``max_chars`` characters."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        if count > max_pages:
            raise ValueError(f"the PDF has {count} pages; at most {max_pages} are read")
        texts: list[str] = []
        total = 0
        for page in reader.pages:
            text = (page.extract_text() or "").strip()
            total += len(text) + 2
            if total > max_chars:
                raise ValueError(f"the PDF's text is longer than {max_chars} characters")
            texts.append(text)
        return "\n\n".join(texts).strip()
    except (PyPdfError, OSError, KeyError, TypeError, RecursionError, AttributeError) as exc:
        raise ValueError(f"not a readable PDF ({type(exc).__name__})") from exc


def limit_memory(max_mb: int) -> None:
    """Cap this process's address space at ``max_mb`` megabytes (``RLIMIT_AS``); nothing where
    the ``resource`` module or the limit is unavailable (non-POSIX)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    limit = max_mb * 1024 * 1024
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platform without RLIMIT_AS
        return


def main(argv: list[str]) -> int:
    """The script entry point (see the module docstring): ``MAX_PAGES MAX_CHARS [MAX_MEMORY_MB]``."""
    max_pages, max_chars = int(argv[1]), int(argv[2])
    max_mb = int(argv[3]) if len(argv) > 3 else 0
    data = sys.stdin.buffer.read()
    if max_mb > 0:
        limit_memory(max_mb)
    try:
        answer = {"text": extract(data, max_pages, max_chars)}
    except MemoryError:
        answer = {"error": f"reading the PDF needed more than {max_mb} MB of memory"}
    except ValueError as exc:
        answer = {"error": str(exc)}
    except Exception as exc:  # any other pypdf failure is still "not readable", never a crash
        answer = {"error": f"not a readable PDF ({type(exc).__name__})"}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
