"""``File`` (Langflow's v2 user file), the ``files`` connection and ``DeleteResult``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from flowql.schema.records import FilePageRecord, FileRecord
from flowql.schema.types.pagination import PageInfo, page_info


@strawberry.type(
    description="One of your stored files (as REST GET /api/v2/files lists it): name is your name for it "
    "without the extension, path its store key {userId}/{stored name}, size in bytes."
)
class File:
    """A stored user file; mirrors Langflow's v2 ``File``. ``path`` is the store key, which the
    File component accepts as a reference (so is the id)."""

    id: strawberry.ID
    name: str
    path: str
    size: int
    provider: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_record(cls, file: FileRecord) -> File:
        """Shape a stored file."""
        return cls(
            id=strawberry.ID(str(file.id)),
            name=file.name,
            path=file.path,
            size=file.size,
            provider=file.provider,
            created_at=file.created_at,
            updated_at=file.updated_at,
        )


@strawberry.type(description="A file with its opaque keyset cursor.")
class FileEdge:
    """A file with its opaque keyset cursor."""

    cursor: str
    node: File


@strawberry.type(description="A keyset page of your files, oldest first.")
class FileConnection:
    """A page of the caller's files."""

    edges: list[FileEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: FilePageRecord) -> FileConnection:
        """Shape a ``files_page`` result."""
        edges = [FileEdge(cursor=cursor, node=File.from_record(file)) for cursor, file in page.items]
        return cls(
            edges=edges,
            page_info=page_info(edges, page.has_next_page),
            total_count=page.total_count,
        )


@strawberry.type(
    description="How many objects a delete removed (ids that were missing or not yours count 0)."
)
class DeleteResult:
    """The outcome of a delete-many: ``deletedCount`` objects were removed."""

    deleted_count: int
