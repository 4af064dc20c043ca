"""Langflow's v2 user-file routes under ``/api/v2/files``: upload (``append``), list (with and
without the trailing slash), download (``return_content``), rename (``name``), delete one,
delete many and download many as a zip (``/batch/``), and delete all.

Another user's file answers 404 like a missing one. Parse → resolver → shape; errors are mapped
in ``errors``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, field_serializer

from flowql.errors import NotFound
from flowql.resolvers import files as file_resolvers
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.file_transfer import (
    STREAMED_BODY_LIMIT,
    UPLOAD_OPENAPI,
    UPLOAD_RESPONSES,
    MultipartUpload,
    binary_responses,
    download_response,
)

router = APIRouter(prefix="/api/v2/files", tags=["Files"])

FileIds = Annotated[list[uuid.UUID], Body(title="File Ids")]


class UploadedFile(BaseModel):
    """Langflow's ``UploadFileResponse`` (also the rename answer): ``name`` is the file's name
    without its extension, ``path`` its store key ``{user_id}/{stored name}``."""

    id: uuid.UUID
    name: str
    path: str
    size: int
    provider: str | None


def file_timestamp(value: datetime) -> str:
    """A file timestamp as the peer writes it: ``2026-11-30T05:42:19.235891Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FileRead(UploadedFile):
    """Langflow's ``File`` as ``GET /api/v2/files`` lists it."""

    user_id: uuid.UUID
    created_at: datetime
    updated_at: datetime

    @field_serializer("created_at", "updated_at")
    def _timestamps(self, value: datetime) -> str:
        return file_timestamp(value)


class Message(BaseModel):
    """``{"message": ...}``."""

    message: str


class Detail(BaseModel):
    """``{"detail": ...}`` (the peer's answer to a single delete)."""

    detail: str


def uploaded(file: object) -> UploadedFile:
    """A stored file as ``UploadFileResponse``."""
    return UploadedFile.model_validate(file, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_model=UploadedFile,
    openapi_extra=UPLOAD_OPENAPI,
    responses=UPLOAD_RESPONSES,
    max_body_size=STREAMED_BODY_LIMIT,
)
@router.post(
    "/",
    status_code=201,
    response_model=UploadedFile,
    openapi_extra=UPLOAD_OPENAPI,
    responses=UPLOAD_RESPONSES,
    max_body_size=STREAMED_BODY_LIMIT,
)
async def upload_user_file(ctx: Ctx, request: Request, append: bool = False) -> UploadedFile:
    """Store the ``file`` part of a multipart body as the caller's file (201). The body is
    streamed to the store after authentication. A name already used becomes ``name (n)``; with
    ``append=true`` the bytes are added to the end of the caller's file of that name instead.
    413 over ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB (declared or while streaming; nothing is kept),
    400 for a bad boundary or broken multipart, 422 without a ``file`` part."""
    source = MultipartUpload(request, ctx.settings)
    return uploaded(await file_resolvers.upload_file(ctx, source=source, append=append))


@router.get("", response_model=list[FileRead])
@router.get("/", response_model=list[FileRead])
async def list_user_files(ctx: Ctx) -> list[FileRead]:
    """The caller's files, oldest first."""
    return [FileRead.model_validate(f, from_attributes=True) for f in await file_resolvers.list_files(ctx)]


@router.delete("", response_model=Message)
@router.delete("/", response_model=Message)
async def delete_all_user_files(ctx: Ctx) -> Message:
    """Delete every file of the caller."""
    await file_resolvers.delete_all_files(ctx)
    return Message(message="All files deleted successfully")


@router.post("/batch/", response_class=Response, responses=binary_responses("application/x-zip-compressed"))
async def download_files_batch(ctx: Ctx, file_ids: FileIds) -> Response:
    """A zip (``application/x-zip-compressed``) of the caller's files among the ids, entries
    named as their downloads; other users' ids are skipped; 404 when none is the caller's."""
    archive = await file_resolvers.zip_files(ctx, file_ids=file_ids)
    return download_response(archive.filename, archive.chunks, media_type="application/x-zip-compressed")


@router.delete("/batch/", response_model=Message)
async def delete_files_batch(ctx: Ctx, file_ids: FileIds) -> Message:
    """Delete the caller's files among the ids (other users' ids are skipped); 404 "No files
    found" when none is the caller's."""
    deleted = await file_resolvers.delete_files(ctx, file_ids=file_ids)
    if deleted == 0:
        raise NotFound(file_resolvers.NO_FILES_FOUND)
    return Message(message=f"{deleted} files deleted successfully")


#: The download answers bytes, or with ``return_content=true`` the text as a JSON string.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes, or its text as a JSON string with return_content=true",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "string"}},
        },
    }
}


@router.get("/{file_id}", response_class=Response, responses=DOWNLOAD_RESPONSES)
async def download_user_file(ctx: Ctx, file_id: uuid.UUID, return_content: bool = False) -> Response:
    """The file's bytes (``application/octet-stream``, ``Content-Disposition: attachment`` with the
    name plus extension); with ``return_content=true`` its text as a JSON string (422 when it is
    not UTF-8). 404 when missing or not yours."""
    if return_content:
        return JSONResponse(await file_resolvers.file_text(ctx, file_id=file_id))
    download = await file_resolvers.open_file(ctx, file_id=file_id)
    return download_response(download.filename, download.chunks)


@router.put("/{file_id}", response_model=UploadedFile)
async def rename_user_file(ctx: Ctx, file_id: uuid.UUID, name: Annotated[str, Query()]) -> UploadedFile:
    """Give the file a new name (its bytes and ``path`` stay); 404 when missing or not yours,
    422 for a blank name."""
    return uploaded(await file_resolvers.rename_file(ctx, file_id=file_id, name=name))


@router.delete("/{file_id}", response_model=Detail)
async def delete_user_file(ctx: Ctx, file_id: uuid.UUID) -> Detail:
    """Delete the file and its bytes; 404 when missing or not yours (it stays)."""
    deleted = await file_resolvers.delete_file(ctx, file_id=file_id)
    return Detail(detail=f"File {deleted.name} deleted successfully")
