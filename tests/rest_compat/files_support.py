"""Helpers shared by the file route tests: uploads, the store's files on disk, multipart bodies
built by hand, and a request body that counts how much of it the server pulled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.conftest import TestUser

#: The names every round-trip test uses (issue 6): Cyrillic, CJK, an emoji and a double quote.
UNICODE_NAMES = ["Отчёт.txt", "数据.csv", "🙂.md", 'a"b.txt']
BOUNDARY = "flowql-test-boundary-7d3f"


def store_root(settings: Settings) -> Path:
    """The local file store's directory."""
    return settings.data_dir / "files"


def exists(path: str | Path) -> bool:
    """Whether ``path`` exists (a plain sync check, for assertions in async tests)."""
    return Path(path).exists()


def stored_files(settings: Settings) -> list[Path]:
    """Every regular file under the store (published objects and temporary ones)."""
    root = store_root(settings)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def upload_v2(
    client: httpx.AsyncClient, user: TestUser, name: str, content: bytes, **params: Any
) -> dict[str, Any]:
    """``POST /api/v2/files`` with one ``file`` part; asserts 201 and returns the JSON."""
    r = await client.post(
        "/api/v2/files", files={"file": (name, content)}, params=params, headers=user.headers
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def create_flow(client: httpx.AsyncClient, user: TestUser, name: str = "files") -> str:
    """A stored echo flow of ``user``; its id."""
    r = await client.post("/api/v1/flows/", json=fb.echo_flow(name), headers=user.headers)
    assert r.status_code == 201, r.text
    flow_id: str = r.json()["id"]
    return flow_id


def disposition_filename(header: str) -> str:
    """The UTF-8 ``filename*`` of a ``Content-Disposition`` header, decoded."""
    marker = "filename*=UTF-8''"
    assert marker in header, header
    return unquote(header.split(marker, 1)[1].split(";", 1)[0], encoding="utf-8", errors="strict")


def disposition_fallback(header: str) -> str:
    """The quoted ASCII ``filename=`` of a ``Content-Disposition`` header."""
    start = header.index('filename="') + len('filename="')
    return header[start : header.index('"', start)]


def multipart_head(filename: str | None, *, field: str = "file", boundary: str = BOUNDARY) -> bytes:
    """The framing before a file part's data; ``filename`` goes in raw UTF-8, ``"`` as ``%22``
    (what browsers send)."""
    disposition = f'form-data; name="{field}"'
    if filename is not None:
        disposition += f'; filename="{filename.replace(chr(34), "%22")}"'
    lines = [f"--{boundary}", f"Content-Disposition: {disposition}", "Content-Type: application/octet-stream"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def multipart_tail(boundary: str = BOUNDARY) -> bytes:
    """The closing boundary."""
    return f"\r\n--{boundary}--\r\n".encode()


def multipart_body(filename: str | None, content: bytes, *, boundary: str = BOUNDARY) -> bytes:
    """A whole one-part multipart body."""
    return multipart_head(filename, boundary=boundary) + content + multipart_tail(boundary)


def multipart_headers(user: TestUser | None = None, boundary: str = BOUNDARY) -> dict[str, str]:
    """``Content-Type`` with ``boundary`` plus the user's credentials."""
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if user is not None:
        headers.update(user.headers)
    return headers


class CountingBody:
    """A streamed request body (no ``Content-Length`` unless the test sets one) that records how
    many of its chunks the server pulled."""

    def __init__(self, chunks: Sequence[bytes]) -> None:
        self.chunks = list(chunks)
        self.pulled = 0

    @property
    def size(self) -> int:
        """Total bytes."""
        return sum(len(c) for c in self.chunks)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def big_upload(filename: str, size: int, chunk: int = 64 * 1024) -> CountingBody:
    """A multipart upload of ``size`` bytes of file data, in ``chunk``-byte pieces."""
    pieces = [multipart_head(filename)]
    left = size
    while left > 0:
        pieces.append(b"x" * min(chunk, left))
        left -= chunk
    pieces.append(multipart_tail())
    return CountingBody(pieces)
