"""Run :mod:`flowql.engine.pdf_extract` as a bounded child process.

Each child is killed after its time budget (or when the run is cancelled), caps its own
address space (``RLIMIT_AS``, ``DataAccess.pdf_max_memory_mb``; POSIX only), and at most
:data:`MAX_PDF_CHILDREN` children run at once in the process (further extractions wait for a
slot), so concurrent runs cannot multiply the memory a crafted PDF makes one child use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import weakref
from pathlib import Path

MAX_PDF_CHILDREN = 2
_WORKER = str(Path(__file__).resolve().parent / "pdf_extract.py")
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def pdf_slots() -> asyncio.Semaphore:
    """The semaphore bounding the PDF children of the running event loop (the server has one,
    so it is process-wide; each test's loop gets its own)."""
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(MAX_PDF_CHILDREN)
    return slots


async def pdf_text_bounded(
    data: bytes, *, max_pages: int, max_chars: int, seconds: float, max_memory_mb: int = 1024
) -> str:
    """The text of a PDF's pages (see :func:`flowql.engine.pdf_extract.extract`) from a child
    process holding one of the :func:`pdf_slots`, capped at ``max_memory_mb`` MB of address
    space and killed after ``seconds`` (from when it holds a slot) or when the run is
    cancelled. Raises ``ValueError`` (unreadable, over a limit, over time or memory)."""
    try:
        async with pdf_slots(), asyncio.timeout(seconds):
            out, code = await _run_child(data, max_pages, max_chars, max_memory_mb)
    except TimeoutError as exc:
        raise ValueError(f"reading the PDF took longer than {seconds:g} seconds") from exc
    try:
        answer = json.loads(out)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
        error = answer.get("error") if isinstance(answer, dict) else None
        if error is None and code != 0:
            error = f"the PDF reader stopped (it may have needed more than {max_memory_mb} MB of memory)"
        raise ValueError(str(error or "not a readable PDF"))
    return str(answer["text"])


async def _run_child(data: bytes, max_pages: int, max_chars: int, max_memory_mb: int) -> tuple[bytes, int]:
    """The child's stdout and exit code; the child is killed when this is cancelled."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        _WORKER,
        str(max_pages),
        str(max_chars),
        str(max_memory_mb),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _err = await proc.communicate(data)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await asyncio.shield(proc.wait())
    return out, proc.returncode if proc.returncode is not None else -1
