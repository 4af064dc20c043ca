"""File field implementations (``files``, ``file``, ``uploadFile``, ``renameFile``,
``deleteFiles``): parse arguments → one resolver call → shape. The root types in
:mod:`flowql.schema.roots` reference these functions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.filestore import CHUNK_SIZE
from flowql.filestore.names import form_filename
from flowql.resolvers import files
from flowql.schema.context import Info
from flowql.schema.inputs import parse_uuid
from flowql.schema.permissions import refuse_cookie_only_upload
from flowql.schema.types.files import DeleteResult, File, FileConnection


@dataclass
class FormUpload:
    """A GraphQL multipart ``Upload`` (Starlette's ``UploadFile``) as an
    :class:`~flowql.resolvers.files.UploadSource`."""

    upload: UploadFile

    async def open(self) -> tuple[str | None, AsyncIterator[bytes]]:
        """The part's file name (HTML5 escapes undone) and its bytes in chunks."""

        async def chunks() -> AsyncIterator[bytes]:
            while data := await self.upload.read(CHUNK_SIZE):
                yield data

        name = form_filename(self.upload.filename) if self.upload.filename is not None else None
        return name, chunks()


async def files_connection(
    info: Info, first: int | None = 50, after: str | None = strawberry.UNSET
) -> FileConnection:
    """``files(first, after)``: a keyset page of the caller's files (``files.files_page``).
    ``first`` out of 1..100 or a foreign cursor is an error with code INVALID_INPUT."""
    page = await files.files_page(info.context.ctx, first=50 if first is None else first, after=after or None)
    return FileConnection.from_page(page)


async def file(info: Info, id: strawberry.ID) -> File | None:
    """``file(id)``: the caller's file, null when it is missing or another user's. A malformed
    id is an error with code INVALID_INPUT."""
    try:
        return File.from_record(await files.get_file(info.context.ctx, file_id=parse_uuid(id, "id")))
    except NotFound:
        return None


async def upload_file(info: Info, file: Upload) -> File:
    """``uploadFile(file)``: ``files.upload_file`` on a multipart-spec upload (as REST
    ``POST /api/v2/files``). Over ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` is an error with code
    TOO_LARGE (nothing is kept); authenticated only by the session cookie, code FORBIDDEN."""
    refuse_cookie_only_upload(info.context)
    if not isinstance(file, UploadFile):
        raise InvalidInput("file must be an uploaded file", [FieldProblem("file", "not a file")])
    return File.from_record(await files.upload_file(info.context.ctx, source=FormUpload(file)))


async def rename_file(info: Info, id: strawberry.ID, name: str) -> File | None:
    """``renameFile(id, name)``: the renamed file, null when it is missing or another user's (as
    REST ``PUT /api/v2/files/{file_id}``). A blank name or malformed id is an error with code
    INVALID_INPUT."""
    try:
        renamed = await files.rename_file(info.context.ctx, file_id=parse_uuid(id, "id"), name=name)
    except NotFound:
        return None
    return File.from_record(renamed)


async def delete_files(info: Info, ids: list[strawberry.ID]) -> DeleteResult:
    """``deleteFiles(ids)``: delete those of the caller's files (as REST
    ``DELETE /api/v2/files/batch/``); other users' ids are skipped and not counted. A malformed
    id is an error with code INVALID_INPUT (nothing is deleted)."""
    file_ids = [parse_uuid(value, f"ids.{n}") for n, value in enumerate(ids)]
    return DeleteResult(deleted_count=await files.delete_files(info.context.ctx, file_ids=file_ids))
