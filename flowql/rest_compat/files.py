"""Langflow's v1 file routes: flow files (``POST /api/v1/files/upload/{flow_id}``,
``GET /api/v1/files/list/{flow_id}``, ``GET /api/v1/files/download/{flow_id}/{file_name}``,
``GET /api/v1/files/images/{flow_id}/{file_name}``,
``DELETE /api/v1/files/delete/{flow_id}/{file_name}``) and the bundled profile pictures
(``GET /api/v1/files/profile_pictures/list`` and ``.../{folder_name}/{file_name}``, public).

Flow files need the flow to be the caller's (404 "Flow not found" otherwise, before any upload
byte is read). Parse → resolver → shape; errors are mapped in ``errors``.
"""

from __future__ import annotations

import mimetypes
import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.filestore import profile_pictures
from flowql.resolvers import files as file_resolvers
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.file_transfer import (
    STREAMED_BODY_LIMIT,
    UPLOAD_OPENAPI,
    UPLOAD_RESPONSES,
    MultipartUpload,
    binary_responses,
    download_response,
    file_headers,
)

router = APIRouter(prefix="/api/v1/files", tags=["Files"])


class FlowFileUploaded(BaseModel):
    """Langflow's v1 ``UploadFileResponse``: ``{"flowId", "file_path"}``; ``file_path`` is
    ``{flow_id}/{file_name}``, the name the other v1 routes (and a build's ``files``) use."""

    flow_id: str = Field(serialization_alias="flowId")
    file_path: str


class FileNames(BaseModel):
    """``{"files": [...]}``: file names (flow files) or ``Folder/name`` (profile pictures)."""

    files: list[str]


class Message(BaseModel):
    """``{"message": ...}``."""

    message: str


@router.post(
    "/upload/{flow_id}",
    status_code=201,
    response_model=FlowFileUploaded,
    openapi_extra=UPLOAD_OPENAPI,
    responses=UPLOAD_RESPONSES,
    max_body_size=STREAMED_BODY_LIMIT,
)
async def upload_flow_file(ctx: Ctx, request: Request, flow_id: uuid.UUID) -> FlowFileUploaded:
    """Store the ``file`` part of a multipart body as a file of the caller's flow (201). The
    body is streamed to the store after authentication and the flow check: 404 for a flow that
    is missing or not yours, 413 over ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB (declared or while
    streaming), 400 for a bad boundary or broken multipart, 422 without a ``file`` part."""
    source = MultipartUpload(request, ctx.settings)
    stored = await file_resolvers.upload_flow_file(ctx, flow_id=flow_id, source=source)
    return FlowFileUploaded(flow_id=str(flow_id), file_path=f"{flow_id}/{stored.name}")


@router.get("/list/{flow_id}", response_model=FileNames)
async def list_flow_files(ctx: Ctx, flow_id: uuid.UUID) -> FileNames:
    """The names of the caller's flow's files, oldest first; 404 for a flow not yours."""
    return FileNames(files=[f.name for f in await file_resolvers.list_flow_files(ctx, flow_id=flow_id)])


@router.get("/download/{flow_id}/{file_name}", response_class=Response, responses=binary_responses())
async def download_flow_file(ctx: Ctx, flow_id: uuid.UUID, file_name: str) -> Response:
    """The file's bytes (``application/octet-stream``, ``Content-Disposition: attachment``);
    404 when the flow or the file is not found."""
    download = await file_resolvers.open_flow_file(ctx, flow_id=flow_id, file_name=file_name)
    return download_response(download.filename, download.chunks)


@router.get("/images/{flow_id}/{file_name}", response_class=Response, responses=binary_responses("image/*"))
async def download_flow_image(ctx: Ctx, flow_id: uuid.UUID, file_name: str) -> Response:
    """An image file of the caller's flow, served inline with its image media type (for chat
    views); 404 when not found, 422 when the name is not an image's."""
    media_type = mimetypes.guess_type(file_name)[0] or ""
    if not media_type.startswith("image/"):
        raise InvalidInput(
            f"{file_name} is not an image", [FieldProblem("file_name", "not an image file name")]
        )
    download = await file_resolvers.open_flow_file(ctx, flow_id=flow_id, file_name=file_name)
    return StreamingResponse(download.chunks, media_type=media_type, headers=file_headers())


@router.delete("/delete/{flow_id}/{file_name}", response_model=Message)
async def delete_flow_file(ctx: Ctx, flow_id: uuid.UUID, file_name: str) -> Message:
    """Delete the file from the caller's flow; 404 when the flow or the file is not found."""
    await file_resolvers.delete_flow_file(ctx, flow_id=flow_id, file_name=file_name)
    return Message(message=f"File {file_name} deleted successfully")


@router.get("/profile_pictures/list", response_model=FileNames)
async def list_profile_pictures() -> FileNames:
    """Every bundled profile picture as ``Folder/name`` (public)."""
    return FileNames(files=profile_pictures.list_pictures())


#: Headers of a profile picture: cacheable, never sniffed, and (they are SVG) no scripts.
PICTURE_HEADERS = file_headers(**{"Cache-Control": "public, max-age=86400"})


@router.get(
    "/profile_pictures/{folder_name}/{file_name}",
    response_class=Response,
    responses=binary_responses("image/svg+xml"),
)
async def download_profile_picture(folder_name: str, file_name: str) -> Response:
    """A bundled profile picture (public). ``folder_name``/``file_name`` must be a pair the
    bundled index lists; anything else (``..``, other folders, other names) is a 404 and
    nothing is read."""
    picture = profile_pictures.find_picture(folder_name, file_name)
    if picture is None:
        raise NotFound("Profile picture not found")
    return Response(picture.content, media_type=picture.media_type, headers=PICTURE_HEADERS)
