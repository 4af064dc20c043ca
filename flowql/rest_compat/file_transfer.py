"""Moving file bytes over HTTP for the file routes: a streaming ``multipart/form-data`` reader
(:class:`MultipartUpload`) and download responses (:func:`download_response`).

Why the upload routes read their body themselves: FastAPI parses ``UploadFile`` / ``Form``
parameters *before* it runs dependencies, so a route declaring them would read (and spool to
disk) a whole body before authentication. The upload routes declare no body parameter; after
the ``Ctx`` dependency has authenticated the caller (and the resolver has checked the flow), the
resolver opens a :class:`MultipartUpload`, which

- answers 413 at once when ``Content-Length`` is over the limit, before reading anything;
- answers 400 when the ``boundary`` parameter is missing or malformed, before parsing anything,
  and when the body is not well-formed multipart;
- feeds the body chunk by chunk to python-multipart's streaming parser and hands the ``file``
  part's bytes on as they arrive, so the file store writes them to a temporary file; more than
  ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB in the part (or that plus :data:`FRAMING_ALLOWANCE` in the
  whole body, chunked or not) is a 413 while streaming, and the store drops the partial file.

The routes lift the app-wide ``max_body_size`` (:data:`STREAMED_BODY_LIMIT`): that limiter would
turn any answer to a request declaring a big ``Content-Length`` into its own 413, even the 401
of a caller without credentials; the limits above are the same ones, applied after auth.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fastapi import HTTPException, Request
from fastapi.responses import StreamingResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from flowql.errors import FieldProblem, InvalidInput
from flowql.filestore.names import content_disposition, form_filename
from flowql.resolvers.files import too_large, upload_limit
from flowql.settings import Settings

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

log = logging.getLogger("flowql.files")

#: Bytes a multipart body may carry beyond the file itself (boundaries, part headers, small
#: fields); the same allowance as ``flowql.app.MULTIPART_OVERHEAD``.
FRAMING_ALLOWANCE = 64 * 1024
#: Route-level ``max_body_size`` of the streamed upload routes: no limit from the framework
#: (see the module docstring); :class:`MultipartUpload` enforces the real one.
STREAMED_BODY_LIMIT = 2**62
#: RFC 2046 boundary: 1-70 characters from ``bchars``, not ending in a space.
BOUNDARY_PATTERN = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
#: An RFC 2231 / 5987 ``filename*=charset'lang'percent-encoded`` parameter.
EXT_FILENAME_PATTERN = re.compile(
    r"""(?:^|;)\s*filename\*\s*=\s*"?(?P<charset>[A-Za-z0-9!#$%&+\-^_`{}~]*)'[^']*'(?P<value>[^;"\s]*)""",
    re.IGNORECASE,
)
#: OpenAPI description of the upload body (the routes read it themselves, so FastAPI cannot
#: derive it): Langflow's ``multipart/form-data`` with a binary ``file`` part.
UPLOAD_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "title": "File"}},
                    "additionalProperties": False,
                }
            }
        },
    }
}


_DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}
#: ``responses=`` of the upload routes: the 400 of a malformed multipart body.
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "The multipart boundary is missing or malformed, or the body is not multipart",
        "content": {"application/json": {"schema": _DETAIL_SCHEMA}},
    }
}


#: What a browser may do with file bytes it renders (an uploaded SVG or HTML shown inline):
#: nothing loads, no script runs, the document is sandboxed; only inline styles apply.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def file_headers(**extra: str) -> dict[str, str]:
    """The headers of every response carrying file bytes (downloads, flow images, profile
    pictures): :data:`FILE_CSP` and ``X-Content-Type-Options: nosniff``, plus ``extra``."""
    return {"Content-Security-Policy": FILE_CSP, "X-Content-Type-Options": "nosniff", **extra}


def binary_responses(media_type: str = "application/octet-stream") -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering bytes of ``media_type``."""
    return {
        200: {
            "description": "The bytes",
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


class MalformedMultipart(HTTPException):
    """A multipart body that cannot be parsed: no or a malformed boundary, broken framing, or a
    body that ends early (HTTP 400, the one 400 of design.md "Errors")."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=400, detail=detail)


class UploadAbandoned(MalformedMultipart):
    """The client disconnected before the body ended: the partial upload is dropped like any
    other failed one and the request ends with a 400 that nobody receives (logged at INFO, not
    as an error)."""

    def __init__(self) -> None:
        super().__init__("The client disconnected before the upload ended")


def _missing_file(field_name: str) -> InvalidInput:
    return InvalidInput(
        f"The multipart body has no '{field_name}' part",
        [FieldProblem(f"body.{field_name}", "Field required")],
    )


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    field_name: bytes = b""
    value_name: bytes = b""


class MultipartUpload:
    """One request's multipart body as an
    :class:`~flowql.resolvers.files.UploadSource`: :meth:`open` checks the headers, then reads
    up to the ``file`` part and returns its name and a chunk iterator over its data."""

    def __init__(self, request: Request, settings: Settings, *, field_name: str = "file") -> None:
        self._request = request
        self._settings = settings
        self._field = field_name
        self._max_body = upload_limit(settings) + FRAMING_ALLOWANCE
        self._events: deque[tuple[str, Any]] = deque()
        self._part = _Part()
        self._ended = False
        self._exhausted = False
        self._received = 0

    # -- python-multipart callbacks (synchronous; they only queue events)

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._part.field_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._part.value_name += data[start:end]

    def _on_header_end(self) -> None:
        name = self._part.field_name.decode("latin-1").strip().lower()
        self._part.headers[name] = self._part.value_name.strip()
        self._part.field_name = self._part.value_name = b""

    def _on_headers_finished(self) -> None:
        self._events.append(("headers", self._part.headers))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(("data", data[start:end]))

    def _on_part_end(self) -> None:
        self._events.append(("part_end", None))

    def _on_end(self) -> None:
        self._ended = True
        self._events.append(("end", None))

    # -- reading

    def _parser(self) -> MultipartParser:
        ctype, params = parse_options_header(self._request.headers.get("content-type"))
        if ctype != b"multipart/form-data":
            raise _missing_file(self._field)
        boundary = params.get(b"boundary", b"")
        if not BOUNDARY_PATTERN.fullmatch(boundary.decode("latin-1")):
            raise MalformedMultipart("The multipart boundary is missing or malformed")
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        return MultipartParser(boundary, callbacks)

    def _check_declared_length(self) -> None:
        declared = self._request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body:
            raise too_large(self._settings)

    async def _next_event(
        self, parser: MultipartParser, body: AsyncIterator[bytes]
    ) -> tuple[str, Any] | None:
        """The next parser event, reading more of the body as needed; ``None`` at its end."""
        while not self._events:
            if self._exhausted:
                return None
            try:
                chunk = await anext(body)
            except StopAsyncIteration:
                self._exhausted = True
                if not self._ended:
                    raise MalformedMultipart("The multipart body ends before its closing boundary") from None
                continue
            except ClientDisconnect:
                log.info("upload to %s abandoned: the client disconnected", self._request.url.path)
                raise UploadAbandoned() from None
            self._received += len(chunk)
            if self._received > self._max_body:
                raise too_large(self._settings)
            try:
                parser.write(chunk)
            except MultipartParseError:
                raise MalformedMultipart("The multipart body could not be parsed") from None
        return self._events.popleft()

    async def open(self) -> tuple[str | None, AsyncIterator[bytes]]:
        """Check the headers (a body that is not multipart is a 422 naming the missing ``file``
        part; a bad boundary 400; a declared length over the limit 413), then read up to the
        ``file`` part. Returns its ``filename`` (UTF-8, HTML5 escapes undone; ``None`` when
        absent) and an iterator over its data that, once the part ends, reads the rest of the
        body to check it."""
        parser = self._parser()
        self._check_declared_length()
        body = self._request.stream().__aiter__()
        # Other parts' data events are dropped as they stream past.
        while (event := await self._next_event(parser, body)) is not None:
            kind, value = event
            if kind == "headers":
                disposition = value.get("content-disposition", b"").decode("latin-1")
                _, params = parse_options_header(disposition)
                if params.get(b"name", b"").decode("latin-1") == self._field:
                    raw = params.get(b"filename")
                    if raw is not None:
                        filename: str | None = form_filename(self._decode(raw))
                    else:
                        filename = extended_filename(disposition)
                    return filename, self._file_chunks(parser, body)
            elif kind == "end":
                break
        raise _missing_file(self._field)

    @staticmethod
    def _decode(raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    async def _file_chunks(self, parser: MultipartParser, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The ``file`` part's data, consecutive pieces joined; then the rest of the body is read
        (and checked) without keeping it."""
        while (event := await self._next_event(parser, body)) is not None:
            kind, value = event
            if kind == "part_end":
                break
            if kind == "data":
                pieces = [value]
                while self._events and self._events[0][0] == "data":
                    pieces.append(self._events.popleft()[1])
                yield b"".join(pieces)
        while await self._next_event(parser, body) is not None:
            pass


def extended_filename(disposition: str) -> str | None:
    """The RFC 2231 ``filename*`` of a part's ``Content-Disposition``, decoded (``UTF-8''%E2%82%AC.txt``
    → ``€.txt``; an unknown charset or bytes it cannot decode fall back to Latin-1), or ``None``."""
    match = EXT_FILENAME_PATTERN.search(disposition)
    if match is None:
        return None
    try:
        return unquote(match["value"], encoding=match["charset"] or "utf-8", errors="strict")
    except (LookupError, UnicodeDecodeError):
        return unquote(match["value"], encoding="latin-1")


def download_response(
    filename: str, chunks: AsyncIterator[bytes], media_type: str = "application/octet-stream"
) -> StreamingResponse:
    """A streamed download with ``Content-Disposition: attachment`` (RFC 6266 with an RFC 5987
    ``filename*``, see :func:`~flowql.filestore.names.content_disposition`) and the
    :func:`file_headers`."""
    headers = file_headers(**{"Content-Disposition": content_disposition(filename)})
    return StreamingResponse(chunks, media_type=media_type, headers=headers)
