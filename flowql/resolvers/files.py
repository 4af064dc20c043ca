"""Files: Langflow's v2 user files (``/api/v2/files``), v1 flow files (``/api/v1/files/*``) and
the small API the engine's File and Save to File components will use (:func:`read_file_bytes`,
:func:`save_file`).

Bytes live in the file store (:func:`flowql.filestore.store_for`) under keys the server chooses;
the ``file`` table keeps the owner, the user's name (metadata only), the size and the key. Every
query that reads or deletes a file names the caller in the same statement, so another user's file
is "not found", exactly like a missing one.

Uploads are streamed: callers hand over an :class:`UploadSource`, opened only after the checks
that need no body (caller, flow ownership); its chunks go to a temporary object that is published
only when complete and within ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` (per upload, appends included;
TooLarge otherwise, and nothing is left behind).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import uuid
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Protocol

from anyio import to_thread
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.context import Context
from flowql.db.base import utcnow
from flowql.db.models import File, Flow
from flowql.errors import Conflict, FieldProblem, InvalidInput, NotFound, TooLarge
from flowql.filestore import FileStore, KeyLocks, StoredObjectMissing, StoreWriter, store_for
from flowql.filestore.base import KEY_PATTERN
from flowql.filestore.names import clean_name, split_extension
from flowql.settings import Settings

log = logging.getLogger("flowql.files")

FILE_NOT_FOUND = "File not found"
NO_FILES_FOUND = "No files found"
FLOW_NOT_FOUND = "Flow not found"
#: Largest ``first`` of a files page.
MAX_PAGE_SIZE = 100
#: A zip being built stays in memory up to this size, then spills to a temporary file.
ZIP_SPOOL_BYTES = 8 * 1024 * 1024
_FLOW_REF = re.compile(r"(?P<flow>[0-9a-fA-F-]{36})/(?P<name>[^/]+)")
_STORED_NAME = re.compile(r"[0-9a-f]{32}(?:\.[A-Za-z0-9]{1,16})?")
#: Per-user locks around choosing a free user-file name and inserting it (see :func:`upload_file`).
_NAME_LOCKS = KeyLocks()


class UploadSource(Protocol):
    """Where an upload's bytes come from (a streamed multipart part, a GraphQL ``Upload``, bytes
    in memory). Nothing is read before :meth:`open`, which the resolvers call only after their
    checks (caller, flow ownership)."""

    async def open(self) -> tuple[str | None, AsyncIterator[bytes]]:
        """The client's file name (``None`` when it sent none) and the file's bytes in chunks.
        May raise TooLarge (a declared size over the limit) or a transport error."""
        ...


def file_store(ctx: Context) -> FileStore:
    """The store the caller's files live in."""
    return store_for(ctx.settings)


def upload_limit(settings: Settings) -> int:
    """The largest upload in bytes (``FLOWQL_MAX_FILE_SIZE_UPLOAD`` is in MB)."""
    return settings.max_file_size_upload * 1024 * 1024


def too_large(settings: Settings) -> TooLarge:
    """The TooLarge error of an upload over the limit (Langflow's message)."""
    return TooLarge(f"File size is larger than the maximum file size {settings.max_file_size_upload}MB.")


def user_files(user_id: uuid.UUID) -> ColumnElement[bool]:
    """The condition "a v2 user file of ``user_id``" (flow files are not user files)."""
    return and_(File.user_id == user_id, File.flow_id.is_(None))


def download_name(file: File) -> str:
    """The name a download carries: a user file's name plus the extension its key keeps
    (``notes ü`` + ``.txt``, as Langflow builds it); a flow file's name as it is."""
    if file.flow_id is not None:
        return file.name
    stored = file.path.rsplit("/", 1)[-1]
    _, dot, ext = stored.partition(".")
    return f"{file.name}.{ext}" if dot else file.name


async def _copy_into(writer: StoreWriter, chunks: AsyncIterable[bytes], settings: Settings) -> None:
    """Write ``chunks`` to ``writer``; TooLarge as soon as the new bytes pass the limit."""
    limit = upload_limit(settings)
    written = 0
    async for chunk in chunks:
        written += len(chunk)
        if written > limit:
            raise too_large(settings)
        await writer.write(chunk)


async def _free_user_name(session: AsyncSession, user_id: uuid.UUID, root: str) -> str:
    """``root``, or ``root (n)`` with the next free ``n`` when the user already has a file named
    ``root`` (Langflow's v2 rule for repeated uploads of one name)."""
    like = root.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    taken = set(
        await session.scalars(
            select(File.name).where(user_files(user_id), File.name.like(f"{like}%", escape="\\"))
        )
    )
    if root not in taken:
        return root
    copy = re.compile(re.escape(root) + r" \((\d+)\)")
    counts = [int(m.group(1)) for name in taken if (m := copy.fullmatch(name))]
    return f"{root} ({max(counts, default=0) + 1})"


async def upload_file(ctx: Context, *, source: UploadSource, append: bool = False) -> File:
    """Store an upload as one of the caller's user files (Langflow ``POST /api/v2/files``).

    The source's file name is the client's: cleaned (:func:`~flowql.filestore.names.clean_name`, a
    path keeps its last segment) and kept as metadata: ``name`` is its root, the store key
    keeps a safe extension. A name the caller already uses becomes ``name (n)``. With
    ``append`` and an existing file of that name, the bytes are added to its end (same id).

    Raises Unauthenticated, TooLarge (over ``FLOWQL_MAX_FILE_SIZE_UPLOAD``; nothing is kept),
    and whatever reading the source raises (nothing is kept either).
    """
    principal = ctx.require_principal()
    filename, chunks = await source.open()
    root, ext = split_extension(clean_name(filename))
    store = file_store(ctx)
    if append:
        existing = await _first_named(ctx, principal.user_id, root)
        if existing is not None:
            return await _append_to(ctx, store, existing, chunks)
    async with store.writer(principal.user_id, extension=ext) as writer:
        await _copy_into(writer, chunks, ctx.settings)
        size = await writer.commit()
    try:
        # Choosing the free name and inserting it is one step per user, so concurrent uploads of
        # one name get "name", "name (1)", "name (2)"... (the table has no unique name to retry on).
        async with _NAME_LOCKS.hold(str(principal.user_id)):
            async with ctx.sessions() as session:
                name = await _free_user_name(session, principal.user_id, root)
                record = File(
                    user_id=principal.user_id, name=name, path=writer.key, size=size, provider=store.provider
                )
                session.add(record)
                await session.commit()
                await session.refresh(record)
    except BaseException:
        await store.delete(writer.key)
        raise
    return record


async def _first_named(ctx: Context, user_id: uuid.UUID, root: str) -> File | None:
    """The user's oldest file named ``root`` (the one an append changes), if any."""
    async with ctx.sessions() as session:
        found: File | None = await session.scalar(
            select(File)
            .where(user_files(user_id), File.name == root)
            .order_by(File.created_at, File.id)
            .limit(1)
        )
    return found


async def _record_size(ctx: Context, file: File, size: int) -> File | None:
    """Store ``file``'s new ``size`` and read it back; ``None`` when it was deleted meanwhile."""
    mine = (File.id == file.id, File.user_id == file.user_id)
    async with ctx.sessions() as session:
        await session.execute(update(File).where(*mine).values(size=size))
        await session.commit()
        updated: File | None = await session.scalar(select(File).where(*mine))
    return updated


async def _append_to(ctx: Context, store: FileStore, file: File, chunks: AsyncIterable[bytes]) -> File:
    """Append ``chunks`` to ``file``'s bytes (published atomically) and record the new size.
    Appends to one key hold its lock (:meth:`FileStore.lock`) from copying the old bytes to
    recording the size, so concurrent appends all land, one after another."""
    async with store.lock(file.path):
        try:
            async with store.writer(file.user_id, append_to=file.path) as writer:
                await _copy_into(writer, chunks, ctx.settings)
                size = await writer.commit()
        except StoredObjectMissing as exc:
            raise NotFound(FILE_NOT_FOUND) from exc
        updated = await _record_size(ctx, file, size)
    if updated is None:  # deleted while the bytes streamed in: do not resurrect them
        await store.delete(file.path)
        raise NotFound(FILE_NOT_FOUND)
    return updated


async def list_files(ctx: Context) -> list[File]:
    """The caller's user files, oldest first (Langflow ``GET /api/v2/files``). Raises
    Unauthenticated."""
    principal = ctx.require_principal()
    query = select(File).where(user_files(principal.user_id)).order_by(File.created_at, File.id)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


@dataclass
class FilePage:
    """One keyset page of user files: ``items`` are (opaque cursor, file) in (created_at, id)
    order."""

    items: list[tuple[str, File]]
    has_next_page: bool
    total_count: int


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _encode_cursor(file: File) -> str:
    raw = json.dumps([_utc(file.created_at).isoformat(), str(file.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, file_id = json.loads(raw)
        return _utc(datetime.fromisoformat(created)), uuid.UUID(file_id)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc


async def files_page(ctx: Context, *, first: int, after: str | None) -> FilePage:
    """Up to ``first`` (1..100) of the caller's user files after the cursor ``after`` (GraphQL
    ``files``). Raises Unauthenticated, InvalidInput (``first`` out of range, foreign cursor)."""
    principal = ctx.require_principal()
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}", [FieldProblem("first", "out of range")]
        )
    owned = user_files(principal.user_id)
    query = select(File).where(owned)
    if after is not None:
        created, last_id = _decode_cursor(after)
        query = query.where(
            or_(File.created_at > created, and_(File.created_at == created, File.id > last_id))
        )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query.order_by(File.created_at, File.id).limit(first + 1)))
        total = await session.scalar(select(func.count()).select_from(File).where(owned))
    return FilePage(
        items=[(_encode_cursor(f), f) for f in rows[:first]],
        has_next_page=len(rows) > first,
        total_count=int(total or 0),
    )


async def get_file(ctx: Context, *, file_id: uuid.UUID) -> File:
    """The caller's user file ``file_id``. Raises Unauthenticated, NotFound("File not found")
    when it is missing or another user's."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        file = await session.scalar(select(File).where(File.id == file_id, user_files(principal.user_id)))
    if file is None:
        raise NotFound(FILE_NOT_FOUND)
    return file


@dataclass
class FileDownload:
    """A stored file ready to send: ``filename`` for ``Content-Disposition``, ``size`` in
    bytes, ``chunks`` its bytes (the stored object is already open)."""

    file: File
    filename: str
    size: int
    chunks: AsyncIterator[bytes]


async def _open(ctx: Context, file: File) -> FileDownload:
    try:
        chunks = await file_store(ctx).stream(file.path)
    except StoredObjectMissing as exc:
        raise NotFound(FILE_NOT_FOUND) from exc
    return FileDownload(file=file, filename=download_name(file), size=file.size, chunks=chunks)


async def open_file(ctx: Context, *, file_id: uuid.UUID) -> FileDownload:
    """The caller's user file for download (Langflow ``GET /api/v2/files/{file_id}``). Raises
    Unauthenticated, NotFound("File not found")."""
    return await _open(ctx, await get_file(ctx, file_id=file_id))


async def file_text(ctx: Context, *, file_id: uuid.UUID) -> str:
    """The caller's user file as UTF-8 text (``GET /api/v2/files/{file_id}?return_content=true``).
    Raises Unauthenticated, NotFound("File not found"), InvalidInput when it is not UTF-8."""
    file = await get_file(ctx, file_id=file_id)
    try:
        data = await file_store(ctx).read_bytes(file.path)
    except StoredObjectMissing as exc:
        raise NotFound(FILE_NOT_FOUND) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file is not UTF-8 text", [FieldProblem("return_content", "the file is not UTF-8 text")]
        ) from None


async def rename_file(ctx: Context, *, file_id: uuid.UUID, name: str) -> File:
    """Give the caller's user file a new display name (Langflow ``PUT /api/v2/files/{file_id}``;
    the bytes and key stay). ``/``, ``\\`` become ``_``, control characters go. Raises
    Unauthenticated, InvalidInput (blank name), NotFound("File not found")."""
    principal = ctx.require_principal()
    if not (name or "").strip():
        raise InvalidInput("name must not be empty", [FieldProblem("name", "must not be empty")])
    cleaned = clean_name(name, keep_last_segment=False)
    owned = and_(File.id == file_id, user_files(principal.user_id))
    async with ctx.sessions() as session:
        await session.execute(update(File).where(owned).values(name=cleaned))
        await session.commit()
        file = await session.scalar(select(File).where(owned))
    if file is None:
        raise NotFound(FILE_NOT_FOUND)
    return file


async def _delete_where(ctx: Context, condition: ColumnElement[bool]) -> list[File]:
    """Delete the caller's files matching ``condition`` (rows first, then their bytes); returns
    the deleted rows."""
    principal = ctx.require_principal()
    owned = and_(condition, File.user_id == principal.user_id)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(File).where(owned)))
        if rows:
            await session.execute(delete(File).where(owned, File.id.in_([f.id for f in rows])))
            await session.commit()
    store = file_store(ctx)
    for row in rows:
        await store.delete(row.path)
    return rows


async def delete_stored_files(ctx: Context, keys: list[str]) -> None:
    """Delete the stored bytes of files whose rows are gone (a deleted flow, project or user);
    a key the store cannot delete is logged and left (its row no longer points at it)."""
    store = file_store(ctx)
    for key in keys:
        try:
            await store.delete(key)
        except (OSError, ValueError):
            log.warning("could not delete the stored bytes of a deleted file", exc_info=True)


async def delete_file(ctx: Context, *, file_id: uuid.UUID) -> File:
    """Delete the caller's user file (Langflow ``DELETE /api/v2/files/{file_id}``); returns it.
    Raises Unauthenticated, NotFound("File not found") (another user's file stays)."""
    deleted = await _delete_where(ctx, and_(File.id == file_id, File.flow_id.is_(None)))
    if not deleted:
        raise NotFound(FILE_NOT_FOUND)
    return deleted[0]


async def delete_files(ctx: Context, *, file_ids: Sequence[uuid.UUID]) -> int:
    """Delete those of ``file_ids`` that are the caller's user files (Langflow
    ``DELETE /api/v2/files/batch/``, GraphQL ``deleteFiles``); other ids are skipped. Returns
    how many were deleted. Raises Unauthenticated."""
    if not file_ids:
        return 0
    return len(await _delete_where(ctx, and_(File.id.in_(list(file_ids)), File.flow_id.is_(None))))


async def delete_all_files(ctx: Context) -> int:
    """Delete every user file of the caller (Langflow ``DELETE /api/v2/files``); returns the
    count. Raises Unauthenticated."""
    return len(await _delete_where(ctx, File.flow_id.is_(None)))


@dataclass
class ZipDownload:
    """A zip of files: ``filename`` for ``Content-Disposition``, ``size`` in bytes, ``chunks``
    its bytes."""

    filename: str
    size: int
    chunks: AsyncIterator[bytes]


def _unique_entry(name: str, used: set[str]) -> str:
    """``name``, or ``root (n).ext`` when an earlier entry of the zip has that name."""
    candidate, n = name, 1
    root, ext = split_extension(name)
    while candidate in used:
        candidate = f"{root} ({n})" + (f".{ext}" if ext else "")
        n += 1
    used.add(candidate)
    return candidate


async def zip_files(ctx: Context, *, file_ids: Sequence[uuid.UUID]) -> ZipDownload:
    """A zip of the caller's user files among ``file_ids``, entries named as downloads are
    (Langflow ``POST /api/v2/files/batch/``); other users' ids are skipped. Raises
    Unauthenticated, NotFound("No files found") when none of the ids is the caller's."""
    principal = ctx.require_principal()
    query = (
        select(File)
        .where(File.id.in_(list(file_ids)), user_files(principal.user_id))
        .order_by(File.created_at, File.id)
    )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query)) if file_ids else []
    if not rows:
        raise NotFound(NO_FILES_FOUND)
    store = file_store(ctx)
    spool: IO[bytes] = SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)  # closed by read() below
    try:
        with zipfile.ZipFile(spool, "w") as archive:
            used: set[str] = set()
            for row in rows:
                try:
                    chunks = await store.stream(row.path)
                except StoredObjectMissing as exc:
                    raise NotFound(FILE_NOT_FOUND) from exc
                entry_name = _unique_entry(download_name(row), used)
                info = zipfile.ZipInfo(entry_name, row.created_at.timetuple()[:6])
                info.external_attr = 0o644 << 16  # readable once extracted (not mode 000)
                with archive.open(info, "w", force_zip64=row.size > 2**31) as entry:
                    async for chunk in chunks:
                        await to_thread.run_sync(entry.write, chunk)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    async def read() -> AsyncIterator[bytes]:
        try:
            while chunk := await to_thread.run_sync(spool.read, 64 * 1024):
                yield chunk
        finally:
            spool.close()

    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    return ZipDownload(filename=f"{stamp}_flowql_files.zip", size=size, chunks=read())


# ---------------------------------------------------------------- v1 flow files


async def _require_flow(session: AsyncSession, user_id: uuid.UUID, flow_id: uuid.UUID) -> None:
    found = await session.scalar(select(Flow.id).where(Flow.id == flow_id, Flow.user_id == user_id))
    if found is None:
        raise NotFound(FLOW_NOT_FOUND)


async def upload_flow_file(ctx: Context, *, flow_id: uuid.UUID, source: UploadSource) -> File:
    """Store an upload as a file of the caller's flow (Langflow
    ``POST /api/v1/files/upload/{flow_id}``): its name is ``{UTC timestamp}_{cleaned name}``
    (``2026-11-30_05-42-52_a.txt``), ``name (n)`` if that is taken in the flow. The flow is
    checked before any byte is read.

    Raises Unauthenticated, NotFound("Flow not found") (missing or another user's), TooLarge
    (nothing is kept), Conflict (a name race lost five times).
    """
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        await _require_flow(session, principal.user_id, flow_id)
    filename, chunks = await source.open()
    display = clean_name(filename)
    root, ext = split_extension(display)
    store = file_store(ctx)
    async with store.writer(principal.user_id, extension=ext) as writer:
        await _copy_into(writer, chunks, ctx.settings)
        size = await writer.commit()
    try:
        stamp = utcnow().strftime("%Y-%m-%d_%H-%M-%S")
        for _attempt in range(5):
            async with ctx.sessions() as session:
                taken = set(await session.scalars(select(File.name).where(File.flow_id == flow_id)))
                name, n = f"{stamp}_{display}", 0
                while name in taken:
                    n += 1
                    name = f"{stamp}_{root} ({n})" + (f".{ext}" if ext else "")
                record = File(
                    user_id=principal.user_id,
                    flow_id=flow_id,
                    name=name,
                    path=writer.key,
                    size=size,
                    provider=store.provider,
                )
                session.add(record)
                try:
                    await session.commit()
                except IntegrityError:  # a concurrent upload took the name, or the flow went
                    await session.rollback()
                    await _require_flow(session, principal.user_id, flow_id)
                    continue
                await session.refresh(record)
                return record
        raise Conflict("Could not choose a free file name; try again")
    except BaseException:
        await store.delete(writer.key)
        raise


async def list_flow_files(ctx: Context, *, flow_id: uuid.UUID) -> list[File]:
    """The files of the caller's flow, oldest first (Langflow ``GET /api/v1/files/list/{flow_id}``).
    Raises Unauthenticated, NotFound("Flow not found")."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        await _require_flow(session, principal.user_id, flow_id)
        query = (
            select(File)
            .where(File.flow_id == flow_id, File.user_id == principal.user_id)
            .order_by(File.created_at, File.id)
        )
        return list(await session.scalars(query))


async def _flow_file(ctx: Context, flow_id: uuid.UUID, file_name: str) -> File:
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        await _require_flow(session, principal.user_id, flow_id)
        file = await session.scalar(
            select(File).where(
                File.flow_id == flow_id, File.name == file_name, File.user_id == principal.user_id
            )
        )
    if file is None:
        raise NotFound(FILE_NOT_FOUND)
    return file


async def open_flow_file(ctx: Context, *, flow_id: uuid.UUID, file_name: str) -> FileDownload:
    """A file of the caller's flow for download, by its name as listed (Langflow
    ``GET /api/v1/files/download/{flow_id}/{file_name}``). Raises Unauthenticated,
    NotFound("Flow not found" / "File not found")."""
    return await _open(ctx, await _flow_file(ctx, flow_id, file_name))


async def delete_flow_file(ctx: Context, *, flow_id: uuid.UUID, file_name: str) -> None:
    """Delete a file of the caller's flow (Langflow ``DELETE /api/v1/files/delete/{flow_id}/{file_name}``).
    Raises Unauthenticated, NotFound("Flow not found" / "File not found")."""
    file = await _flow_file(ctx, flow_id, file_name)
    if not await _delete_where(ctx, File.id == file.id):
        raise NotFound(FILE_NOT_FOUND)


# ---------------------------------------------------------------- for the engine's file components


async def resolve_file(ctx: Context, ref: str) -> File:
    """The caller's file named by ``ref``: a file id, a store key (``{user_id}/{stored name}``,
    a v2 file's ``path``), a bare stored name, or a v1 flow file path (``{flow_id}/{file_name}``,
    an upload's ``file_path``). Only the ``file`` table is consulted, filtered by owner; ``ref``
    never becomes a filesystem path. Raises Unauthenticated, NotFound("File not found")."""
    principal = ctx.require_principal()
    ref = ref.strip()
    condition: ColumnElement[bool] | None = None
    try:
        condition = File.id == uuid.UUID(ref)
    except ValueError:
        if KEY_PATTERN.fullmatch(ref):
            condition = File.path == ref
        elif _STORED_NAME.fullmatch(ref):
            condition = File.path == f"{principal.user_id}/{ref}"
        elif match := _FLOW_REF.fullmatch(ref):
            try:
                condition = and_(File.flow_id == uuid.UUID(match["flow"]), File.name == match["name"])
            except ValueError:
                condition = None
    if condition is None:
        raise NotFound(FILE_NOT_FOUND)
    async with ctx.sessions() as session:
        file = await session.scalar(select(File).where(condition, File.user_id == principal.user_id))
    if file is None:
        raise NotFound(FILE_NOT_FOUND)
    return file


async def read_file_bytes(ctx: Context, ref: str) -> bytes:
    """The bytes of the caller's file ``ref`` (see :func:`resolve_file`): what the File
    component reads. Raises Unauthenticated, NotFound("File not found")."""
    file = await resolve_file(ctx, ref)
    try:
        return await file_store(ctx).read_bytes(file.path)
    except StoredObjectMissing as exc:
        raise NotFound(FILE_NOT_FOUND) from exc


@dataclass
class BytesSource:
    """An :class:`UploadSource` over bytes already in memory."""

    name: str | None
    data: bytes

    async def open(self) -> tuple[str | None, AsyncIterator[bytes]]:
        """The name and the bytes as one chunk."""

        async def chunks() -> AsyncIterator[bytes]:
            yield self.data

        return self.name, chunks()


async def save_file(
    ctx: Context,
    *,
    name: str,
    data: bytes,
    append: bool = False,
    merge: Callable[[bytes], bytes] | None = None,
) -> File:
    """Store ``data`` as the caller's user file ``name`` (what Save to File writes; the same
    rules as :func:`upload_file`, ``append`` included). With ``append``, ``merge`` and an
    existing file of that name, that file's bytes become ``merge(old bytes)`` instead (same id,
    name and store key; computed and written while the file is locked, so concurrent saves all
    land). Raises Unauthenticated, TooLarge (nothing changes), NotFound (the file vanished)."""
    if append and merge is not None:
        principal = ctx.require_principal()
        root, _ext = split_extension(clean_name(name))
        existing = await _first_named(ctx, principal.user_id, root)
        if existing is not None:
            return await _merge_into(ctx, file_store(ctx), existing, merge)
    return await upload_file(ctx, source=BytesSource(name, data), append=append)


async def _merge_into(ctx: Context, store: FileStore, file: File, merge: Callable[[bytes], bytes]) -> File:
    """Replace ``file``'s bytes by ``merge`` of them under its key's lock; record the size."""
    async with store.lock(file.path):
        try:
            old = await store.read_bytes(file.path)
        except StoredObjectMissing as exc:
            raise NotFound(FILE_NOT_FOUND) from exc
        new = await to_thread.run_sync(merge, old)
        if len(new) > upload_limit(ctx.settings):
            raise too_large(ctx.settings)
        async with store.writer(file.user_id, replace=file.path) as writer:
            await writer.write(new)
            size = await writer.commit()
        updated = await _record_size(ctx, file, size)
    if updated is None:  # deleted meanwhile: do not resurrect the bytes
        await store.delete(file.path)
        raise NotFound(FILE_NOT_FOUND)
    return updated
